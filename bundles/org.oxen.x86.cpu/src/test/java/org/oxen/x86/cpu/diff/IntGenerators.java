package org.oxen.x86.cpu.diff;

import java.util.SplittableRandom;

/**
 * Generators of integer instruction sequences, one method per family. Every generated
 * instruction declares which status flags it writes with defined values and which the SDM leaves
 * undefined; a case compares only the flags that are defined after its last instruction (see
 * {@link Seq}). No instruction reads a flag that is undefined at that point.
 *
 * <p>Register conventions: EBX is the memory base (DATA_ADDR + small offset) and is never written;
 * ESP is the test stack (top of the memory buffer) and only push/pop change it. Memory operands are
 * [ebx], [ebx+disp8] or [disp32] inside the compared buffer, below the stack area.
 */
final class IntGenerators {
    static final int CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
    static final int ALL = CF | PF | AF | ZF | SF | OF;
    static final int LOGIC_DEF = CF | PF | ZF | SF | OF;

    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    private static final String[] R8 = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    /** Registers that may be written (not EBX, not ESP). */
    private static final int[] DATA_REGS = {0, 1, 2, 5, 6, 7};
    /** 8-bit register encodings that may be written (not BL, not BH). */
    private static final int[] DATA_REGS8 = {0, 1, 2, 4, 5, 6};
    private static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    private static final String[] SHIFT = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

    private IntGenerators() {
    }

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

    private static int pickNot4(SplittableRandom r) {
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

    // ---- ALU ---------------------------------------------------------------------------------

    static TestCase alu(SplittableRandom r) {
        TestCase c = base(r, "alu", r.nextBoolean());
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            aluInsn(r, c, s);
        }
        return s.finish();
    }

    static void aluInsn(SplittableRandom r, TestCase c, Seq s) {
        int w = width(r);
        int[] p = prefix(w);
        int wbit = w == 8 ? 0 : 1;
        int form = r.nextInt(10);
        if (form <= 5) {
            int op = r.nextInt(8);
            int def = op == 1 || op == 4 || op == 6 ? LOGIC_DEF : ALL;
            int und = def == LOGIC_DEF ? AF : 0;
            String name = ALU[op];
            switch (form) {
                case 0:
                case 1: { // r/m, reg
                    int reg = w == 8 ? r.nextInt(8) : pickNot4(r);
                    Rm o = rm(r, c, reg, w, true, true);
                    s.add(name + " " + o.text + "," + regName(reg, w), def, und, concat(p, new int[] {op << 3 | wbit}, o.bytes));
                    return;
                }
                case 2: { // reg, r/m
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, false);
                    s.add(name + " " + regName(reg, w) + "," + o.text, def, und, concat(p, new int[] {op << 3 | 2 | wbit}, o.bytes));
                    return;
                }
                case 3: { // accumulator, imm
                    int v = immValue(r);
                    s.add(name + " " + regName(0, w) + ",0x" + Integer.toHexString(v), def, und,
                            concat(p, new int[] {op << 3 | 4 | wbit}, imm(v, w / 8)));
                    return;
                }
                case 4: { // 80/81 /op imm
                    int v = immValue(r);
                    Rm o = rm(r, c, op, w, true, true);
                    s.add(name + " " + o.text + ",0x" + Integer.toHexString(v), def, und,
                            concat(p, new int[] {0x80 | wbit}, o.bytes, imm(v, w / 8)));
                    return;
                }
                default: { // 83 /op imm8 sign-extended
                    if (w == 8) {
                        w = 32;
                        p = prefix(w);
                    }
                    int v = r.nextInt(256);
                    Rm o = rm(r, c, op, w, true, true);
                    s.add(name + " " + o.text + ",(sx)0x" + Integer.toHexString(v), def, und,
                            concat(p, new int[] {0x83}, o.bytes, new int[] {v}));
                    return;
                }
            }
        }
        switch (form) {
            case 6: { // inc/dec r/m
                int op = r.nextInt(2);
                Rm o = rm(r, c, op, w, true, true);
                s.add((op == 0 ? "inc " : "dec ") + o.text, ALL & ~CF, 0, concat(p, new int[] {0xfe | wbit}, o.bytes));
                return;
            }
            case 7: { // inc/dec reg (short form)
                if (w == 8) {
                    w = 32;
                    p = prefix(w);
                }
                int op = r.nextInt(2);
                int reg = dataReg(r);
                s.add((op == 0 ? "inc " : "dec ") + regName(reg, w), ALL & ~CF, 0, concat(p, new int[] {0x40 | op << 3 | reg}));
                return;
            }
            case 8: { // not/neg
                boolean neg = r.nextBoolean();
                Rm o = rm(r, c, neg ? 3 : 2, w, true, true);
                s.add((neg ? "neg " : "not ") + o.text, neg ? ALL : 0, 0, concat(p, new int[] {0xf6 | wbit}, o.bytes));
                return;
            }
            default: { // test
                switch (r.nextInt(3)) {
                    case 0: {
                        int reg = w == 8 ? r.nextInt(8) : pickNot4(r);
                        Rm o = rm(r, c, reg, w, true, false);
                        s.add("test " + o.text + "," + regName(reg, w), LOGIC_DEF, AF, concat(p, new int[] {0x84 | wbit}, o.bytes));
                        return;
                    }
                    case 1: {
                        int v = immValue(r);
                        s.add("test " + regName(0, w) + ",0x" + Integer.toHexString(v), LOGIC_DEF, AF,
                                concat(p, new int[] {0xa8 | wbit}, imm(v, w / 8)));
                        return;
                    }
                    default: {
                        int v = immValue(r);
                        Rm o = rm(r, c, 0, w, true, false);
                        s.add("test " + o.text + ",0x" + Integer.toHexString(v), LOGIC_DEF, AF,
                                concat(p, new int[] {0xf6 | wbit}, o.bytes, imm(v, w / 8)));
                        return;
                    }
                }
            }
        }
    }

    // ---- shifts and rotates --------------------------------------------------------------------

    private static final int[] COUNTS = {0, 1, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 63, 255};

    static TestCase shift(SplittableRandom r) {
        TestCase c = base(r, "shift", r.nextInt(4) == 0);
        c.regs[1] = (c.regs[1] & ~0xff) | (r.nextBoolean() ? COUNTS[r.nextInt(COUNTS.length)] : r.nextInt(256));
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(2);
        for (int k = 0; k < n; k++) {
            shiftInsn(r, c, s);
        }
        return s.finish();
    }

    /** Destination registers for the shift family: data registers except ECX (the count). */
    private static Rm shiftDest(SplittableRandom r, TestCase c, int regField, int w) {
        Rm o;
        do {
            o = rm(r, c, regField, w, true, true);
        } while (!o.mem && (o.bytes[0] & 7) == 1);
        return o;
    }

    static void shiftInsn(SplittableRandom r, TestCase c, Seq s) {
        int w = width(r);
        int[] p = prefix(w);
        int wbit = w == 8 ? 0 : 1;
        if (w != 8 && r.nextInt(4) == 0) { // SHLD / SHRD
            boolean right = r.nextBoolean();
            boolean byCl = r.nextBoolean();
            int count = byCl ? c.regs[1] & 0xff : COUNTS[r.nextInt(COUNTS.length)];
            int mc = count & 31;
            if (w == 16 && mc > 16) { // result undefined by the SDM: not generated
                count = 16;
                mc = 16;
                if (byCl) {
                    byCl = false;
                }
            }
            int src = pickNot4(r);
            Rm o = shiftDest(r, c, src, w);
            int def = mc == 0 ? 0 : (CF | PF | ZF | SF | (mc == 1 ? OF : 0));
            int und = mc == 0 ? 0 : (AF | (mc == 1 ? 0 : OF));
            String name = (right ? "shrd " : "shld ") + o.text + "," + regName(src, w) + ",";
            if (byCl) {
                s.add(name + "cl", def, und, concat(p, new int[] {0x0f, right ? 0xad : 0xa5}, o.bytes));
            } else {
                s.add(name + count, def, und, concat(p, new int[] {0x0f, right ? 0xac : 0xa4}, o.bytes, new int[] {count}));
            }
            return;
        }
        int op;
        do {
            op = r.nextInt(8);
        } while (op == 6);
        int form = r.nextInt(3);
        int count;
        int[] enc;
        Rm o = shiftDest(r, c, op, w);
        String ctext;
        if (form == 0) {
            count = 1;
            enc = concat(p, new int[] {0xd0 | wbit}, o.bytes);
            ctext = "1";
        } else if (form == 1) {
            count = c.regs[1] & 0xff;
            enc = concat(p, new int[] {0xd2 | wbit}, o.bytes);
            ctext = "cl";
        } else {
            count = COUNTS[r.nextInt(COUNTS.length)];
            enc = concat(p, new int[] {0xc0 | wbit}, o.bytes, new int[] {count});
            ctext = Integer.toString(count);
        }
        int mc = count & 31;
        int def = 0, und = 0;
        if (mc != 0) {
            if (op <= 3) { // rotates: CF, OF only when the count is 1
                def = CF | (mc == 1 ? OF : 0);
                und = mc == 1 ? 0 : OF;
            } else {
                def = PF | ZF | SF | (mc == 1 ? OF : 0);
                und = AF | (mc == 1 ? 0 : OF);
                if (op != 7 && mc >= w) {
                    und |= CF; // SHL/SHR with count >= operand size
                } else {
                    def |= CF;
                }
            }
        }
        s.add(SHIFT[op] + " " + o.text + "," + ctext, def, und, enc);
    }

    // ---- multiply and divide ---------------------------------------------------------------------

    static TestCase muldiv(SplittableRandom r) {
        TestCase c = base(r, "muldiv", r.nextInt(4) == 0);
        // make divisions that fit more likely than not
        switch (r.nextInt(4)) {
            case 0:
                c.regs[2] = 0;
                break;
            case 1:
                c.regs[2] = c.regs[0] >> 31;
                break;
            case 2:
                c.regs[2] = r.nextInt(16) - 8;
                break;
            default:
                break;
        }
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(2);
        for (int k = 0; k < n; k++) {
            int w = width(r);
            int[] p = prefix(w);
            int wbit = w == 8 ? 0 : 1;
            int form = r.nextInt(5);
            if (form <= 2 || w == 8) {
                int op = 4 + r.nextInt(4);
                String[] names = {"mul", "imul", "div", "idiv"};
                Rm o = rm(r, c, op, w, true, false);
                boolean div = op >= 6;
                s.add(names[op - 4] + " " + o.text, div ? 0 : CF | OF, div ? ALL : (SF | ZF | AF | PF),
                        concat(p, new int[] {0xf6 | wbit}, o.bytes));
            } else if (form == 3) {
                int reg = dataReg(r);
                Rm o = rm(r, c, reg, w, true, false);
                s.add("imul " + regName(reg, w) + "," + o.text, CF | OF, SF | ZF | AF | PF,
                        concat(p, new int[] {0x0f, 0xaf}, o.bytes));
            } else {
                int reg = dataReg(r);
                Rm o = rm(r, c, reg, w, true, false);
                if (r.nextBoolean()) {
                    int v = immValue(r);
                    s.add("imul " + regName(reg, w) + "," + o.text + ",0x" + Integer.toHexString(v), CF | OF, SF | ZF | AF | PF,
                            concat(p, new int[] {0x69}, o.bytes, imm(v, w / 8)));
                } else {
                    int v = r.nextInt(256);
                    s.add("imul " + regName(reg, w) + "," + o.text + ",(sx)0x" + Integer.toHexString(v), CF | OF, SF | ZF | AF | PF,
                            concat(p, new int[] {0x6b}, o.bytes, new int[] {v}));
                }
            }
        }
        return s.finish();
    }

    // ---- bit operations ---------------------------------------------------------------------------

    static TestCase bitops(SplittableRandom r) {
        TestCase c = base(r, "bitops", r.nextInt(3) == 0);
        c.regs[3] = TestCase.DATA_ADDR + 0x40;
        Seq s = new Seq(c);
        int w = r.nextBoolean() ? 16 : 32;
        int[] p = prefix(w);
        int kind = r.nextInt(4);
        if (kind == 0) { // BSF / BSR: single instruction so the source value is known
            boolean rev = r.nextBoolean();
            int reg = dataReg(r);
            if (r.nextInt(4) == 0) {
                c.regs[reg] = r.nextBoolean() ? 0 : 1 << r.nextInt(32);
            }
            Rm o = rm(r, c, reg, w, true, false);
            if (o.mem) {
                if (r.nextBoolean()) {
                    plantNonZero(r, c, o, w); // a nonzero source: the destination is defined
                } else {
                    c.regMask |= 1 << reg; // the source may be zero: destination undefined (SDM)
                }
            } else {
                int srcVal = c.regs[o.bytes[0] & 7];
                if ((w == 16 ? srcVal & 0xffff : srcVal) == 0) {
                    c.regMask |= 1 << reg; // destination undefined when the source is zero (SDM)
                }
            }
            s.add((rev ? "bsr " : "bsf ") + regName(reg, w) + "," + o.text, ZF, CF | OF | SF | AF | PF,
                    concat(p, new int[] {0x0f, rev ? 0xbd : 0xbc}, o.bytes));
            return s.finish();
        }
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int op = r.nextInt(4); // bt bts btr btc
            String[] names = {"bt", "bts", "btr", "btc"};
            if (r.nextBoolean()) { // immediate bit offset
                int bit = r.nextInt(256);
                Rm o = rm(r, c, 4 + op, w, true, op != 0);
                s.add(names[op] + " " + o.text + "," + bit, CF, OF | SF | AF | PF, concat(p, new int[] {0x0f, 0xba}, o.bytes, new int[] {bit}));
            } else { // register bit offset: kept small so memory forms stay in the buffer
                int reg = dataReg(r);
                // a memory form only first, before any instruction could change the offset register
                Rm o = rm(r, c, reg, w, k == 0, op != 0);
                if (o.mem) {
                    // the bit offset is signed and may address bytes before or after the operand: keep them in the buffer
                    int ea = eaOffset(c, o);
                    int target = 8 + r.nextInt(0xc8);
                    c.regs[reg] = 8 * (target - ea) + r.nextInt(8);
                } else if (k == 0 && r.nextBoolean()) { // later: the first instruction may rely on the initial value
                    c.regs[reg] = r.nextInt(0x400) - 0x200;
                }
                s.add(names[op] + " " + o.text + "," + regName(reg, w), CF, OF | SF | AF | PF,
                        concat(p, new int[] {0x0f, 0xa3 | op << 3}, o.bytes));
            }
        }
        return s.finish();
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

    private static void plantNonZero(SplittableRandom r, TestCase c, Rm o, int w) {
        c.mem[eaOffset(c, o) + r.nextInt(w / 8)] |= (byte) (1 << r.nextInt(8));
    }

    // ---- BCD ---------------------------------------------------------------------------------------

    static TestCase bcd(SplittableRandom r) {
        TestCase c = base(r, "bcd", false);
        if (r.nextBoolean()) {
            c.regs[0] = (c.regs[0] & ~0xffff) | (r.nextInt(10) << 12 | r.nextInt(10) << 8 | r.nextInt(10) << 4 | r.nextInt(10));
        }
        Seq s = new Seq(c);
        switch (r.nextInt(6)) {
            case 0:
                s.add("daa", CF | AF | SF | ZF | PF, OF, 0x27);
                break;
            case 1:
                s.add("das", CF | AF | SF | ZF | PF, OF, 0x2f);
                break;
            case 2:
                s.add("aaa", AF | CF, OF | SF | ZF | PF, 0x37);
                break;
            case 3:
                s.add("aas", AF | CF, OF | SF | ZF | PF, 0x3f);
                break;
            case 4: {
                int b = r.nextInt(8) == 0 ? 0 : r.nextInt(4) == 0 ? r.nextInt(256) : 10;
                s.add("aam " + b, SF | ZF | PF, OF | AF | CF, 0xd4, b);
                break;
            }
            default: {
                int b = r.nextInt(4) == 0 ? r.nextInt(256) : 10;
                s.add("aad " + b, SF | ZF | PF, OF | AF | CF, 0xd5, b);
                break;
            }
        }
        return s.finish();
    }

    // ---- string instructions -------------------------------------------------------------------------

    static TestCase string(SplittableRandom r) {
        TestCase c = base(r, "string", true);
        c.regs[6] = TestCase.DATA_ADDR + 0x40 + r.nextInt(0x20); // ESI
        c.regs[7] = TestCase.DATA_ADDR + 0x80 + r.nextInt(0x20); // EDI
        c.regs[1] = r.nextInt(10) == 0 ? 0 : r.nextInt(12); // ECX
        if (r.nextBoolean()) {
            // make some compares run longer: equal prefixes
            int len = r.nextInt(24);
            int si = c.regs[6] - TestCase.DATA_ADDR, di = c.regs[7] - TestCase.DATA_ADDR;
            for (int i = 0; i < len; i++) {
                c.mem[di + i - 12] = c.mem[si + i - 12];
            }
        }
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(2);
        for (int k = 0; k < n; k++) {
            int w = width(r);
            int wbit = w == 8 ? 0 : 1;
            int[] p = prefix(w);
            int kind = r.nextInt(5);
            int[] ops = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
            String[] names = {"movs", "cmps", "stos", "lods", "scas"};
            int rep = r.nextInt(3); // none, F3, F2
            int[] pre = rep == 0 ? new int[0] : new int[] {rep == 1 ? 0xf3 : 0xf2};
            boolean cmp = kind == 1 || kind == 4;
            String sfx = w == 8 ? "b" : w == 16 ? "w" : "d";
            String rp = rep == 0 ? "" : rep == 1 ? (cmp ? "repe " : "rep ") : (cmp ? "repne " : "repne(f2) ");
            // an iteration count of zero leaves the flags unchanged: they stay defined only if nothing else undefined them
            s.add(rp + names[kind] + sfx, cmp && (rep == 0 || c.regs[1] != 0) ? ALL : 0, 0,
                    concat(pre, p, new int[] {ops[kind] | wbit}));
            if (rep != 0) {
                break; // ECX is 0 after a REP: keep one per case
            }
        }
        return s.finish();
    }

    // ---- flag consumers -------------------------------------------------------------------------------

    static TestCase flags(SplittableRandom r) {
        TestCase c = base(r, "flags", r.nextInt(3) == 0);
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int cc = r.nextInt(16);
            switch (r.nextInt(14)) {
                case 0:
                    s.add("j" + CC[cc] + " short +1; inc eax", 0, 0, 0x70 | cc, 0x01, 0x40);
                    break;
                case 1:
                    s.add("j" + CC[cc] + " near +1; inc ecx", 0, 0, 0x0f, 0x80 | cc, 0x01, 0, 0, 0, 0x41);
                    break;
                case 2: {
                    Rm o = rm(r, c, 0, 8, true, true);
                    s.add("set" + CC[cc] + " " + o.text, 0, 0, concat(new int[] {0x0f, 0x90 | cc}, o.bytes));
                    break;
                }
                case 3:
                case 4: {
                    int w = r.nextInt(3) == 0 ? 16 : 32;
                    int reg = dataReg(r);
                    Rm o = rm(r, c, reg, w, true, false);
                    s.add("cmov" + CC[cc] + " " + regName(reg, w) + "," + o.text, 0, 0,
                            concat(prefix(w), new int[] {0x0f, 0x40 | cc}, o.bytes));
                    break;
                }
                case 5:
                    s.add("lahf", 0, 0, 0x9f);
                    break;
                case 6:
                    s.add("sahf", CF | PF | AF | ZF | SF, 0, 0x9e);
                    break;
                case 7: {
                    if (c.mem == null) {
                        c.mem = new byte[TestCase.MEM_SIZE];
                    }
                    int reg = dataReg(r);
                    s.add("pushfd; pop " + R32[reg], 0, 0, 0x9c, 0x58 | reg);
                    break;
                }
                case 8: {
                    int[] op = {0xf5, 0xf8, 0xf9, 0xfc, 0xfd};
                    String[] nm = {"cmc", "clc", "stc", "cld", "std"};
                    int k2 = r.nextInt(5);
                    s.add(nm[k2], k2 < 3 ? CF : 0, 0, op[k2]);
                    break;
                }
                case 9: { // adc/sbb reading CF
                    int w = width(r);
                    int op = r.nextBoolean() ? 2 : 3;
                    Rm o = rm(r, c, op, w, true, true);
                    int v = immValue(r);
                    s.add(ALU[op] + " " + o.text + ",0x" + Integer.toHexString(v), ALL, 0,
                            concat(prefix(w), new int[] {w == 8 ? 0x80 : 0x81}, o.bytes, imm(v, w / 8)));
                    break;
                }
                case 10: { // loop family over "inc eax"
                    int[] op = {0xe2, 0xe1, 0xe0};
                    String[] nm = {"loop", "loope", "loopne"};
                    int k2 = r.nextInt(3);
                    int cnt = r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(6); // ECX=0 would loop 2^32 times after the dec: keep it >= 1 when looping
                    if (cnt == 0) {
                        cnt = 1;
                    }
                    s.add("mov ecx," + cnt + "; inc eax; " + nm[k2] + " -3", ALL & ~CF, 0,
                            concat(new int[] {0xb9}, imm(cnt, 4), new int[] {0x40, op[k2], 0xfd}));
                    break;
                }
                case 11:
                    if (r.nextBoolean()) {
                        c.regs[1] = 0;
                    }
                    s.add("jecxz +1; inc edx", 0, 0, 0xe3, 0x01, 0x42);
                    break;
                case 12: { // a defined-flag producer
                    int w = width(r);
                    int op = new int[] {0, 5, 7}[r.nextInt(3)];
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, false);
                    s.add(ALU[op] + " " + regName(reg, w) + "," + o.text, ALL, 0,
                            concat(prefix(w), new int[] {op << 3 | 2 | (w == 8 ? 0 : 1)}, o.bytes));
                    break;
                }
                default: { // setcc into a byte register
                    int reg = dataReg8(r);
                    s.add("set" + CC[cc] + " " + R8[reg], 0, 0, 0x0f, 0x90 | cc, 0xc0 | reg);
                    break;
                }
            }
        }
        return s.finish();
    }

    // ---- exchange, compare-exchange, byte swap, moves, LEA ---------------------------------------------

    static TestCase misc(SplittableRandom r) {
        TestCase c = base(r, "misc", r.nextBoolean());
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int w = width(r);
            int[] p = prefix(w);
            int wbit = w == 8 ? 0 : 1;
            switch (r.nextInt(10)) {
                case 0: {
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, true);
                    s.add("xadd " + o.text + "," + regName(reg, w), ALL, 0, concat(p, new int[] {0x0f, 0xc0 | wbit}, o.bytes));
                    break;
                }
                case 1:
                case 2: {
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, true);
                    if (r.nextBoolean()) { // make the compare succeed sometimes
                        if (!o.mem) {
                            c.regs[0] = c.regs[o.bytes[0] & 7];
                        }
                    }
                    s.add("cmpxchg " + o.text + "," + regName(reg, w), ALL, 0, concat(p, new int[] {0x0f, 0xb0 | wbit}, o.bytes));
                    break;
                }
                case 3: {
                    int reg = dataReg(r);
                    s.add("bswap " + R32[reg], 0, 0, 0x0f, 0xc8 | reg);
                    break;
                }
                case 4: {
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, true);
                    s.add("xchg " + o.text + "," + regName(reg, w), 0, 0, concat(p, new int[] {0x86 | wbit}, o.bytes));
                    break;
                }
                case 5: {
                    int reg = dataReg(r);
                    int sw = r.nextBoolean() ? 8 : 16;
                    boolean sx = r.nextBoolean();
                    int dw = sw == 16 || r.nextBoolean() ? 32 : 16;
                    Rm o = rm(r, c, reg, sw, true, false);
                    s.add((sx ? "movsx " : "movzx ") + regName(reg, dw) + "," + o.text, 0, 0,
                            concat(prefix(dw), new int[] {0x0f, (sx ? 0xbe : 0xb6) | (sw == 16 ? 1 : 0)}, o.bytes));
                    break;
                }
                case 6: {
                    boolean w16 = r.nextBoolean();
                    if (r.nextBoolean()) {
                        s.add(w16 ? "cbw" : "cwde", 0, 0, concat(prefix(w16 ? 16 : 32), new int[] {0x98}));
                    } else {
                        s.add(w16 ? "cwd" : "cdq", 0, 0, concat(prefix(w16 ? 16 : 32), new int[] {0x99}));
                    }
                    break;
                }
                case 7: { // LEA with random SIB forms: address arithmetic only
                    int reg = dataReg(r);
                    int base = r.nextInt(8);
                    int index = r.nextInt(8);
                    int scale = r.nextInt(4);
                    int mod = r.nextInt(3);
                    int[] disp = mod == 0 ? new int[0] : mod == 1 ? new int[] {r.nextInt(256)} : imm(r.nextInt(), 4);
                    if (mod == 0 && base == 5) {
                        disp = imm(r.nextInt(), 4);
                    }
                    int lw = r.nextInt(4) == 0 ? 16 : 32;
                    s.add("lea " + regName(reg, lw) + ",[sib base=" + base + " index=" + index + " scale=" + (1 << scale)
                            + " mod=" + mod + "]", 0, 0,
                            concat(prefix(lw), new int[] {0x8d, mod << 6 | reg << 3 | 4, scale << 6 | index << 3 | base}, disp));
                    break;
                }
                case 8: {
                    if (c.mem == null) {
                        c.mem = new byte[TestCase.MEM_SIZE];
                    }
                    int reg = dataReg(r);
                    int reg2 = dataReg(r);
                    if (r.nextBoolean()) {
                        s.add("push " + R32[reg] + "; pop " + R32[reg2], 0, 0, 0x50 | reg, 0x58 | reg2);
                    } else {
                        int v = immValue(r);
                        s.add("push 0x" + Integer.toHexString(v) + "; pop " + R32[reg2], 0, 0, concat(new int[] {0x68}, imm(v, 4), new int[] {0x58 | reg2}));
                    }
                    break;
                }
                default: {
                    if (c.mem == null) {
                        break;
                    }
                    int ebxOff = c.regs[3] - TestCase.DATA_ADDR;
                    int off = Math.max(0, ebxOff - 128) + r.nextInt(Math.min(0xb8, ebxOff + 120) - Math.max(0, ebxOff - 128));
                    if (r.nextBoolean()) { // make it succeed sometimes
                        for (int i = 0; i < 4; i++) {
                            c.mem[off + i] = (byte) (c.regs[0] >>> (8 * i));
                            c.mem[off + 4 + i] = (byte) (c.regs[2] >>> (8 * i));
                        }
                    }
                    int d = off - (c.regs[3] - TestCase.DATA_ADDR);
                    s.add("cmpxchg8b [ebx+" + d + "]", ZF, 0, 0x0f, 0xc7, 0x4b, d & 0xff);
                    break;
                }
            }
        }
        return s.finish();
    }

    // ---- moves, stack, calls, faults and traps ------------------------------------------------------

    /** MOV forms, stack operations, near CALL/RET, ENTER/LEAVE, POPF, XLAT, NOPs, INT3/INTO and instructions that fault at CPL 3. */
    static TestCase control(SplittableRandom r) {
        TestCase c = base(r, "control", true);
        Seq s = new Seq(c);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            int w = width(r);
            int[] p = prefix(w);
            int wbit = w == 8 ? 0 : 1;
            switch (r.nextInt(17)) {
                case 0: { // mov r/m, reg
                    int reg = w == 8 ? r.nextInt(8) : pickNot4(r);
                    Rm o = rm(r, c, reg, w, true, true);
                    s.add("mov " + o.text + "," + regName(reg, w), 0, 0, concat(p, new int[] {0x88 | wbit}, o.bytes));
                    break;
                }
                case 1: { // mov reg, r/m
                    int reg = w == 8 ? dataReg8(r) : dataReg(r);
                    Rm o = rm(r, c, reg, w, true, false);
                    s.add("mov " + regName(reg, w) + "," + o.text, 0, 0, concat(p, new int[] {0x8a | wbit}, o.bytes));
                    break;
                }
                case 2: { // mov r/m, imm and mov reg, imm
                    int v = immValue(r);
                    if (r.nextBoolean()) {
                        Rm o = rm(r, c, 0, w, true, true);
                        s.add("mov " + o.text + ",0x" + Integer.toHexString(v), 0, 0, concat(p, new int[] {0xc6 | wbit}, o.bytes, imm(v, w / 8)));
                    } else {
                        int reg = w == 8 ? dataReg8(r) : dataReg(r);
                        s.add("mov " + regName(reg, w) + ",0x" + Integer.toHexString(v), 0, 0,
                                concat(p, new int[] {(w == 8 ? 0xb0 : 0xb8) | reg}, imm(v, w / 8)));
                    }
                    break;
                }
                case 3: { // mov accumulator <-> moffs
                    int a = TestCase.DATA_ADDR + r.nextInt(0xc0);
                    boolean store = r.nextBoolean();
                    s.add("mov " + (store ? String.format("[0x%x],%s", a, regName(0, w)) : String.format("%s,[0x%x]", regName(0, w), a)), 0, 0,
                            concat(p, new int[] {(store ? 0xa2 : 0xa0) | wbit}, imm(a, 4)));
                    break;
                }
                case 4: { // call/ret within the sequence
                    if (r.nextBoolean()) {
                        int reg = dataReg(r);
                        s.add("call +0; pop " + R32[reg], 0, 0, 0xe8, 0, 0, 0, 0, 0x58 | reg);
                    } else if (r.nextBoolean()) {
                        s.add("call L; jmp +1; L: ret", 0, 0, 0xe8, 2, 0, 0, 0, 0xeb, 1, 0xc3);
                    } else {
                        s.add("push 2x; call L; jmp +3; L: ret 8", 0, 0, 0x6a, r.nextInt(256), 0x6a, r.nextInt(256),
                                0xe8, 2, 0, 0, 0, 0xeb, 3, 0xc2, 8, 0);
                    }
                    break;
                }
                case 5: { // enter n,0 / leave
                    int size = r.nextInt(4) * 4;
                    s.add("enter " + size + ",0; leave", 0, 0, 0xc8, size, 0, 0, 0xc9);
                    break;
                }
                case 6:
                    s.add("pushad; popad", 0, 0, 0x60, 0x61);
                    break;
                case 7: { // push/pop memory, push imm8
                    Rm o = rm(r, c, 6, 32, true, false);
                    if (o.mem && r.nextBoolean()) {
                        Rm d = rm(r, c, 0, 32, true, true);
                        if (d.mem) {
                            s.add("push " + o.text + "; pop " + d.text, 0, 0, concat(new int[] {0xff}, o.bytes, new int[] {0x8f}, d.bytes));
                            break;
                        }
                    }
                    int reg = dataReg(r);
                    s.add("push (sx)imm8; pop " + R32[reg], 0, 0, 0x6a, r.nextInt(256), 0x58 | reg);
                    break;
                }
                case 8: { // popf with a random value (never TF or AC; IF and IOPL are kept at CPL 3)
                    int v = r.nextInt() & ~(0x100 | 0x40000);
                    s.add("push 0x" + Integer.toHexString(v) + "; popfd", ALL, 0, concat(new int[] {0x68}, imm(v, 4), new int[] {0x9d}));
                    break;
                }
                case 9:
                    s.add("xlat", 0, 0, 0xd7);
                    break;
                case 10: {
                    switch (r.nextInt(3)) {
                        case 0:
                            s.add("nop", 0, 0, 0x90);
                            break;
                        case 1:
                            s.add("pause", 0, 0, 0xf3, 0x90);
                            break;
                        default: {
                            Rm o = rm(r, c, 0, 32, true, false);
                            s.add("nop " + o.text, 0, 0, concat(new int[] {0x0f, 0x1f}, o.bytes));
                            break;
                        }
                    }
                    break;
                }
                case 11: { // privileged at CPL 3: #GP
                    int[][] ops = {{0xfa}, {0xfb}, {0xe4, 0x80}, {0xe6, 0x80}, {0xec}, {0xee}};
                    String[] nm = {"cli", "sti", "in al,0x80", "out 0x80,al", "in al,dx", "out dx,al"};
                    int k2 = r.nextInt(ops.length);
                    s.add(nm[k2], 0, 0, ops[k2]);
                    return s.finish(); // nothing runs after the fault
                }
                case 12:
                    s.add("ud2", 0, 0, 0x0f, 0x0b);
                    return s.finish();
                case 13:
                    // no INT1/ICEBP: Linux reports its SIGTRAP with EIP at the instruction, which is the
                    // kernel's doing, not the CPU's (the #DB trap pushes the next EIP)
                    switch (r.nextInt(3)) {
                        case 0:
                            s.add("int3", 0, 0, 0xcc); // #BP trap
                            return s.finish();
                        default:
                            s.add("into", 0, 0, 0xce); // #OF trap when OF=1
                            break;
                    }
                    break;
                case 14: { // bound r32, m32&32
                    int reg = dataReg(r);
                    Rm o;
                    do {
                        o = rm(r, c, reg, 32, true, false);
                    } while (!o.mem);
                    int ea = eaOffset(c, o);
                    if (ea + 8 > TestCase.MEM_SIZE - 0x20) {
                        break;
                    }
                    int lo = r.nextInt(200) - 100, hi = lo + r.nextInt(200);
                    for (int i = 0; i < 4; i++) {
                        c.mem[ea + i] = (byte) (lo >>> (8 * i));
                        c.mem[ea + 4 + i] = (byte) (hi >>> (8 * i));
                    }
                    c.regs[reg] = lo - 20 + r.nextInt(hi - lo + 40);
                    s.add("bound " + R32[reg] + "," + o.text, 0, 0, concat(new int[] {0x62}, o.bytes));
                    return s.finish();
                }
                case 15: { // flat segment-override prefixes on a memory access
                    int[] seg = {0x26, 0x2e, 0x36, 0x3e};
                    int reg = dataReg(r);
                    Rm o = rm(r, c, reg, 32, true, false);
                    s.add("seg:mov " + R32[reg] + "," + o.text, 0, 0, concat(new int[] {seg[r.nextInt(4)]}, new int[] {0x8b}, o.bytes));
                    break;
                }
                default: { // movs with a segment override on the source
                    if (k != 0) {
                        break; // ESI/EDI must still hold their initial pointers
                    }
                    c.regs[6] = TestCase.DATA_ADDR + 0x40 + r.nextInt(0x20);
                    c.regs[7] = TestCase.DATA_ADDR + 0x80 + r.nextInt(0x20);
                    s.add("cs: movsd", 0, 0, 0x2e, 0xa5);
                    return s.finish();
                }
            }
        }
        return s.finish();
    }

    // ---- x87 compares consumed by integer code (what compilers emit) ----------------------------------

    /**
     * An x87 compare whose result integer code consumes: FCOM/FUCOM/FTST/FICOM + FNSTSW AX + SAHF
     * or TEST AH / AND AH + SETcc/Jcc/CMOVcc, or FCOMI/FUCOMI + SETcc/Jcc/CMOVcc.
     */
    static TestCase x87Compare(SplittableRandom r) {
        TestCase c = X87Generator.randomState(r, "x87-compare");
        c.fcw |= 0x3f; // masked, as compiled code runs
        c.fsw &= ~0xbf;
        Seq s = new Seq(c);
        int i = r.nextInt(8);
        int cc = r.nextInt(16);
        if (r.nextBoolean()) {
            switch (r.nextInt(5)) {
                case 0:
                    s.add("fcom st" + i, 0, 0, 0xd8, 0xd0 | i);
                    break;
                case 1:
                    s.add("fucomp st" + i, 0, 0, 0xdd, 0xe8 | i);
                    break;
                case 2:
                    s.add("ftst", 0, 0, 0xd9, 0xe4);
                    break;
                case 3: {
                    long bits = Operands.f64(r);
                    for (int k = 0; k < 8; k++) {
                        c.mem[0x10 + k] = (byte) (bits >>> (8 * k));
                    }
                    s.add("fcomp m64 [ebx+16]", 0, 0, 0xdc, 0x5b, 0x10);
                    break;
                }
                default: {
                    int v = Operands.int32(r);
                    for (int k = 0; k < 4; k++) {
                        c.mem[0x10 + k] = (byte) (v >>> (8 * k));
                    }
                    s.add("ficom m32 [ebx+16]", 0, 0, 0xda, 0x53, 0x10);
                    break;
                }
            }
            s.add("fnstsw ax", 0, 0, 0xdf, 0xe0);
            switch (r.nextInt(3)) {
                case 0:
                    s.add("sahf", CF | PF | AF | ZF | SF, 0, 0x9e);
                    break;
                case 1: {
                    int[] masks = {0x01, 0x04, 0x40, 0x41, 0x44, 0x45, 0x05};
                    int mk = masks[r.nextInt(masks.length)];
                    s.add("test ah,0x" + Integer.toHexString(mk), LOGIC_DEF, AF, 0xf6, 0xc4, mk);
                    break;
                }
                default:
                    s.add("and ah,0x45; cmp ah,0x40", ALL, 0, 0x80, 0xe4, 0x45, 0x80, 0xfc, 0x40);
                    break;
            }
        } else {
            if (r.nextBoolean()) {
                s.add("fcomi st" + i, 0, 0, 0xdb, 0xf0 | i);
            } else {
                s.add("fucomip st" + i, 0, 0, 0xdf, 0xe8 | i);
            }
        }
        switch (r.nextInt(3)) {
            case 0:
                s.add("set" + CC[cc] + " dl", 0, 0, 0x0f, 0x90 | cc, 0xc2);
                break;
            case 1:
                s.add("j" + CC[cc] + " +1; inc ecx", 0, 0, 0x70 | cc, 1, 0x41);
                break;
            default:
                s.add("cmov" + CC[cc] + " esi,edi", 0, 0, 0x0f, 0x40 | cc, 0xf7);
                break;
        }
        TestCase out = s.finish();
        // FCOMI/FUCOMI leave C1 vendor-dependent (see X87Generator.conditionCodes)
        if (!X87Generator.STRICT) {
            out.fswMask &= ~0x200;
        }
        return out;
    }

    // ---- x87 through the whole CPU ---------------------------------------------------------------------

    static TestCase x87(SplittableRandom r) {
        TestCase c = X87Generator.generate(r, false);
        return c;
    }
}
