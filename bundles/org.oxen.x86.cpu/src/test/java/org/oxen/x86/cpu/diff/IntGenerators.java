package org.oxen.x86.cpu.diff;

import java.util.SplittableRandom;

/**
 * Generators of integer instruction sequences, one entry point per family. Every generated
 * instruction declares which status flags it writes with defined values and which the SDM leaves
 * undefined; a case compares only the flags that are defined after its last instruction (see
 * {@link Seq}). No instruction reads a flag that is undefined at that point.
 *
 * <p>Register conventions: EBX is the memory base (DATA_ADDR + small offset) and is never written;
 * ESP is the test stack (top of the memory buffer) and only push/pop change it. Memory operands are
 * [ebx], [ebx+disp8] or [disp32] inside the compared buffer, below the stack area.
 *
 * <p>This class holds what the families share (flag masks, register names, {@link Seq}, the case
 * base, ModR/M and immediate encoding) and their entry points; each family's generator is its own
 * class: {@link AluGenerator}, {@link ShiftGenerator}, {@link MulDivGenerator},
 * {@link BitOpGenerator}, {@link BcdGenerator}, {@link StringGenerator},
 * {@link FlagConsumerGenerator}, {@link MiscGenerator}, {@link ControlGenerator} and
 * {@link X87CompareGenerator}; the x87 family is {@link X87Generator}'s.
 */
final class IntGenerators {
    static final int CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
    static final int ALL = CF | PF | AF | ZF | SF | OF;
    static final int LOGIC_DEF = CF | PF | ZF | SF | OF;

    static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    static final String[] R8 = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    /** Registers that may be written (not EBX, not ESP). */
    private static final int[] DATA_REGS = {0, 1, 2, 5, 6, 7};
    /** 8-bit register encodings that may be written (not BL, not BH). */
    private static final int[] DATA_REGS8 = {0, 1, 2, 4, 5, 6};
    static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

    private IntGenerators() {
    }

    // ---- shared by the families: case setup, operand encoding ------------------------------------

    /** A sequence under construction with its undefined-flag bookkeeping. */
    static final class Seq {
        final TestCase c;
        final Code code = new Code();
        int undef;

        Seq(TestCase c) {
            this.c = c;
        }

        void add(String text, int defined, int undefined, int... bytes) {
            code.insn(text, bytes);
            undef = (undef & ~defined) | undefined;
        }

        TestCase finish() {
            code.into(c);
            c.flagMask = TestCase.FLAGS_ALL & ~undef;
            return c;
        }
    }

    /** A fresh case with random registers and flags, EBX the memory base, and a random memory buffer. */
    static TestCase base(SplittableRandom r, String family, boolean memory) {
        TestCase c = new TestCase(family);
        for (int i = 0; i < 8; i++) {
            c.regs[i] = Operands.int32(r);
        }
        c.regs[3] = TestCase.DATA_ADDR + 0x40 + r.nextInt(0x20);
        c.regs[4] = TestCase.STACK_TOP;
        c.eflags = 0x202 | (r.nextInt() & (ALL | 0x400));
        if (memory) {
            c.mem = new byte[TestCase.MEM_SIZE];
            for (int i = 0; i < c.mem.length; i++) {
                c.mem[i] = (byte) (r.nextInt(4) == 0 ? Operands.int32(r) : r.nextInt());
            }
        }
        return c;
    }

    static int dataReg(SplittableRandom r) {
        return DATA_REGS[r.nextInt(DATA_REGS.length)];
    }

    static int dataReg8(SplittableRandom r) {
        return DATA_REGS8[r.nextInt(DATA_REGS8.length)];
    }

    static String regName(int reg, int width) {
        return width == 8 ? R8[reg] : width == 16 ? R16[reg] : R32[reg];
    }

    /** ModR/M operand: register or memory form, as bytes plus text. */
    static final class Rm {
        int[] bytes;
        String text;
        boolean mem;
    }

    /**
     * Encodes a ModR/M with the given reg field. A register r/m is a writable data register
     * (when dest) or any register but ESP; memory forms address the buffer via EBX or disp32.
     */
    static Rm rm(SplittableRandom r, TestCase c, int regField, int width, boolean allowMem, boolean dest) {
        Rm o = new Rm();
        if (allowMem && c.mem != null && r.nextInt(3) == 0) {
            o.mem = true;
            int ebxOff = c.regs[3] - TestCase.DATA_ADDR;
            int lo = Math.max(0, ebxOff - 128), hi = Math.min(0xc0, ebxOff + 128); // signed disp8 reach
            int off = lo + r.nextInt(hi - lo);
            switch (r.nextInt(3)) {
                case 0: {
                    int d = off - ebxOff;
                    o.bytes = new int[] {0x43 | regField << 3, d & 0xff};
                    o.text = "[ebx" + (d < 0 ? "-" : "+") + Math.abs(d) + "]";
                    break;
                }
                case 1:
                    o.bytes = new int[] {0x03 | regField << 3};
                    o.text = "[ebx]";
                    break;
                default: {
                    int a = TestCase.DATA_ADDR + off;
                    o.bytes = new int[] {0x05 | regField << 3, a & 0xff, (a >> 8) & 0xff, (a >> 16) & 0xff, a >>> 24};
                    o.text = String.format("[0x%x]", a);
                    break;
                }
            }
            return o;
        }
        int reg;
        if (width == 8) {
            reg = dest ? dataReg8(r) : r.nextInt(8);
        } else {
            reg = dest ? dataReg(r) : pickNot4(r);
        }
        o.bytes = new int[] {0xc0 | regField << 3 | reg};
        o.text = regName(reg, width);
        return o;
    }

    static int pickNot4(SplittableRandom r) {
        int x = r.nextInt(7);
        return x >= 4 ? x + 1 : x;
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int k = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        return out;
    }

    static int[] imm(int v, int bytes) {
        int[] b = new int[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (v >>> (8 * i)) & 0xff;
        }
        return b;
    }

    static int width(SplittableRandom r) {
        int k = r.nextInt(3);
        return k == 0 ? 8 : k == 1 ? 16 : 32;
    }

    static int[] prefix(int width) {
        return width == 16 ? new int[] {0x66} : new int[0];
    }

    static int immValue(SplittableRandom r) {
        return Operands.int32(r);
    }

    /** The buffer offset a memory operand made by {@link #rm} addresses. */
    static int eaOffset(TestCase c, Rm o) {
        int addr;
        if (o.bytes.length == 2) {
            addr = c.regs[3] + (byte) o.bytes[1];
        } else if (o.bytes.length == 1) {
            addr = c.regs[3];
        } else {
            addr = o.bytes[1] | o.bytes[2] << 8 | o.bytes[3] << 16 | o.bytes[4] << 24;
        }
        return addr - TestCase.DATA_ADDR;
    }

    // ---- x87 through the whole CPU ---------------------------------------------------------------------

    static TestCase x87(SplittableRandom r) {
        return X87Generator.generate(r, false);
    }
}
