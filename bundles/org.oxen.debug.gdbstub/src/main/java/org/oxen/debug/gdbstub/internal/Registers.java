package org.oxen.debug.gdbstub.internal;

import org.oxen.x86.cpu.X86Cpu;

/**
 * gdb's i386 register file (feature org.gnu.gdb.i386.core, {@link TargetDescription}): eax ecx
 * edx ebx esp ebp esi edi eip eflags cs ss ds es fs gs (0-15, 4 bytes), st0-st7 (16-23, 10
 * bytes), fctrl fstat ftag fiseg fioff foseg fooff fop (24-31, 4 bytes). The x87 part comes from
 * the CPU's FXSAVE image.
 */
final class Registers {

    static final int COUNT = 32, EIP = 8, EFLAGS = 9, CS = 10, ST0 = 16, FCTRL = 24;
    /** gdb's order of the segment registers (cs ss ds es fs gs) as X86Cpu indices. */
    private static final int[] SEGMENTS = {X86Cpu.CS, X86Cpu.SS, X86Cpu.DS, X86Cpu.ES, X86Cpu.FS, X86Cpu.GS};

    private Registers() {
    }

    static String read(X86Cpu cpu) {
        StringBuilder s = new StringBuilder(COUNT * 10 * 2);
        byte[] fx = new byte[512];
        cpu.saveFpu(fx);
        for (int r = 0; r < COUNT; r++) {
            append(s, cpu, fx, r);
        }
        return s.toString();
    }

    static String readOne(X86Cpu cpu, int r) {
        if (r < 0 || r >= COUNT) {
            return "E00";
        }
        StringBuilder s = new StringBuilder(20);
        byte[] fx = new byte[512];
        cpu.saveFpu(fx);
        append(s, cpu, fx, r);
        return s.toString();
    }

    private static void append(StringBuilder s, X86Cpu cpu, byte[] fx, int r) {
        if (r >= ST0 && r < FCTRL) {
            int off = 32 + (r - ST0) * 16;
            for (int i = 0; i < 10; i++) {
                s.append(Hex.byte2(fx[off + i]));
            }
        } else {
            Hex.le32(s, value(cpu, fx, r));
        }
    }

    private static int value(X86Cpu cpu, byte[] fx, int r) {
        if (r < 8) return cpu.gpr(r);
        if (r == EIP) return cpu.eip();
        if (r == EFLAGS) return cpu.eflags();
        if (r < ST0) return cpu.segment(SEGMENTS[r - CS]).selector & 0xFFFF;
        switch (r - FCTRL) {
            case 0: return u16(fx, 0);
            case 1: return u16(fx, 2);
            case 2: { // FXSAVE's abridged tag (1 = valid) to the full tag word (00 valid, 11 empty)
                int tag = 0;
                for (int i = 0; i < 8; i++) {
                    tag |= ((fx[4] >> i) & 1) != 0 ? 0 : 3 << (2 * i);
                }
                return tag;
            }
            case 3: return u16(fx, 12);
            case 4: return u32(fx, 8);
            case 5: return u16(fx, 20);
            case 6: return u32(fx, 16);
            default: return u16(fx, 6);
        }
    }

    /** G: the whole file, the general and segment registers applied (the x87 part is left alone). */
    static void write(X86Cpu cpu, String hex) {
        if (hex.length() < 16 * 8) {
            throw new IllegalArgumentException("G packet too short: " + hex.length() + " hex digits");
        }
        for (int r = 0; r < ST0; r++) {
            set(cpu, r, Hex.le32(hex, r * 8));
        }
    }

    static void writeOne(X86Cpu cpu, int r, String hex) {
        if (r < 0 || r >= ST0) {
            throw new IllegalArgumentException("register " + r + " cannot be written");
        }
        set(cpu, r, Hex.le32(hex, 0));
    }

    private static void set(X86Cpu cpu, int r, int v) {
        if (r < 8) {
            cpu.setGpr(r, v);
        } else if (r == EIP) {
            cpu.setEip(v);
        } else if (r == EFLAGS) {
            cpu.setEflags(v);
        } else {
            int seg = SEGMENTS[r - CS];
            if ((cpu.segment(seg).selector & 0xFFFF) != (v & 0xFFFF)) {
                if (seg == X86Cpu.CS) {
                    throw new IllegalArgumentException("cs cannot be written (a far jump changes it)");
                }
                if (!cpu.loadSegment(seg, v & 0xFFFF)) {
                    throw new IllegalArgumentException("selector " + Integer.toHexString(v) + " cannot be loaded");
                }
            }
        }
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static int u32(byte[] b, int at) {
        return u16(b, at) | u16(b, at + 2) << 16;
    }
}
