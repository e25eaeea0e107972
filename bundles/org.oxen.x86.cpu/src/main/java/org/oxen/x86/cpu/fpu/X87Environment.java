package org.oxen.x86.cpu.fpu;

/**
 * x87 environment and state images: FSTENV/FNSTENV and FLDENV (14/28-byte environment in the
 * real-mode or protected-mode layout chosen by the operand size and CR0.PE), FSAVE/FNSAVE and
 * FRSTOR (environment plus the eight registers in stack order), FXSAVE and FXRSTOR (the 512-byte
 * 32-bit layout: x87 part and MXCSR).
 *
 * <p>Contract: static methods over an {@link X87State}, called by {@link X87}'s decoder and by
 * its public {@link X87#fxsave}/{@link X87#fxrstor}. Restores read the whole image before changing
 * any state, so a fault from the {@link FpuHost} leaves the FPU unchanged; the tag word keeps only
 * "empty or not" per register, and ES/B are recomputed from the restored control and status words.
 */
final class X87Environment {
    private X87Environment() {
    }

    /** FNSTENV: stores the environment, then masks all exceptions. */
    static void fnstenv(X87State s, int seg, int off, FpuHost h) {
        fstenv(s, seg, off, h);
        s.fcw |= 0x3f;
        s.updateEs();
    }

    /** Stores the 14- or 28-byte environment image (real or protected-mode layout). */
    private static void fstenv(X87State s, int seg, int off, FpuHost h) {
        boolean o32 = h.operandSize32();
        boolean pm = h.protectedMode();
        int tw = s.getTagWord();
        int sw = s.getStatusWord();
        if (o32) {
            h.write32(seg, off, s.fcw | 0xffff0000);
            h.write32(seg, off + 4, sw | 0xffff0000);
            h.write32(seg, off + 8, tw | 0xffff0000);
            if (pm) {
                h.write32(seg, off + 12, s.fip);
                h.write32(seg, off + 16, s.fcs | (s.fop << 16));
                h.write32(seg, off + 20, s.fdp);
                h.write32(seg, off + 24, s.fds | 0xffff0000);
            } else {
                h.write32(seg, off + 12, (s.fip & 0xffff) | 0xffff0000);
                h.write32(seg, off + 16, ((s.fip >>> 16) << 12) | s.fop);
                h.write32(seg, off + 20, (s.fdp & 0xffff) | 0xffff0000);
                h.write32(seg, off + 24, (s.fdp >>> 16) << 12);
            }
        } else {
            h.write16(seg, off, s.fcw);
            h.write16(seg, off + 2, sw);
            h.write16(seg, off + 4, tw);
            if (pm) {
                h.write16(seg, off + 6, s.fip);
                h.write16(seg, off + 8, s.fcs);
                h.write16(seg, off + 10, s.fdp);
                h.write16(seg, off + 12, s.fds);
            } else {
                h.write16(seg, off + 6, s.fip);
                h.write16(seg, off + 8, (((s.fip >>> 16) & 0xf) << 12) | s.fop);
                h.write16(seg, off + 10, s.fdp);
                h.write16(seg, off + 12, ((s.fdp >>> 16) & 0xf) << 12);
            }
        }
    }

    private static int envSize(FpuHost h) {
        return h.operandSize32() ? 28 : 14;
    }

    /** Reads an environment image into an array (cw, sw, tw, fip, fcs, fop, fdp, fds). */
    private static int[] readEnv(int seg, int off, FpuHost h) {
        int[] e = new int[8];
        boolean pm = h.protectedMode();
        if (h.operandSize32()) {
            e[0] = h.read32(seg, off) & 0xffff;
            e[1] = h.read32(seg, off + 4) & 0xffff;
            e[2] = h.read32(seg, off + 8) & 0xffff;
            int ip = h.read32(seg, off + 12);
            int cs = h.read32(seg, off + 16);
            int dp = h.read32(seg, off + 20);
            int ds = h.read32(seg, off + 24);
            if (pm) {
                e[3] = ip;
                e[4] = cs & 0xffff;
                e[5] = (cs >>> 16) & 0x7ff;
                e[6] = dp;
                e[7] = ds & 0xffff;
            } else {
                e[3] = (ip & 0xffff) | ((cs >>> 12) << 16);
                e[5] = cs & 0x7ff;
                e[6] = (dp & 0xffff) | ((ds >>> 12) << 16);
            }
        } else {
            e[0] = h.read16(seg, off) & 0xffff;
            e[1] = h.read16(seg, off + 2) & 0xffff;
            e[2] = h.read16(seg, off + 4) & 0xffff;
            int ip = h.read16(seg, off + 6) & 0xffff;
            int cs = h.read16(seg, off + 8) & 0xffff;
            int dp = h.read16(seg, off + 10) & 0xffff;
            int ds = h.read16(seg, off + 12) & 0xffff;
            if (pm) {
                e[3] = ip;
                e[4] = cs;
                e[6] = dp;
                e[7] = ds;
            } else {
                e[3] = ip | ((cs >>> 12) << 16);
                e[5] = cs & 0x7ff;
                e[6] = dp | ((ds >>> 12) << 16);
            }
        }
        return e;
    }

    private static void applyEnv(X87State s, int[] e) {
        s.fcw = (e[0] & 0x1f7f) | 0x40;
        s.setStatusWord(e[1]);
        s.setTagWord(e[2]);
        s.fip = e[3];
        s.fcs = e[4];
        s.fop = e[5];
        s.fdp = e[6];
        s.fds = e[7];
        s.updateEs();
    }

    /** FLDENV. */
    static void fldenv(X87State s, int seg, int off, FpuHost h) {
        applyEnv(s, readEnv(seg, off, h));
    }

    /** FNSAVE: the environment and ST(0)..ST(7), then FNINIT. */
    static void fsave(X87State s, int seg, int off, FpuHost h) {
        fstenv(s, seg, off, h);
        int base = off + envSize(h);
        for (int i = 0; i < 8; i++) {
            int p = s.phys(i);
            h.write64(seg, base + 10 * i, s.mant[p]);
            h.write16(seg, base + 10 * i + 8, s.se[p]);
        }
        s.reset();
    }

    /** FRSTOR: everything is read before any state changes. */
    static void frstor(X87State s, int seg, int off, FpuHost h) {
        int[] e = readEnv(seg, off, h);
        int base = off + envSize(h);
        long[] mm = new long[8];
        int[] ss = new int[8];
        for (int i = 0; i < 8; i++) {
            mm[i] = h.read64(seg, base + 10 * i);
            ss[i] = h.read16(seg, base + 10 * i + 8) & 0xffff;
        }
        applyEnv(s, e);
        for (int i = 0; i < 8; i++) {
            int p = s.phys(i);
            s.mant[p] = mm[i];
            s.se[p] = ss[i];
        }
    }

    /** FXSAVE (32-bit layout): x87 part and MXCSR; the XMM area (160..511) is not touched. */
    static void fxsave(X87State s, int seg, int off, FpuHost h) {
        h.write16(seg, off, s.fcw);
        h.write16(seg, off + 2, s.getStatusWord());
        h.write16(seg, off + 4, s.valid);
        h.write16(seg, off + 6, s.fop);
        h.write32(seg, off + 8, s.fip);
        h.write32(seg, off + 12, s.fcs);
        h.write32(seg, off + 16, s.fdp);
        h.write32(seg, off + 20, s.fds);
        h.write32(seg, off + 24, s.mxcsr);
        h.write32(seg, off + 28, 0xffbf);
        for (int i = 0; i < 8; i++) {
            int p = s.phys(i);
            int a = off + 32 + 16 * i;
            h.write64(seg, a, s.mant[p]);
            h.write16(seg, a + 8, s.se[p]);
            h.write16(seg, a + 10, 0);
            h.write32(seg, a + 12, 0);
        }
    }

    /** FXRSTOR (32-bit layout): x87 part and MXCSR, read completely before any state changes. */
    static void fxrstor(X87State s, int seg, int off, FpuHost h) {
        int cw = h.read16(seg, off) & 0xffff;
        int sw = h.read16(seg, off + 2) & 0xffff;
        int tw = h.read8(seg, off + 4) & 0xff;
        int op = h.read16(seg, off + 6) & 0x7ff;
        int ip = h.read32(seg, off + 8);
        int cs = h.read16(seg, off + 12) & 0xffff;
        int dp = h.read32(seg, off + 16);
        int ds = h.read16(seg, off + 20) & 0xffff;
        int mx = h.read32(seg, off + 24);
        long[] mm = new long[8];
        int[] ss = new int[8];
        for (int i = 0; i < 8; i++) {
            mm[i] = h.read64(seg, off + 32 + 16 * i);
            ss[i] = h.read16(seg, off + 32 + 16 * i + 8) & 0xffff;
        }
        s.fcw = (cw & 0x1f7f) | 0x40;
        s.setStatusWord(sw);
        s.valid = tw;
        s.fop = op;
        s.fip = ip;
        s.fcs = cs;
        s.fdp = dp;
        s.fds = ds;
        s.mxcsr = mx;
        for (int i = 0; i < 8; i++) {
            int p = s.phys(i);
            s.mant[p] = mm[i];
            s.se[p] = ss[i];
        }
        s.updateEs();
    }
}
