package org.oxen.x86.cpu.fpu;

/**
 * The x87 register file and the rules every instruction shares: control/status/tag words, the
 * last-instruction pointers, MXCSR, the register stack (ST(i) = R[(TOP + i) & 7]) and exception
 * signalling ({@link #raise}, stack underflow/overflow).
 *
 * <p>Contract: one instance belongs to one {@link X87}, which exposes it through its public API;
 * the instruction classes ({@link X87LoadStore}, {@link X87Arith}, {@link X87Compare},
 * {@link X87Transcendental}, {@link X87Environment}) are static methods over it. Registers are
 * kept physically as a 16-bit sign/exponent and a 64-bit significand; only "empty or not" is
 * stored per register, the full tag is computed from the contents when read. Not thread-safe;
 * allocates nothing.
 */
final class X87State {
    static final int C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;
    static final int ES = 0x80, B = 0x8000;

    int fcw;
    /** Status word without TOP. */
    int fsw;
    int top;
    /** Bit i set = physical register i is not empty. */
    int valid;
    final int[] se = new int[8];
    final long[] mant = new long[8];
    int fcs, fip, fds, fdp, fop;
    int mxcsr = 0x1f80;
    /** The extended-precision arithmetic unit, reused by every instruction. */
    final Fp80 m = new Fp80();

    /** Scratch output of {@link X87Compare#compareValues}: its exceptions. */
    int cmpExc;
    /** Scratch output of X87Transcendental.split: value = +-tMant * 2^tExp, tMant in [1, 2) (53 bits kept). */
    int tExp;
    double tMant;

    /** Power-on / FNINIT state (register contents are kept, all tagged empty). */
    void reset() {
        fcw = 0x037f;
        fsw = 0;
        top = 0;
        valid = 0;
        fcs = fip = fds = fdp = fop = 0;
    }

    // ---- control, status and tag words -----------------------------------------------------

    void setControlWord(int v) {
        fcw = (v & 0x1f7f) | 0x40;
        updateEs();
    }

    int getStatusWord() {
        return (fsw & ~0x3800) | (top << 11);
    }

    void setStatusWord(int v) {
        fsw = v & 0xc7ff;
        top = (v >> 11) & 7;
    }

    /** The full 16-bit tag word, computed from register contents. */
    int getTagWord() {
        int tw = 0;
        for (int i = 0; i < 8; i++) {
            tw |= tagOf(i) << (2 * i);
        }
        return tw;
    }

    /** Sets the tag word; only "empty (11) or not" is kept, as on the real FPU. */
    void setTagWord(int tw) {
        valid = 0;
        for (int i = 0; i < 8; i++) {
            if (((tw >> (2 * i)) & 3) != 3) {
                valid |= 1 << i;
            }
        }
    }

    private int tagOf(int phys) {
        if ((valid & (1 << phys)) == 0) {
            return 3;
        }
        int e = se[phys] & 0x7fff;
        long mm = mant[phys];
        if (e == 0) {
            return mm == 0 ? 1 : 2;
        }
        if (e == 0x7fff || mm >= 0) {
            return 2;
        }
        return 0;
    }

    void updateEs() {
        if ((fsw & ~fcw & 0x3f) != 0) {
            fsw |= ES | B;
        } else {
            fsw &= ~(ES | B);
        }
    }

    // ---- stack helpers ---------------------------------------------------------------------

    int phys(int i) {
        return (top + i) & 7;
    }

    boolean empty(int i) {
        return (valid & (1 << phys(i))) == 0;
    }

    int stSe(int i) {
        return se[phys(i)];
    }

    long stM(int i) {
        return mant[phys(i)];
    }

    void setSt(int i, int s, long mm) {
        int p = phys(i);
        se[p] = s & 0xffff;
        mant[p] = mm;
        valid |= 1 << p;
    }

    void push(int s, long mm) {
        top = (top - 1) & 7;
        setSt(0, s, mm);
    }

    void pop() {
        valid &= ~(1 << top);
        top = (top + 1) & 7;
    }

    // ---- exceptions ------------------------------------------------------------------------

    /**
     * Records exceptions (Fp80 bit layout) in the status word, C1 from the round-up bit.
     * @return true if an unmasked invalid/denormal/zero-divide exception aborts the instruction
     */
    boolean raise(int exc) {
        if ((exc & ~fcw & (Fp80.IE | Fp80.DE | Fp80.ZE)) != 0) {
            // aborted before computing: post-computation flags are not reported
            exc &= Fp80.IE | Fp80.DE | Fp80.ZE | Fp80.SF | ((exc & Fp80.SF) != 0 ? C1 : 0);
        }
        fsw = (fsw & ~C1) | (exc & C1);
        fsw |= exc & 0x7f;
        if ((exc & ~fcw & 0x3f) != 0) {
            fsw |= ES | B;
        }
        return (exc & ~fcw & (Fp80.IE | Fp80.DE | Fp80.ZE)) != 0;
    }

    /** Stack underflow; returns true if masked (caller delivers the default NaN). */
    boolean underflow() {
        return !raise(Fp80.IE | Fp80.SF);
    }

    /** Stack overflow on push: returns true if the push may go ahead with the default NaN. */
    boolean pushOverflowCheck() {
        if ((valid & (1 << ((top - 1) & 7))) != 0) {
            if (raise(Fp80.IE | Fp80.SF | C1)) {
                return false;
            }
            push(Fp80.INDEF_SE, Fp80.INDEF_M);
            return false;
        }
        return true;
    }

    /** Pushes an exactly representable value (no exception but stack overflow), clearing C1. */
    void pushExact(int s, long mm) {
        if (!pushOverflowCheck()) {
            return;
        }
        fsw &= ~C1;
        push(s, mm);
    }
}
