package org.oxen.x86.cpu.diff;

import java.util.Arrays;

/** One generated test: code bytes plus the initial machine state, run natively and in oxen. */
final class TestCase {
    static final int CODE_ADDR = 0x20000;
    static final int DATA_ADDR = 0x30000;
    static final int MEM_SIZE = 256;
    static final int STACK_TOP = DATA_ADDR + MEM_SIZE;
    static final int FLAG_MEM = 1;
    static final int FLAG_FPU = 2;
    static final String[] REG_NAMES = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

    /** EFLAGS bits compared by default: CF PF AF ZF SF IF DF OF IOPL NT ID (not TF, RF, AC, VM). */
    static final int FLAGS_ALL = 0x0cd5 | 0x200 | 0x3000 | 0x4000 | 0x200000;

    final String family;
    byte[] code;
    final int[] regs = new int[8];
    int eflags = 0x202;
    byte[] mem;
    boolean fpu;
    int fcw = 0x037f, fsw, ftw;
    final int[] stSe = new int[8];
    final long[] stM = new long[8];
    /** EFLAGS bits to compare (SDM-undefined ones removed by the generator). */
    int flagMask = FLAGS_ALL;
    /** Human-readable instruction list. */
    String text;
    /** For x87-only direct execution: instruction start offsets, -1 terminated implicitly by length. */
    int[] insnStart;
    int insnCount;
    /** Compare the x87 register contents (false when a transcendental result is involved). */
    boolean compareFpuRegs = true;
    /** GPRs not compared (bit i = register i), for results the SDM leaves undefined. */
    int regMask;
    /** Memory bits not compared (per byte), or null. */
    byte[] memIgnore;
    /** Relative tolerance for ST registers when compareFpuRegs is false. */
    double tolerance = 0x1p-50;
    /** Status-word bits to compare. */
    int fswMask = 0xffff;

    TestCase(String family) {
        this.family = family;
        regs[4] = STACK_TOP;
    }

    int flags() {
        return (mem != null ? FLAG_MEM : 0) | (fpu ? FLAG_FPU : 0);
    }

    String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("family ").append(family).append(": ").append(text).append('\n');
        sb.append("  bytes:");
        for (byte b : code) {
            sb.append(String.format(" %02x", b & 0xff));
        }
        sb.append('\n').append("  in :");
        for (int i = 0; i < 8; i++) {
            sb.append(' ').append(REG_NAMES[i]).append('=').append(String.format("%08x", regs[i]));
        }
        sb.append(String.format(" eflags=%08x", eflags));
        if (fpu) {
            sb.append(String.format("\n  fpu in: fcw=%04x fsw=%04x ftw=%02x", fcw, fsw, ftw));
            for (int i = 0; i < 8; i++) {
                sb.append(String.format(" st%d=%04x:%016x", i, stSe[i], stM[i]));
            }
        }
        if (mem != null) {
            sb.append("\n  mem in: ").append(hex(mem, 0, 64)).append("...");
        }
        return sb.toString();
    }

    static String hex(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < Math.min(to, b.length); i++) {
            sb.append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe() + " " + Arrays.toString(regs);
    }
}
