package org.oxen.x86.cpu.diff;

import java.util.SplittableRandom;

/**
 * Generates x87 test sequences: 1..4 ESC instructions over a random register stack, control
 * word (precision, rounding, masks) and memory operands at [ebx+disp8] with EBX = DATA_ADDR.
 * Transcendental instructions are generated only by {@link #transcendental} cases, whose
 * register contents are not compared bit for bit (they are computed through double).
 */
final class X87Generator {
    private static final String[] ARITH = {"fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"};
    private static final int[] OPS = {0, 1, 4, 5, 6, 7};
    private static final String[] D9E0 = {"fchs", "fabs", null, null, "ftst", "fxam"};
    private static final String[] CONSTS = {"fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz"};

    static final int MAX_LEN = Integer.getInteger("oxen.diff.x87.len", 4);
    /**
     * Strict mode compares every status-word bit, including the condition codes the SDM leaves
     * undefined, against the host (the reference host of this project is an AMD EPYC). The
     * default (portable) mode masks them, so the test holds on any x86 vendor.
     */
    static final boolean STRICT = Boolean.getBoolean("oxen.diff.x87.strict");

    private static final int C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, CALL = C0 | C1 | C2 | C3;

    /**
     * The SDM's condition-code effects of one instruction: {defined, undefined}. "Undefined"
     * also covers C1 after FCOMI/FUCOMI (the SDM says cleared, AMD leaves it unchanged) and after
     * FCMOVcc without stack underflow (the SDM only defines the underflow case).
     */
    static int[] conditionCodes(int op, int modrm) {
        int reg = (modrm >> 3) & 7;
        boolean mem = modrm < 0xc0;
        int[] cmp = {CALL, 0};
        int[] c1only = {C1, C0 | C2 | C3};
        int[] none = {0, CALL};
        if (mem) {
            switch (op) {
                case 0xd8: case 0xdc: case 0xda: case 0xde:
                    return reg == 2 || reg == 3 ? cmp : c1only;
                case 0xd9:
                    return reg == 5 || reg == 7 ? none : reg == 4 || reg == 6 ? new int[] {CALL, 0} : c1only;
                case 0xdd:
                    return reg == 7 ? none : reg == 4 || reg == 6 ? new int[] {CALL, 0} : c1only;
                default: // db, df: loads and stores
                    return c1only;
            }
        }
        int rm = modrm & 7;
        switch (op) {
            case 0xd8: case 0xdc:
                return reg == 2 || reg == 3 ? cmp : c1only;
            case 0xde:
                return reg == 2 || reg == 3 ? cmp : c1only;
            case 0xd9:
                switch (reg) {
                    case 0: case 1: case 3: case 5:
                        return c1only;
                    case 2:
                        return none; // fnop
                    case 4:
                        return rm == 4 || rm == 5 ? cmp : c1only;
                    case 6:
                        if (rm == 5) {
                            return cmp; // fprem1
                        }
                        return rm == 2 ? new int[] {C1 | C2, C0 | C3} : c1only;
                    default:
                        if (rm == 0) {
                            return cmp; // fprem
                        }
                        return rm == 3 || rm == 6 || rm == 7 ? new int[] {C1 | C2, C0 | C3} : c1only;
                }
            case 0xda:
                return reg < 4 ? none : cmp; // fcmovcc / fucompp
            case 0xdb:
                if (reg < 4) {
                    return none; // fcmovncc
                }
                if (reg == 4) {
                    return rm == 3 ? new int[] {CALL, 0} : none; // fninit / fnclex
                }
                return new int[] {0, C1}; // fucomi / fcomi
            case 0xdd:
                return reg == 0 ? none : reg == 4 || reg == 5 ? cmp : c1only;
            default: // df
                if (reg == 0 || reg == 4) {
                    return none; // ffreep, fnstsw ax
                }
                return reg == 5 || reg == 6 ? new int[] {0, C1} : c1only;
        }
    }

    /** FNSTSW AX / m16 expose the condition codes in a register or memory. */
    private static boolean storesStatus(int op, int modrm) {
        return (op == 0xdf && modrm == 0xe0) || (op == 0xdd && modrm < 0xc0 && ((modrm >> 3) & 7) == 7);
    }

    private X87Generator() {
    }

    static TestCase generate(SplittableRandom r, boolean transcendental) {
        if (transcendental) {
            return transcendentalCase(r);
        }
        TestCase c = randomState(r, "x87");
        Code code = new Code();
        int len = 1 + r.nextInt(MAX_LEN);
        int[] undefinedCc = {0};
        for (int k = 0; k < len; k++) {
            emit(r, c, code, k * 40, undefinedCc); // each instruction owns a 40-byte memory slot
        }
        code.into(c);
        if (!STRICT) {
            c.fswMask = ~undefinedCc[0] & 0xffff;
        }
        return c;
    }

    /** One random instruction, tracking the undefined condition codes (see {@link #conditionCodes}). */
    private static void emit(SplittableRandom r, TestCase c, Code code, int slot, int[] undefinedCc) {
        for (;;) {
            insn(r, c, code, slot);
            int at = code.lastStart();
            int op = code.byteAt(at), modrm = code.byteAt(at + 1);
            if (!STRICT && undefinedCc[0] != 0 && storesStatus(op, modrm)) {
                code.dropLast(); // would expose undefined condition codes
                continue;
            }
            int[] cc = conditionCodes(op, modrm);
            undefinedCc[0] = (undefinedCc[0] & ~cc[0]) | cc[1];
            return;
        }
    }

    /**
     * FNSTENV/FNSAVE/FLDENV/FRSTOR in 32- and 16-bit operand size: save the state, change it,
     * restore it, or load a planted image. The instruction/data pointer fields of stored images
     * are not compared (they hold host addresses and selectors).
     */
    static TestCase envCase(SplittableRandom r) {
        TestCase c = randomState(r, "x87-env");
        c.memIgnore = new byte[TestCase.MEM_SIZE];
        Code code = new Code();
        int[] undefinedCc = {0};
        boolean o16 = r.nextInt(3) == 0;
        boolean full = r.nextBoolean(); // FNSAVE/FRSTOR rather than FNSTENV/FLDENV
        int envSize = o16 ? 14 : 28;
        int[] pre = o16 ? new int[] {0x66} : new int[0];
        String sz = o16 ? " (16-bit)" : "";
        if (r.nextBoolean()) {
            // state -> memory -> changes -> memory -> state
            for (int k = r.nextInt(3); k > 0; k--) {
                emit(r, c, code, 0x70, undefinedCc);
            }
            storeImageAt(c, code, full, o16, pre, sz, 0, undefinedCc);
            if (full) {
                undefinedCc[0] = 0; // FNSAVE re-initializes
            }
            for (int k = r.nextInt(2); k > 0; k--) {
                emit(r, c, code, 0x70, undefinedCc);
            }
            if (r.nextInt(4) != 0) {
                code.insn((full ? "frstor" : "fldenv") + " [ebx]" + sz, cat(pre, full ? 0xdd : 0xd9, 0x23));
                undefinedCc[0] = 0;
            }
        } else {
            // a planted image -> state
            int cw = (r.nextInt(0x10000) & 0x1f3f) | 0x40;
            if (r.nextBoolean()) {
                cw |= 0x3f;
            }
            int sw = r.nextInt(0x10000) & 0x7f7f;
            if ((sw & ~cw & 0x3f) != 0) {
                sw |= 0x8080; // ES and B consistent with the flags and masks
            }
            int tw = r.nextInt(0x10000);
            if (o16) {
                put16(c.mem, 0, cw);
                put16(c.mem, 2, sw);
                put16(c.mem, 4, tw);
            } else {
                put16(c.mem, 0, cw);
                put16(c.mem, 2, 0xffff);
                put16(c.mem, 4, sw);
                put16(c.mem, 6, 0xffff);
                put16(c.mem, 8, tw);
                put16(c.mem, 10, 0xffff);
            }
            if (full) {
                int[] se = new int[1];
                long[] mm = new long[1];
                for (int i = 0; i < 8; i++) {
                    Operands.f80(r, se, mm, 0);
                    for (int b = 0; b < 8; b++) {
                        c.mem[envSize + 10 * i + b] = (byte) (mm[0] >>> (8 * b));
                    }
                    put16(c.mem, envSize + 10 * i + 8, se[0]);
                }
            }
            code.insn((full ? "frstor" : "fldenv") + " [ebx]" + sz + " (planted)", cat(pre, full ? 0xdd : 0xd9, 0x23));
            undefinedCc[0] = 0;
        }
        for (int k = r.nextInt(2); k > 0; k--) {
            emit(r, c, code, 0x70, undefinedCc);
        }
        if (r.nextBoolean()) {
            // the final environment in memory too, after the first image
            storeImageAt(c, code, false, o16, pre, sz, 0x80, undefinedCc);
        }
        code.into(c);
        if (!STRICT) {
            c.fswMask = ~undefinedCc[0] & 0xffff;
        }
        return c;
    }

    private static int[] cat(int[] pre, int... rest) {
        int[] out = new int[pre.length + rest.length];
        System.arraycopy(pre, 0, out, 0, pre.length);
        System.arraycopy(rest, 0, out, pre.length, rest.length);
        return out;
    }

    private static void put16(byte[] mem, int off, int v) {
        mem[off] = (byte) v;
        mem[off + 1] = (byte) (v >> 8);
    }

    /** FNSTENV/FNSAVE to [ebx+at]; marks the pointer fields and undefined condition codes as not compared. */
    private static void storeImageAt(TestCase c, Code code, boolean full, boolean o16, int[] pre, String sz, int at,
            int[] undefinedCc) {
        // [ebx], [ebx+disp8] or [disp32] (disp8 is signed: offsets from 0x80 need disp32)
        int modrm = at == 0 ? 0x03 : at < 0x80 ? 0x43 : 0x05;
        int a = TestCase.DATA_ADDR + at;
        int[] disp = at == 0 ? new int[0] : at < 0x80 ? new int[] {at} : new int[] {a & 0xff, (a >> 8) & 0xff, (a >> 16) & 0xff, a >>> 24};
        int[] op = full ? new int[] {0xdd, 6 << 3 | modrm} : new int[] {0xd9, 6 << 3 | modrm};
        int[] bytes = new int[pre.length + 2 + disp.length];
        System.arraycopy(pre, 0, bytes, 0, pre.length);
        System.arraycopy(op, 0, bytes, pre.length, 2);
        System.arraycopy(disp, 0, bytes, pre.length + 2, disp.length);
        code.insn((full ? "fnsave" : "fnstenv") + " [ebx+" + at + "]" + sz, bytes);
        int ptrFrom = o16 ? 6 : 12, ptrTo = o16 ? 14 : 28;
        for (int i = ptrFrom; i < ptrTo; i++) {
            c.memIgnore[at + i] = (byte) 0xff;
        }
        if (!STRICT) {
            int swHigh = at + (o16 ? 3 : 5);
            c.memIgnore[swHigh] |= (byte) ((undefinedCc[0] >> 8) & 0x47);
        }
    }

    static TestCase randomState(SplittableRandom r, String family) {
        TestCase c = new TestCase(family);
        c.fpu = true;
        c.mem = new byte[TestCase.MEM_SIZE];
        for (int i = 0; i < c.mem.length; i++) {
            c.mem[i] = (byte) r.nextInt();
        }
        for (int i = 0; i < 8; i++) {
            c.regs[i] = Operands.int32(r);
        }
        c.regs[3] = TestCase.DATA_ADDR;
        c.regs[4] = TestCase.STACK_TOP;
        c.eflags = 0x202 | (r.nextInt() & 0x8d5);
        int pcf = new int[] {0, 2, 3, 3}[r.nextInt(4)];
        int masks = r.nextInt(10) == 0 ? r.nextInt(64) : 0x3f;
        c.fcw = 0x1040 | masks | pcf << 8 | r.nextInt(4) << 10;
        if (r.nextInt(20) == 0) {
            c.fcw = r.nextInt(0x10000) | 0x3f;
            if (!STRICT) {
                c.fcw = (c.fcw & 0x1f3f) | 0x40; // reserved bits in their documented state
            }
        }
        int top = r.nextInt(8);
        int sticky = r.nextInt(4) == 0 ? (r.nextInt(64) & masks) : 0;
        c.fsw = top << 11 | (r.nextInt(16) == 0 ? 0 : (r.nextInt() & 0x4700)) | sticky;
        int n = r.nextInt(10);
        if (n > 8) {
            n = 8;
        }
        for (int i = 0; i < 8; i++) {
            Operands.f80(r, c.stSe, c.stM, i);
            boolean valid = r.nextInt(12) == 0 ? r.nextBoolean() : i < n;
            if (valid) {
                c.ftw |= 1 << ((top + i) & 7);
            }
        }
        return c;
    }

    /**
     * One transcendental instruction on in-domain operands that are exactly representable as
     * doubles (oxen computes these through double). Registers are compared with a tolerance,
     * the status word without C1 (rounding direction) and PE.
     */
    static TestCase transcendentalCase(SplittableRandom r) {
        TestCase c = new TestCase("x87-transcendental");
        c.fpu = true;
        c.mem = new byte[TestCase.MEM_SIZE];
        c.regs[3] = TestCase.DATA_ADDR;
        c.eflags = 0x202;
        c.fcw = 0x107f | r.nextInt(4) << 10;
        int top = r.nextInt(8);
        c.fsw = top << 11;
        c.ftw = 1 << top | 1 << ((top + 1) & 7);
        String[] names = {"f2xm1", "fyl2x", "fptan", "fpatan", null, null, null, null, null, "fyl2xp1", null, "fsincos", null, null, "fsin", "fcos"};
        int k;
        do {
            k = r.nextInt(16);
        } while (names[k] == null);
        double x, y = randomDouble(r, -20, 20);
        switch (k) {
            case 0: // f2xm1: -1 <= x <= 1
                x = (r.nextDouble() * 2 - 1) * (r.nextBoolean() ? 1 : Math.scalb(1.0, -r.nextInt(30)));
                break;
            case 1: // fyl2x: x > 0
                x = Math.abs(randomDouble(r, -30, 30));
                break;
            case 9: // fyl2xp1: |x| < 1 - sqrt(2)/2
                x = (r.nextDouble() * 2 - 1) * 0.29 * Math.scalb(1.0, -r.nextInt(20));
                break;
            case 3:
                x = randomDouble(r, -20, 20);
                break;
            default: // fsin, fcos, fsincos, fptan
                x = randomDouble(r, -20, 8);
                break;
        }
        setDouble(c, 0, x);
        setDouble(c, 1, y);
        for (int i = 2; i < 8; i++) {
            setDouble(c, i, 1.0);
        }
        Code code = new Code();
        code.insn(names[k], 0xd9, 0xf0 + k);
        code.into(c);
        c.compareFpuRegs = false;
        // FPTAN near a pole magnifies the difference between the x87's 66-bit pi and the true pi
        c.tolerance = k == 2 ? 0x1p-42 : 0x1p-50;
        c.fswMask = ~(0x220 | (STRICT ? 0 : conditionCodes(0xd9, 0xf0 + k)[1])) & 0xffff;
        return c;
    }

    /**
     * A transcendental instruction on special operands: zeros, infinities, NaNs, denormals, tiny
     * values, |x| >= 2^63 (out of range for FSIN/FCOS/FSINCOS/FPTAN), empty registers.
     */
    static TestCase transcendentalSpecialCase(SplittableRandom r) {
        TestCase c = new TestCase("x87-transcendental-special");
        TestCase base = transcendentalCase(r);
        c.fpu = true;
        c.mem = base.mem;
        c.regs[3] = TestCase.DATA_ADDR;
        c.eflags = base.eflags;
        c.fcw = base.fcw;
        c.fsw = base.fsw;
        c.ftw = base.ftw;
        System.arraycopy(base.stSe, 0, c.stSe, 0, 8);
        System.arraycopy(base.stM, 0, c.stM, 0, 8);
        int k = (base.code[1] & 0xff) - 0xf0;
        for (int i = 0; i < 2; i++) {
            if (r.nextInt(3) != 0) {
                special(r, c, i);
                // the SDM leaves F2XM1 outside [-1, 1] and FYL2XP1 outside +-(1 - sqrt(2)/2) undefined:
                // such operands only in strict mode (the host returns x for them, see FPU.md)
                while (!STRICT && i == 0 && outOfDomain(k, c.stSe[0])) {
                    special(r, c, 0);
                }
            }
        }
        if (r.nextInt(10) == 0) {
            c.ftw &= ~(1 << (((c.fsw >> 11) + r.nextInt(2)) & 7)); // an empty operand
        }
        c.code = base.code;
        c.text = base.text;
        c.insnStart = base.insnStart;
        c.insnCount = base.insnCount;
        c.compareFpuRegs = false;
        c.tolerance = base.tolerance;
        c.fswMask = base.fswMask;
        return c;
    }

    private static boolean outOfDomain(int k, int se) {
        int e = se & 0x7fff;
        if (k == 0) { // F2XM1: |x| > 1 (infinities are defined)
            return e != 0x7fff && e >= 16383 + 1;
        }
        if (k == 9) { // FYL2XP1: |x| >= 1 - sqrt(2)/2, infinities included
            return e >= 16383 - 2;
        }
        return false;
    }

    private static void special(SplittableRandom r, TestCase c, int i) {
        int s = r.nextBoolean() ? 0x8000 : 0;
        switch (r.nextInt(7)) {
            case 0:
                c.stSe[i] = s;
                c.stM[i] = 0;
                break;
            case 1:
                c.stSe[i] = s | 0x7fff;
                c.stM[i] = 0x8000000000000000L;
                break;
            case 2:
                c.stSe[i] = s | 0x7fff;
                c.stM[i] = r.nextBoolean() ? 0xc000000000000000L : 0xc000000000000000L | (r.nextLong() >>> 13 << 11);
                break;
            case 3:
                c.stSe[i] = s | 0x7fff;
                c.stM[i] = 0x8000000000000000L | ((r.nextLong() >>> 14 | 1) << 11);
                break;
            case 4: // huge: |x| >= 2^63
                c.stSe[i] = s | (16383 + 63 + r.nextInt(200));
                c.stM[i] = 0x8000000000000000L | (r.nextLong() >>> 12 << 11);
                break;
            case 5: // tiny normal
                c.stSe[i] = s | (1 + r.nextInt(16383 - 80));
                c.stM[i] = 0x8000000000000000L | (r.nextLong() >>> 12 << 11);
                break;
            default: // denormal
                c.stSe[i] = s;
                c.stM[i] = (r.nextLong() >>> 12 << 11) >>> r.nextInt(40);
                break;
        }
    }

    private static double randomDouble(SplittableRandom r, int minExp, int maxExp) {
        double v = (1 + r.nextDouble()) * Math.scalb(1.0, minExp + r.nextInt(maxExp - minExp + 1));
        return r.nextBoolean() ? -v : v;
    }

    private static void setDouble(TestCase c, int i, double d) {
        long bits = Double.doubleToRawLongBits(d);
        int e = (int) ((bits >>> 52) & 0x7ff);
        c.stSe[i] = (int) (bits >>> 48) & 0x8000 | (e - 1023 + 16383);
        c.stM[i] = 0x8000000000000000L | ((bits & 0xfffffffffffffL) << 11);
    }

    private static int memModrm(int reg) {
        return 0x43 | reg << 3; // [ebx+disp8]
    }

    private static void put(byte[] mem, int off, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            mem[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void insn(SplittableRandom r, TestCase c, Code code, int slot) {
        int i = r.nextInt(8);
        switch (r.nextInt(23)) {
            case 0:
            case 1: { // D8 st0 = st0 op sti, or fcom/fcomp
                int op = r.nextInt(8);
                code.insn(ARITH[op] + " st0,st" + i, 0xd8, 0xc0 | op << 3 | i);
                return;
            }
            case 2: { // DC sti = sti op st0
                int op = OPS[r.nextInt(OPS.length)];
                code.insn(ARITH[op >= 4 ? op ^ 1 : op] + " st" + i + ",st0", 0xdc, 0xc0 | op << 3 | i);
                return;
            }
            case 3: { // DE ...p
                int op = OPS[r.nextInt(OPS.length)];
                code.insn(ARITH[op >= 4 ? op ^ 1 : op] + "p st" + i + ",st0", 0xde, 0xc0 | op << 3 | i);
                return;
            }
            case 4: { // compares
                switch (r.nextInt(8)) {
                    case 0:
                        code.insn("fcompp", 0xde, 0xd9);
                        return;
                    case 1:
                        code.insn("fucompp", 0xda, 0xe9);
                        return;
                    case 2:
                        code.insn("fucom st" + i, 0xdd, 0xe0 | i);
                        return;
                    case 3:
                        code.insn("fucomp st" + i, 0xdd, 0xe8 | i);
                        return;
                    case 4:
                        code.insn("fucomi st" + i, 0xdb, 0xe8 | i);
                        return;
                    case 5:
                        code.insn("fcomi st" + i, 0xdb, 0xf0 | i);
                        return;
                    case 6:
                        code.insn("fucomip st" + i, 0xdf, 0xe8 | i);
                        return;
                    default:
                        code.insn("fcomip st" + i, 0xdf, 0xf0 | i);
                        return;
                }
            }
            case 5:
            case 6: { // arithmetic with memory operands
                int op = r.nextInt(8);
                int kind = r.nextInt(4);
                int opc = new int[] {0xd8, 0xdc, 0xda, 0xde}[kind];
                String[] t = {"m32fp", "m64fp", "m32int", "m16int"};
                switch (kind) {
                    case 0:
                        put(c.mem, slot, Operands.f32(r), 4);
                        break;
                    case 1:
                        put(c.mem, slot, Operands.f64(r), 8);
                        break;
                    case 2:
                        put(c.mem, slot, Operands.int32(r), 4);
                        break;
                    default:
                        put(c.mem, slot, Operands.int32(r), 2);
                        break;
                }
                code.insn((kind >= 2 ? "fi" + ARITH[op].substring(1) : ARITH[op]) + " " + t[kind] + " [ebx+" + slot + "]",
                        opc, memModrm(op), slot);
                return;
            }
            case 7:
            case 8: { // loads
                switch (r.nextInt(7)) {
                    case 0:
                        put(c.mem, slot, Operands.f32(r), 4);
                        code.insn("fld m32fp", 0xd9, memModrm(0), slot);
                        return;
                    case 1:
                        put(c.mem, slot, Operands.f64(r), 8);
                        code.insn("fld m64fp", 0xdd, memModrm(0), slot);
                        return;
                    case 2: {
                        int[] se = new int[1];
                        long[] mm = new long[1];
                        Operands.f80(r, se, mm, 0);
                        put(c.mem, slot, mm[0], 8);
                        put(c.mem, slot + 8, se[0], 2);
                        code.insn("fld m80", 0xdb, memModrm(5), slot);
                        return;
                    }
                    case 3:
                        put(c.mem, slot, Operands.int32(r), 2);
                        code.insn("fild m16", 0xdf, memModrm(0), slot);
                        return;
                    case 4:
                        put(c.mem, slot, Operands.int32(r), 4);
                        code.insn("fild m32", 0xdb, memModrm(0), slot);
                        return;
                    case 5:
                        put(c.mem, slot, (long) Operands.int32(r) << (r.nextInt(33)) ^ Operands.int32(r), 8);
                        code.insn("fild m64", 0xdf, memModrm(5), slot);
                        return;
                    default: {
                        long bcd = 0;
                        for (int d = 0; d < 18; d++) {
                            bcd |= (long) r.nextInt(10) << (4 * d);
                        }
                        put(c.mem, slot, bcd, 8);
                        put(c.mem, slot + 8, r.nextBoolean() ? 0x80 << 8 : 0, 2);
                        code.insn("fbld m80", 0xdf, memModrm(4), slot);
                        return;
                    }
                }
            }
            case 9:
            case 10:
            case 11: { // stores
                String[] names = {"fst m32", "fstp m32", "fst m64", "fstp m64", "fstp m80", "fist m16", "fistp m16",
                    "fist m32", "fistp m32", "fistp m64", "fisttp m16", "fisttp m32", "fisttp m64", "fbstp m80"};
                int[][] enc = {{0xd9, 2}, {0xd9, 3}, {0xdd, 2}, {0xdd, 3}, {0xdb, 7}, {0xdf, 2}, {0xdf, 3},
                    {0xdb, 2}, {0xdb, 3}, {0xdf, 7}, {0xdf, 1}, {0xdb, 1}, {0xdd, 1}, {0xdf, 6}};
                int k = r.nextInt(names.length);
                code.insn(names[k] + " [ebx+" + slot + "]", enc[k][0], memModrm(enc[k][1]), slot);
                return;
            }
            case 12:
                code.insn("fld st" + i, 0xd9, 0xc0 | i);
                return;
            case 13:
                switch (r.nextInt(4)) {
                    case 0:
                        code.insn("fxch st" + i, 0xd9, 0xc8 | i);
                        return;
                    case 1:
                        code.insn("fst st" + i, 0xdd, 0xd0 | i);
                        return;
                    case 2:
                        code.insn("fstp st" + i, 0xdd, 0xd8 | i);
                        return;
                    default:
                        code.insn("ffree st" + i, 0xdd, 0xc0 | i);
                        return;
                }
            case 14: {
                int k = new int[] {0, 1, 4, 5}[r.nextInt(4)];
                code.insn(D9E0[k], 0xd9, 0xe0 | k);
                return;
            }
            case 15: {
                int k = r.nextInt(7);
                code.insn(CONSTS[k], 0xd9, 0xe8 | k);
                return;
            }
            case 16: {
                String[] names = {"fxtract", "fprem1", "fdecstp", "fincstp", "fprem", null, "fsqrt", null, "frndint", "fscale"};
                int k;
                do {
                    k = r.nextInt(names.length);
                } while (names[k] == null);
                code.insn(names[k], 0xd9, 0xf4 + k);
                return;
            }
            case 17:
            case 18: // fsqrt and frndint are frequent in compiled code
                if (r.nextBoolean()) {
                    code.insn("fsqrt", 0xd9, 0xfa);
                } else {
                    code.insn("frndint", 0xd9, 0xfc);
                }
                return;
            case 19: { // fcmovcc
                String[] names = {"fcmovb", "fcmove", "fcmovbe", "fcmovu"};
                int k = r.nextInt(4);
                boolean neg = r.nextBoolean();
                code.insn((neg ? names[k].replace("fcmov", "fcmovn") : names[k]) + " st" + i,
                        neg ? 0xdb : 0xda, 0xc0 | k << 3 | i);
                return;
            }
            case 20: // control and status
                switch (r.nextInt(6)) {
                    case 0:
                        code.insn("fnstsw ax", 0xdf, 0xe0);
                        return;
                    case 1:
                        code.insn("fnstsw [ebx+" + slot + "]", 0xdd, memModrm(7), slot);
                        return;
                    case 2:
                        code.insn("fnstcw [ebx+" + slot + "]", 0xd9, memModrm(7), slot);
                        return;
                    case 3: {
                        int cw = r.nextInt(4) == 0 ? r.nextInt(0x10000) : 0x0040 | 0x3f | r.nextInt(16) << 8;
                        if (!STRICT) {
                            cw = (cw & 0x1f3f) | 0x40;
                        }
                        put(c.mem, slot, cw, 2);
                        code.insn("fldcw [ebx+" + slot + "]", 0xd9, memModrm(5), slot);
                        return;
                    }
                    case 4:
                        code.insn("fnclex", 0xdb, 0xe2);
                        return;
                    default:
                        code.insn("fninit", 0xdb, 0xe3);
                        return;
                }
            default:
                if (!STRICT || r.nextBoolean()) {
                    code.insn("fnop", 0xd9, 0xd0);
                    return;
                }
                // strict mode only: the reserved aliases every x87 since the 387 decodes (vendor-specific)
                switch (r.nextInt(8)) {
                    case 0:
                        code.insn("ffreep st" + i, 0xdf, 0xc0 | i);
                        return;
                    case 1:
                        code.insn("fxch4 st" + i, 0xdd, 0xc8 | i);
                        return;
                    case 2:
                        code.insn("fxch7 st" + i, 0xdf, 0xc8 | i);
                        return;
                    case 3:
                        code.insn("fstp1 st" + i, 0xd9, 0xd8 | i);
                        return;
                    case 4:
                        code.insn("fstp8 st" + i, 0xdf, 0xd0 | i);
                        return;
                    case 5:
                        code.insn("fcom2 st" + i, 0xdc, 0xd0 | i);
                        return;
                    case 6:
                        code.insn("fcomp3 st" + i, 0xdc, 0xd8 | i);
                        return;
                    default:
                        code.insn("fcomp5 st" + i, 0xde, 0xd0 | i);
                        return;
                }
        }
    }
}
