package org.oxen.x86.cpu.diff;

/** The machine state after a test case ran (natively or in oxen). */
final class Result {
    static final int NO_FAULT = 0xff;

    int vector = NO_FAULT;
    int eipOffset;
    final int[] regs = new int[8];
    int eflags;
    byte[] mem;
    int fcw, fsw, ftw;
    final int[] stSe = new int[8];
    final long[] stM = new long[8];

    String describe(TestCase c) {
        StringBuilder sb = new StringBuilder();
        sb.append(vector == NO_FAULT ? "end" : "fault #" + vector).append(" at +").append(eipOffset).append(':');
        for (int i = 0; i < 8; i++) {
            sb.append(' ').append(TestCase.REG_NAMES[i]).append('=').append(String.format("%08x", regs[i]));
        }
        sb.append(String.format(" eflags=%08x (compared %04x)", eflags, eflags & c.flagMask));
        if (c.fpu) {
            sb.append(String.format("\n     fpu: fcw=%04x fsw=%04x ftw=%02x", fcw, fsw, ftw));
            for (int i = 0; i < 8; i++) {
                sb.append(String.format(" st%d=%04x:%016x", i, stSe[i], stM[i]));
            }
        }
        return sb.toString();
    }

    static double toDouble(int se, long m) {
        int e = se & 0x7fff;
        double sign = (se & 0x8000) != 0 ? -1 : 1;
        if (e == 0x7fff) {
            return m == 0x8000000000000000L ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        double mant = (double) (m >>> 11) * 2048.0 + (double) (m & 0x7ff);
        return sign * Math.scalb(mant, Math.max(e, 1) - 16383 - 63);
    }

    static boolean close(int aSe, long aM, int bSe, long bM, double tolerance) {
        double x = toDouble(aSe, aM), y = toDouble(bSe, bM);
        if (Double.isNaN(x) || Double.isNaN(y)) {
            return aSe == bSe && aM == bM;
        }
        if (x == y) {
            return true;
        }
        return Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y)) + 0x1p-60;
    }

    /** Returns null if equal under the case's masks, else a short reason. */
    static String diff(TestCase c, Result a, Result b) {
        if (a.vector != b.vector) {
            return "fault vector";
        }
        if (a.eipOffset != b.eipOffset) {
            return a.vector != NO_FAULT ? "fault eip" : "end eip";
        }
        for (int i = 0; i < 8; i++) {
            if (a.regs[i] != b.regs[i] && (c.regMask & (1 << i)) == 0) {
                return TestCase.REG_NAMES[i];
            }
        }
        if (((a.eflags ^ b.eflags) & c.flagMask) != 0) {
            return String.format("eflags %04x", (a.eflags ^ b.eflags) & c.flagMask);
        }
        if (c.mem != null) {
            for (int i = 0; i < TestCase.MEM_SIZE; i++) {
                if (((a.mem[i] ^ b.mem[i]) & ~(c.memIgnore == null ? 0 : c.memIgnore[i])) != 0) {
                    return String.format("mem+%02x", i);
                }
            }
        }
        if (c.fpu) {
            if (a.fcw != b.fcw) {
                return "fcw";
            }
            if (((a.fsw ^ b.fsw) & c.fswMask) != 0) {
                return String.format("fsw %04x", (a.fsw ^ b.fsw) & c.fswMask);
            }
            if (a.ftw != b.ftw) {
                return "ftw";
            }
            for (int i = 0; i < 8; i++) {
                if (a.stSe[i] != b.stSe[i] || a.stM[i] != b.stM[i]) {
                    if (c.compareFpuRegs || !close(a.stSe[i], a.stM[i], b.stSe[i], b.stM[i], c.tolerance)) {
                        return "st" + i;
                    }
                }
            }
        }
        return null;
    }
}
