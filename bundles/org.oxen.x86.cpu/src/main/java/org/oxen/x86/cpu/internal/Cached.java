package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/**
 * The decoded-instruction cache: the common 32-bit instructions (no prefixes, at most 8 bytes,
 * not in the last 7 bytes of a frame) are decoded once per physical frame and offset into a
 * {@link CodePage} record and executed from it; everything else goes to {@code step()}, which
 * decodes from memory as before.
 *
 * <p>Keyed by physical frame (the fetch window's frame), so remapping a linear code page to
 * another frame cannot run the old frame's decodes. Before every execution the record's bytes
 * are compared with the bytes in RAM (one 8-byte load), so any write to code (self-modifying
 * code, {@code invalidateCode}/DMA, another CPU) is seen at the next execution without any
 * invalidation protocol between CPUs.
 */
abstract class Cached extends Events {

    static final int K_ALU32_RR = 1, K_ALU32_RI = 2, K_ALU_RR = 3, K_ALU_RI = 4, K_ALU_MR = 5, K_ALU_RM = 6,
            K_ALU_MI = 7, K_MOV32_RR = 8, K_MOV32_RM = 9, K_MOV32_MR = 10, K_MOV_RR = 11, K_MOV_RM = 12,
            K_MOV_MR = 13, K_MOV_RI = 14, K_MOV_MI = 15, K_LEA = 16, K_INC_R = 17, K_DEC_R = 18,
            K_INCDEC_M = 19, K_PUSH_R = 20, K_POP_R = 21, K_PUSH_I = 22, K_JCC = 23, K_JMP = 24,
            K_CALL = 25, K_RET = 26, K_SHIFT_R = 27, K_SHIFT_M = 28, K_MOVX_R = 29, K_MOVX_M = 30,
            K_IMUL_RR = 31, K_IMUL_RM = 32, K_NOP = 33, K_INCDEC_R = 34,
            K_MOV32_RI = 35, K_SHIFT32_RI = 36, K_ALU32_RM = 37, K_ALU32_MR = 38, K_ALU32_MI = 39,
            K_ADD32_RR = 40, K_SUB32_RR = 41, K_CMP32_RR = 42, K_XOR32_RR = 43, K_AND32_RR = 44, K_OR32_RR = 45,
            K_TEST32_RR = 46, K_ADD32_RI = 47, K_SUB32_RI = 48, K_CMP32_RI = 49, K_XOR32_RI = 50, K_AND32_RI = 51,
            K_OR32_RI = 52, K_TEST32_RI = 53, K_JZ = 54, K_JNZ = 55, K_MOV32_MI = 56, K_MOV8_MI = 57, K_MOV8_MR = 58,
            K_GRP3_R = 59, K_GRP3_M = 60;

    /** Specialised kind of a 32-bit register ALU operation by its sub-operation (0 = keep generic). */
    private static final int[] SPEC_RR = new int[16], SPEC_RI = new int[16];

    static {
        int[] subs = {0, 5, 15, 6, 4, 1, 12};
        for (int i = 0; i < subs.length; i++) {
            SPEC_RR[subs[i]] = K_ADD32_RR + i;
            SPEC_RI[subs[i]] = K_ADD32_RI + i;
        }
    }

    private static final int CODE_SETS = 256;
    /**
     * Two-way set associative by a hash of the frame number (bounded memory: at most 512 frames'
     * tables per CPU; two frames that share a set, e.g. a caller and a callee, do not evict each
     * other): set i holds {@code codePages[2i]} (most recently looked up) and {@code [2i + 1]}.
     */
    private final CodePage[] codePages = new CodePage[2 * CODE_SETS];

    /**
     * False when the system property {@code oxen.x86.cpu.noCodeCache} is set at construction:
     * every instruction is then decoded from memory (tests compare both ways).
     */
    private final boolean codeCache = !Boolean.getBoolean("oxen.x86.cpu.noCodeCache");

    /**
     * The translator: false when {@code oxen.x86.cpu.noJit} (or {@code noCodeCache}) is set at
     * construction. A record becomes a region entry after {@code oxen.x86.cpu.jitThreshold}
     * (default 50) taken branches, calls or returns arrived at it.
     */
    private final boolean jit = codeCache && !Boolean.getBoolean("oxen.x86.cpu.noJit");
    private final int jitThreshold = Math.max(0, Integer.getInteger("oxen.x86.cpu.jitThreshold", 50));
    /** A frame whose regions died this often (code keeps changing) gets no more. */
    private static final int MAX_REGION_DEATHS = 8, MAX_REGIONS_PER_FRAME = 64;

    /** Instructions a faulting region (chain) retired before the fault; read by execBlock's handler. */
    int jitPartial;
    /** Translator statistics: regions compiled, translations that failed, regions dropped (code changed). */
    long jitCompiled, jitFailed, jitDropped;
    /** The last translation failure (a translator defect: the guest just runs interpreted). */
    Throwable jitLastFailure;

    Cached(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    private CodePage lookupCode() {
        long f = fetchFrame;
        int i = 2 * (int) ((f * 0x9E3779B97F4A7C15L) >>> 56);
        CodePage[] t = codePages;
        CodePage cp = t[i];
        if (cp == null || cp.frame != f) {
            CodePage other = t[i + 1];
            if (other != null && other.frame == f) {
                cp = other;
            } else {
                cp = new CodePage(f); // the least recently looked-up table of the set goes
            }
            t[i + 1] = t[i];
            t[i] = cp;
        }
        fetchCode = cp;
        return cp;
    }

    /** Instructions retired by the block that threw (read by the run loop's fault handler). */
    int blockPartial;

    /**
     * Executes up to {@code n} instructions (stops early when one sets {@code breakBatch});
     * returns the number retired. Decoded records run in this loop with the hottest kinds
     * inline; the rest go through {@link #slowOne}. On a fault, the number retired before the
     * faulting instruction is left in {@link #blockPartial}.
     */
    final int execBlock(int n) {
        if (!codeCache || debugActive) return interpretBlock(n);
        int j = 0;
        try {
            while (j < n) {
                // the fetch window and the page's tables are locals of the fast loop: they change
                // only in slowOne() (window refill, decoding, mode changes), after which they are
                // read again
                CodePage cp = fetchCode;
                if (cp != null && fetchLimit == 0x1000 && code32) {
                    defaults();
                    final char[] at = cp.at;
                    final int[] rec = cp.rec;
                    final long[] raw = cp.raw;
                    final byte[] arr = fetchArr;
                    final int base = fetchEipBase, delta = fetchDelta;
                    final int[] r = this.r;
                    int e = eip;
                    // eip is kept in e and stored when the loop is left or a handler needs it;
                    // startEip is stored before anything that can fault. The next record comes
                    // from the previous one's link where it has one (no lookup by offset).
                    int k = e - base;
                    int ri = Integer.compareUnsigned(k, 0x1000) < 0 ? at[k] : 0;
                    while (j < n && ri >= 2) {
                        int b = 8 * ri;
                        int opw = rec[b];
                        int len = (opw >>> 8) & 15;
                        if (len == 0) break;
                        long w = (long) I64.get(arr, e + delta) & (-1L >>> (64 - 8 * len));
                        if (w != raw[ri]) break;
                        int a = (opw >>> 12) & 7;
                        int kd = opw & 0xFF;
                        int cls = opw >>> 28;
                        if (cls == 1) {
                            boolean t;
                            if (kd == K_JCC) {
                                t = jcc((opw >>> 20) & 15);
                            } else if (kd == K_JMP) {
                                t = true;
                            } else {
                                boolean z = lop == L_NONE ? (eflags & ZF) != 0 : (lres & MASK[lsz]) == 0;
                                t = z == (kd == K_JZ);
                            }
                            if (t) {
                                startEip = e;
                                e = target(e + len + rec[b + 3]);
                                j++;
                                ri = taken(rec, b, e - base, at);
                                if (ri >= 2 && jit) {
                                    int got = hot(cp, ri, e, n - j);
                                    if (got > 0) {
                                        j += got;
                                        e = eip;
                                        k = e - base;
                                        ri = Integer.compareUnsigned(k, 0x1000) < 0 ? at[k] : 0;
                                    }
                                }
                                continue;
                            }
                        } else if (cls == 2) {
                        switch (kd) {
                            case K_ADD32_RR: {
                                int x = r[a], y = r[(opw >>> 16) & 7], res = x + y;
                                lop = L_ADD; lsz = 2; la = x; lb = y; lres = res;
                                r[a] = res;
                                break;
                            }
                            case K_SUB32_RR: case K_CMP32_RR: {
                                int x = r[a], y = r[(opw >>> 16) & 7], res = x - y;
                                lop = L_SUB; lsz = 2; la = x; lb = y; lres = res;
                                if ((opw & 0xFF) == K_SUB32_RR) r[a] = res;
                                break;
                            }
                            case K_XOR32_RR: {
                                int x = r[a], y = r[(opw >>> 16) & 7], res = x ^ y;
                                lop = L_LOGIC; lsz = 2; la = x; lb = y; lres = res;
                                r[a] = res;
                                break;
                            }
                            case K_AND32_RR: case K_TEST32_RR: {
                                int x = r[a], y = r[(opw >>> 16) & 7], res = x & y;
                                lop = L_LOGIC; lsz = 2; la = x; lb = y; lres = res;
                                if ((opw & 0xFF) == K_AND32_RR) r[a] = res;
                                break;
                            }
                            case K_OR32_RR: {
                                int x = r[a], y = r[(opw >>> 16) & 7], res = x | y;
                                lop = L_LOGIC; lsz = 2; la = x; lb = y; lres = res;
                                r[a] = res;
                                break;
                            }
                            case K_ADD32_RI: {
                                int x = r[a], y = rec[b + 3], res = x + y;
                                lop = L_ADD; lsz = 2; la = x; lb = y; lres = res;
                                r[a] = res;
                                break;
                            }
                            case K_SUB32_RI: case K_CMP32_RI: {
                                int x = r[a], y = rec[b + 3], res = x - y;
                                lop = L_SUB; lsz = 2; la = x; lb = y; lres = res;
                                if ((opw & 0xFF) == K_SUB32_RI) r[a] = res;
                                break;
                            }
                            case K_XOR32_RI: {
                                int x = r[a], y = rec[b + 3], res = x ^ y;
                                lop = L_LOGIC; lsz = 2; la = x; lb = y; lres = res;
                                r[a] = res;
                                break;
                            }
                            case K_AND32_RI: case K_TEST32_RI: {
                                int x = r[a], y = rec[b + 3], res = x & y;
                                lop = L_LOGIC; lsz = 2; la = x; lb = y; lres = res;
                                if ((opw & 0xFF) == K_AND32_RI) r[a] = res;
                                break;
                            }
                            case K_OR32_RI: {
                                int x = r[a], y = rec[b + 3], res = x | y;
                                lop = L_LOGIC; lsz = 2; la = x; lb = y; lres = res;
                                r[a] = res;
                                break;
                            }
                            default: throw new IllegalStateException("kind " + kd + " in class " + cls);
                        }
                        } else if (cls == 3) {
                        switch (kd) {
                            case K_MOV32_RR: r[a] = r[(opw >>> 16) & 7]; break;
                            case K_MOV32_RI: r[a] = rec[b + 3]; break;
                            case K_LEA: r[a] = addr(rec[b + 1], rec[b + 2]); break;
                            case K_INC_R: r[a] = inc32(r[a]); break;
                            case K_DEC_R: r[a] = dec32(r[a]); break;
                            case K_SHIFT32_RI: r[a] = shift32(opw, r[a], rec[b + 3]); break;
                            default: throw new IllegalStateException("kind " + kd + " in class " + cls);
                        }
                        } else if (cls == 4) {
                        switch (kd) {
                            case K_MOV32_RM:
                                startEip = e;
                                r[a] = rd32((rec[b + 1] >>> 16) & 7, addr(rec[b + 1], rec[b + 2]));
                                break;
                            case K_MOV32_MR:
                                startEip = e;
                                wr32((rec[b + 1] >>> 16) & 7, addr(rec[b + 1], rec[b + 2]), r[(opw >>> 16) & 7]);
                                break;
                            case K_ALU32_RM: startEip = e; alu32RM(opw, a, rec[b + 1], rec[b + 2]); break;
                            case K_ALU32_MR: startEip = e; alu32MR(opw, rec[b + 1], rec[b + 2]); break;
                            case K_ALU32_MI: startEip = e; alu32MI(opw, rec[b + 1], rec[b + 2], rec[b + 3]); break;
                            case K_MOVX_M: startEip = e; movxM(opw, a, rec[b + 1], rec[b + 2]); break;
                            case K_MOV32_MI:
                                startEip = e;
                                wr32((rec[b + 1] >>> 16) & 7, addr(rec[b + 1], rec[b + 2]), rec[b + 3]);
                                break;
                            case K_MOV8_MI:
                                startEip = e;
                                wr8((rec[b + 1] >>> 16) & 7, addr(rec[b + 1], rec[b + 2]), rec[b + 3]);
                                break;
                            case K_MOV8_MR:
                                startEip = e;
                                wr8((rec[b + 1] >>> 16) & 7, addr(rec[b + 1], rec[b + 2]), reg8((opw >>> 16) & 7));
                                break;
                            default: throw new IllegalStateException("kind " + kd + " in class " + cls);
                        }
                        } else {
                        switch (kd) {
                            case K_MOVX_R: {
                                int ssz = (opw >>> 27) & 1;
                                int v = regSz((opw >>> 16) & 7, ssz);
                                if ((opw & (1 << 26)) != 0) v = ssz == 0 ? (byte) v : (short) v;
                                r[a] = v;
                                break;
                            }
                            case K_NOP: break;
                            default:
                                startEip = e;
                                eip = e + len;
                                run(opw, rec[b + 1], rec[b + 2], rec[b + 3]);
                                e = eip;
                                j++;
                                k = e - base;
                                ri = Integer.compareUnsigned(k, 0x1000) < 0 ? at[k] : 0;
                                if (ri >= 2 && jit && (kd == K_CALL || kd == K_RET)) {
                                    int got = hot(cp, ri, e, n - j);
                                    if (got > 0) {
                                        j += got;
                                        e = eip;
                                        k = e - base;
                                        ri = Integer.compareUnsigned(k, 0x1000) < 0 ? at[k] : 0;
                                    }
                                }
                                continue;
                        }
                        }
                        e += len;
                        j++;
                        int nx = rec[b + 4];
                        if (nx == 0) {
                            k = e - base;
                            nx = Integer.compareUnsigned(k, 0x1000) < 0 ? at[k] : 0;
                            if (nx >= 2) rec[b + 4] = nx;
                        }
                        ri = nx;
                    }
                    eip = e;
                    if (j >= n) break;
                }
                slowOne();
                j++;
                if (breakBatch) break;
            }
        } catch (Fault f) {
            blockPartial = j + jitPartial;
            jitPartial = 0;
            throw f;
        }
        return j;
    }

    private int shift32(int opw, int v, int count) {
        int sub = (opw >>> 20) & 7;
        count &= 0x1F;
        if (count == 0) return v;
        switch (sub) {
            case 4: case 6: { // SHL
                int res = v << count;
                boolean cf = ((v >>> (32 - count)) & 1) != 0;
                szp(2, res, cf, (res < 0) != cf);
                return res;
            }
            case 5: { // SHR
                int res = v >>> count;
                szp(2, res, ((v >>> (count - 1)) & 1) != 0, v < 0);
                return res;
            }
            case 7: { // SAR
                int res = v >> count;
                szp(2, res, ((v >> (count - 1)) & 1) != 0, false);
                return res;
            }
            default: return shift(sub, v, count, 2);
        }
    }

    private void alu32RM(int opw, int a, int eaw, int disp) {
        int sub = (opw >>> 20) & 15;
        int res = alu(sub & 7, r[a], rd32((eaw >>> 16) & 7, addr(eaw, disp)), 2);
        if (sub < 8) r[a] = res;
    }

    private void alu32MR(int opw, int eaw, int disp) {
        int sub = (opw >>> 20) & 15;
        int s = (eaw >>> 16) & 7, off = addr(eaw, disp);
        int res = alu(sub & 7, rd32(s, off), r[(opw >>> 16) & 7], 2);
        if (sub < 8) wr32(s, off, res);
    }

    private void alu32MI(int opw, int eaw, int disp, int imm) {
        int sub = (opw >>> 20) & 15;
        int s = (eaw >>> 16) & 7, off = addr(eaw, disp);
        int res = alu(sub & 7, rd32(s, off), imm, 2);
        if (sub < 8) wr32(s, off, res);
    }

    private void movxM(int opw, int a, int eaw, int disp) {
        int s = (eaw >>> 16) & 7, off = addr(eaw, disp);
        int v;
        if ((opw & (1 << 27)) == 0) {
            v = rd8(s, off);
            if ((opw & (1 << 26)) != 0) v = (byte) v;
        } else {
            v = rd16(s, off);
            if ((opw & (1 << 26)) != 0) v = (short) v;
        }
        r[a] = v;
    }

    // ---- translated regions ----

    /**
     * At a branch, call or return target {@code ri} (EIP {@code e}) of the current frame: counts
     * it, translates it when hot, and runs its region (and the regions it exits into) when it has
     * one. Returns the instructions retired there (EIP updated), 0 if none ran.
     */
    private int hot(CodePage cp, int ri, int e, int budget) {
        int mb = 8 * ri + 5;
        int h = cp.rec[mb];
        if (h >= 0) {
            if (h < jitThreshold) {
                cp.rec[mb] = h + 1;
                return 0;
            }
            h = translate(cp, e - fetchEipBase);
            cp.rec[mb] = h;
        }
        if (h == -1) return 0;
        eip = e;
        return runRegions(cp, -2 - h, budget);
    }

    private int translate(CodePage cp, int k) {
        if (cp.regionDeaths >= MAX_REGION_DEATHS || cp.regionCount >= MAX_REGIONS_PER_FRAME) return -1;
        Region rg;
        try {
            rg = RegionCompiler.compile(cp, fetchArr, fetchEipBase + fetchDelta, k);
        } catch (Throwable t) { // a translator defect must not stop the guest: it runs interpreted
            jitFailed++;
            jitLastFailure = t;
            return -1;
        }
        if (rg == null) return -1;
        jitCompiled++;
        return -2 - cp.addRegion(rg);
    }

    /** Runs region {@code idx} of {@code cp} and then the regions it exits into, within budget. */
    private int runRegions(CodePage cp, int idx, int budget) {
        int done = 0;
        try {
            for (;;) {
                Region rg = cp.regions[idx];
                int got = rg.run(this, budget - done);
                done += got;
                if (rg.dead) {
                    cp.rec[8 * rg.entryRecord + 5] = 0;
                    cp.regions[idx] = null;
                    cp.regionDeaths++;
                    jitDropped++;
                }
                if (got == 0 || done >= budget) return done;
                int k = eip - fetchEipBase;
                if (Integer.compareUnsigned(k, 0x1000) >= 0) return done;
                int ri = cp.at[k];
                if (ri < 2) return done;
                int h = cp.rec[8 * ri + 5];
                if (h > -2) return done;
                idx = -2 - h;
            }
        } catch (Fault f) {
            jitPartial += done;
            throw f;
        }
    }

    /** Executes one decoded record (translated code's path for kinds it does not inline). */
    final void runRecord(int opw, int eaw, int disp, int imm) {
        run(opw, eaw, disp, imm);
    }

    /** NOT NEG MUL IMUL DIV IDIV ({@code op} 2..7) of a register ({@code s} &lt; 0) or memory operand. */
    private void group3(int op, int sz, int s, int off, int reg) {
        int v = s < 0 ? regSz(reg, sz) : rdSz(s, off, sz);
        int res;
        switch (op) {
            case 2: res = ~v & MASK[sz]; break;
            case 3: res = neg(v, sz); break;
            case 4: mul(v, sz, false); return;
            case 5: mul(v, sz, true); return;
            case 6: div(v, sz, false); return;
            default: div(v, sz, true); return;
        }
        if (s < 0) setRegSz(reg, sz, res); else wrSz(s, off, sz, res);
    }

    /** The record at the branch target offset {@code k} (linked on first use), or 0. */
    private static int taken(int[] rec, int b, int k, char[] at) {
        int t = rec[b + 7];
        if (t != 0) return t;
        if (Integer.compareUnsigned(k, 0x1000) >= 0) return 0;
        t = at[k];
        if (t >= 2) rec[b + 7] = t;
        return t;
    }

    private int target(int t) {
        if ((t & 0xFFFFFFFFL) > (segLimit[CS] & 0xFFFFFFFFL)) {
            throw gp(0);
        }
        return t;
    }

    private int interpretBlock(int n) {
        int j = 0;
        try {
            while (j < n) {
                step();
                j++;
                if (breakBatch) break;
            }
        } catch (Fault f) {
            blockPartial = j;
            throw f;
        }
        return j;
    }

    /** The per-instruction state the decoded kinds assume (no prefixes, 32-bit code). */
    private void defaults() {
        op32 = true;
        addr32 = true;
        segOvr = -1;
        rep = 0;
    }

    /** One instruction outside the fast loop: look up the page, decode, or interpret. */
    private void slowOne() {
        int e = eip;
        int k = e - fetchEipBase;
        if (Integer.compareUnsigned(k, fetchLimit) < 0 && code32) {
            CodePage cp = fetchCode;
            if (cp == null) cp = lookupCode();
            int ri = cp.at[k];
            if (ri != 1) {
                int p = e + fetchDelta;
                ri = decode(cp, k, fetchArr, p, ri);
                if (ri > 1) {
                    int[] rec = cp.rec;
                    int b = 8 * ri;
                    int opw = rec[b];
                    defaults();
                    startEip = e;
                    eip = e + ((opw >>> 8) & 15);
                    run(opw, rec[b + 1], rec[b + 2], rec[b + 3]);
                    return;
                }
            }
        }
        step();
        if (fetchCode == null && fetchLimit == 0x1000 && code32) {
            lookupCode(); // a new window: the next instruction can come from the fast loop
        }
    }

    /** Jcc condition: ZF tests (JE/JNE, the common ones) without the general switch. */
    private boolean jcc(int cc) {
        if (lop == L_SUB && lsz == 2) {
            int x = la, y = lb;
            switch (cc) {
                case 2: return Integer.compareUnsigned(x, y) < 0;
                case 3: return Integer.compareUnsigned(x, y) >= 0;
                case 6: return Integer.compareUnsigned(x, y) <= 0;
                case 7: return Integer.compareUnsigned(x, y) > 0;
                case 0xC: return x < y;
                case 0xD: return x >= y;
                case 0xE: return x <= y;
                case 0xF: return x > y;
                default: break;
            }
        }
        if ((cc & 0xE) == 4) {
            boolean z = lop == L_NONE ? (eflags & ZF) != 0 : (lres & MASK[lsz]) == 0;
            return z != ((cc & 1) != 0);
        }
        return cond(cc);
    }

    /** CF before an INC/DEC (which keep it), with the common lazy states inline. */
    private int carryIn() {
        switch (lop) {
            case L_LOGIC: return 0;
            case L_INC: case L_DEC: return lcf;
            case L_SUB: if (lsz == 2) return Integer.compareUnsigned(la, lb) < 0 ? 1 : 0; // fall through
            default: return cfSet() ? 1 : 0;
        }
    }

    private int inc32(int a) {
        lcf = carryIn();
        lop = L_INC;
        lsz = 2;
        la = a;
        lb = 1;
        lres = a + 1;
        return a + 1;
    }

    private int dec32(int a) {
        lcf = carryIn();
        lop = L_DEC;
        lsz = 2;
        la = a;
        lb = 1;
        lres = a - 1;
        return a - 1;
    }

    // ---- execution ----

    private int addr(int eaw, int disp) {
        switch (eaw & 3) {
            case 0: return disp;
            case 1: return r[(eaw >>> 4) & 7] + disp;
            case 2: return r[(eaw >>> 4) & 7] + (r[(eaw >>> 8) & 7] << ((eaw >>> 12) & 3)) + disp;
            default: return (r[(eaw >>> 8) & 7] << ((eaw >>> 12) & 3)) + disp;
        }
    }

    private void run(int opw, int eaw, int disp, int imm) {
        int a = (opw >>> 12) & 7, b = (opw >>> 16) & 7, sub = (opw >>> 20) & 15, sz = (opw >>> 24) & 3;
        switch (opw & 0xFF) {
            case K_ADD32_RR: case K_SUB32_RR: case K_CMP32_RR: case K_XOR32_RR: case K_AND32_RR: case K_OR32_RR:
            case K_TEST32_RR:
            case K_ALU32_RR: {
                int res = alu(sub & 7, r[a], r[b], 2);
                if (sub < 8) r[a] = res;
                return;
            }
            case K_ADD32_RI: case K_SUB32_RI: case K_CMP32_RI: case K_XOR32_RI: case K_AND32_RI: case K_OR32_RI:
            case K_TEST32_RI:
            case K_ALU32_RI: {
                int res = alu(sub & 7, r[a], imm, 2);
                if (sub < 8) r[a] = res;
                return;
            }
            case K_MOV32_RR: r[a] = r[b]; return;
            case K_MOV32_RM: r[a] = rd32((eaw >>> 16) & 7, addr(eaw, disp)); return;
            case K_MOV32_MR: wr32((eaw >>> 16) & 7, addr(eaw, disp), r[b]); return;
            case K_MOV_RI: setRegSz(a, sz, imm); return;
            case K_LEA: r[a] = addr(eaw, disp); return;
            case K_INC_R: r[a] = inc32(r[a]); return;
            case K_DEC_R: r[a] = dec32(r[a]); return;
            case K_JZ: case K_JNZ:
            case K_JCC: if (jcc(sub)) jump(imm); return;
            case K_JMP: jump(imm); return;
            default: run2(opw, eaw, disp, imm, a, b, sub, sz);
        }
    }

    private void jump(int rel) {
        int t = eip + rel;
        if ((t & 0xFFFFFFFFL) > (segLimit[CS] & 0xFFFFFFFFL)) {
            throw gp(0);
        }
        eip = t;
    }

    private void run2(int opw, int eaw, int disp, int imm, int a, int b, int sub, int sz) {
        switch (opw & 0xFF) {
            case K_ALU_RR: {
                int res = alu(sub & 7, regSz(a, sz), regSz(b, sz), sz);
                if (sub < 8) setRegSz(a, sz, res);
                return;
            }
            case K_ALU_RI: {
                int res = alu(sub & 7, regSz(a, sz), imm, sz);
                if (sub < 8) setRegSz(a, sz, res);
                return;
            }
            case K_ALU_MR: {
                int s = (eaw >>> 16) & 7, off = addr(eaw, disp);
                int res = alu(sub & 7, rdSz(s, off, sz), regSz(b, sz), sz);
                if (sub < 8) wrSz(s, off, sz, res);
                return;
            }
            case K_ALU_RM: {
                int res = alu(sub & 7, regSz(a, sz), rdSz((eaw >>> 16) & 7, addr(eaw, disp), sz), sz);
                if (sub < 8) setRegSz(a, sz, res);
                return;
            }
            case K_ALU_MI: {
                int s = (eaw >>> 16) & 7, off = addr(eaw, disp);
                int res = alu(sub & 7, rdSz(s, off, sz), imm, sz);
                if (sub < 8) wrSz(s, off, sz, res);
                return;
            }
            case K_MOV_RR: setRegSz(a, sz, regSz(b, sz)); return;
            case K_MOV_RM: setRegSz(a, sz, rdSz((eaw >>> 16) & 7, addr(eaw, disp), sz)); return;
            case K_MOV_MR: wrSz((eaw >>> 16) & 7, addr(eaw, disp), sz, regSz(b, sz)); return;
            case K_MOV32_MI: case K_MOV8_MI:
            case K_MOV_MI: wrSz((eaw >>> 16) & 7, addr(eaw, disp), sz, imm); return;
            case K_MOV8_MR: wr8((eaw >>> 16) & 7, addr(eaw, disp), reg8(b)); return;
            case K_INCDEC_R: {
                int v = regSz(a, sz);
                setRegSz(a, sz, sub == 0 ? inc(v, sz) : dec(v, sz));
                return;
            }
            case K_INCDEC_M: {
                int s = (eaw >>> 16) & 7, off = addr(eaw, disp);
                int v = rdSz(s, off, sz);
                wrSz(s, off, sz, sub == 0 ? inc(v, sz) : dec(v, sz));
                return;
            }
            case K_PUSH_R: push32(r[a]); return;
            case K_POP_R: {
                int v = pop32();
                r[a] = v;
                return;
            }
            case K_PUSH_I: push32(imm); return;
            case K_CALL: {
                int t = eip + imm;
                checkEip(t);
                push32(eip);
                eip = t;
                return;
            }
            case K_RET: {
                int t = peek(0, true);
                checkEip(t);
                addSp(4);
                eip = t;
                return;
            }
            case K_SHIFT_R: {
                int count = (opw & (1 << 26)) != 0 ? r[1] & 0xFF : imm;
                setRegSz(a, sz, shift(sub, regSz(a, sz), count, sz));
                return;
            }
            case K_GRP3_R: group3(sub, sz, -1, 0, a); return;
            case K_GRP3_M: group3(sub, sz, (eaw >>> 16) & 7, addr(eaw, disp), 0); return;
            case K_SHIFT_M: {
                int s = (eaw >>> 16) & 7, off = addr(eaw, disp);
                int count = (opw & (1 << 26)) != 0 ? r[1] & 0xFF : imm;
                int v = rdSz(s, off, sz);
                wrSz(s, off, sz, shift(sub, v, count, sz));
                return;
            }
            case K_MOVX_R: {
                int ssz = (opw >>> 27) & 1;
                int v = regSz(b, ssz);
                if ((opw & (1 << 26)) != 0) v = ssz == 0 ? (byte) v : (short) v;
                r[a] = v;
                return;
            }
            case K_MOVX_M: {
                int ssz = (opw >>> 27) & 1;
                int v = rdSz((eaw >>> 16) & 7, addr(eaw, disp), ssz);
                if ((opw & (1 << 26)) != 0) v = ssz == 0 ? (byte) v : (short) v;
                r[a] = v;
                return;
            }
            case K_IMUL_RR: r[a] = imul2((opw & (1 << 26)) != 0 ? r[b] : r[a], (opw & (1 << 26)) != 0 ? imm : r[b], 2); return;
            case K_IMUL_RM: {
                int v = rd32((eaw >>> 16) & 7, addr(eaw, disp));
                r[a] = imul2((opw & (1 << 26)) != 0 ? v : r[a], (opw & (1 << 26)) != 0 ? imm : v, 2);
                return;
            }
            case K_NOP: return;
            case K_MOV32_RI: r[a] = imm; return;
            case K_SHIFT32_RI: r[a] = shift32(opw, r[a], imm); return;
            case K_ALU32_RM: alu32RM(opw, a, eaw, disp); return;
            case K_ALU32_MR: alu32MR(opw, eaw, disp); return;
            case K_ALU32_MI: alu32MI(opw, eaw, disp, imm); return;
            default: throw new IllegalStateException("bad decoded record " + opw);
        }
    }

    // ---- decoding ----

    /**
     * Decodes the instruction at offset {@code k} of {@code cp} (bytes at {@code arr[p..]}) into
     * record {@code ri} (0: a new one); returns the record index, or 1 if not cacheable.
     */
    private int decode(CodePage cp, int k, byte[] arr, int p, int ri) {
        int[] out = decodeBuf;
        int len = k <= 4096 - 16 ? decodeInsn(arr, p) : 0; // decoding reads up to 15 bytes
        if (len == 0) {
            if (ri == 0) {
                cp.at[k] = 1;
            } else {
                cp.rec[8 * ri] = 0; // keeps its index (links to it stay right); kind 0 = interpret
                cp.rec[8 * ri + 5] = 0;
            }
            return 1;
        }
        if (ri == 0) ri = cp.allocate();
        int b = 8 * ri;
        int w0 = out[0], kind = w0 & 0xFF, sub = (w0 >>> 20) & 15;
        int spec = kind == K_ALU32_RR ? SPEC_RR[sub] : kind == K_ALU32_RI ? SPEC_RI[sub]
                : kind == K_JCC && (sub & 0xE) == 4 ? (sub == 4 ? K_JZ : K_JNZ) : 0;
        if (kind == K_MOV_MI) spec = ((w0 >>> 24) & 3) == 2 ? K_MOV32_MI : K_MOV8_MI;
        if (kind == K_MOV_MR && ((w0 >>> 24) & 3) == 0) spec = K_MOV8_MR;
        if (spec != 0) w0 = (w0 & ~0xFF) | spec;
        cp.rec[b] = w0 | len << 8 | dispatchClass(w0 & 0xFF) << 28;
        cp.rec[b + 1] = out[1];
        cp.rec[b + 2] = out[2];
        cp.rec[b + 3] = out[3];
        cp.rec[b + 4] = 0;
        cp.rec[b + 5] = 0;
        cp.rec[b + 7] = 0;
        cp.raw[ri] = (long) I64.get(arr, p) & (-1L >>> (64 - 8 * len));
        cp.at[k] = (char) ri;
        return ri;
    }

    private final int[] decodeBuf = new int[4];

    /**
     * Which dispatch site of the fast loop runs a kind: 1 branches, 2 32-bit register ALU, 3 other
     * register kinds, 4 memory kinds, 0 the rest. Several sites predict better than one switch.
     */
    static int dispatchClass(int kind) {
        switch (kind) {
            case K_JNZ: case K_JZ: case K_JCC: case K_JMP: return 1;
            case K_MOV32_RR: case K_MOV32_RI: case K_LEA: case K_INC_R: case K_DEC_R: case K_SHIFT32_RI: return 3;
            case K_MOV32_RM: case K_MOV32_MR: case K_ALU32_RM: case K_ALU32_MR: case K_ALU32_MI: case K_MOVX_M:
            case K_MOV32_MI: case K_MOV8_MI: case K_MOV8_MR: return 4;
            default: return kind >= K_ADD32_RR && kind <= K_TEST32_RI ? 2 : 0;
        }
    }

    private static int ow(int kind, int a, int b, int sub, int sz) {
        return kind | a << 12 | b << 16 | sub << 20 | sz << 24;
    }

    /** Decodes one instruction at arr[p] into decodeBuf; returns its length (&le; 8) or 0. */
    private int decodeInsn(byte[] arr, int p) {
        int[] o = decodeBuf;
        o[1] = o[2] = o[3] = 0;
        int op = arr[p] & 0xFF;
        int n = 1;
        int kind;
        if (op < 0x40 && (op & 7) < 6) {
            int sub = op >>> 3;
            if (sub == 7) sub = 15;
            switch (op & 7) {
                case 0: case 1: case 2: case 3: {
                    int sz = (op & 1) == 0 ? 0 : 2;
                    int m = arr[p + 1] & 0xFF;
                    int g = (m >>> 3) & 7;
                    if (m >= 0xC0) {
                        boolean toRm = (op & 2) == 0;
                        int dst = toRm ? m & 7 : g, src = toRm ? g : m & 7;
                        o[0] = ow(sz == 2 ? K_ALU32_RR : K_ALU_RR, dst, src, sub, sz);
                        return 2;
                    }
                    n = modrm(arr, p + 1, m);
                    if (n == 0) return 0;
                    o[0] = sz == 2 ? ow((op & 2) == 0 ? K_ALU32_MR : K_ALU32_RM, g, g, sub, sz)
                            : ow((op & 2) == 0 ? K_ALU_MR : K_ALU_RM, g, g, sub, sz);
                    return 1 + n;
                }
                case 4:
                    o[0] = ow(K_ALU_RI, 0, 0, sub, 0);
                    o[3] = arr[p + 1] & 0xFF;
                    return 2;
                default:
                    o[0] = ow(K_ALU32_RI, 0, 0, sub, 2);
                    o[3] = (int) I32.get(arr, p + 1);
                    return 5;
            }
        }
        switch (op) {
            case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
                o[0] = ow(K_INC_R, op & 7, 0, 0, 2);
                return 1;
            case 0x48: case 0x49: case 0x4A: case 0x4B: case 0x4C: case 0x4D: case 0x4E: case 0x4F:
                o[0] = ow(K_DEC_R, op & 7, 0, 0, 2);
                return 1;
            case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
                o[0] = ow(K_PUSH_R, op & 7, 0, 0, 2);
                return 1;
            case 0x58: case 0x59: case 0x5A: case 0x5B: case 0x5C: case 0x5D: case 0x5E: case 0x5F:
                o[0] = ow(K_POP_R, op & 7, 0, 0, 2);
                return 1;
            case 0x68:
                o[0] = ow(K_PUSH_I, 0, 0, 0, 2);
                o[3] = (int) I32.get(arr, p + 1);
                return 5;
            case 0x6A:
                o[0] = ow(K_PUSH_I, 0, 0, 0, 2);
                o[3] = arr[p + 1];
                return 2;
            case 0x69: case 0x6B: {
                int m = arr[p + 1] & 0xFF;
                int g = (m >>> 3) & 7;
                int f = 1 << 26;
                if (m >= 0xC0) {
                    n = 1;
                    o[0] = ow(K_IMUL_RR, g, m & 7, 0, 2) | f;
                } else {
                    n = modrm(arr, p + 1, m);
                    if (n == 0) return 0;
                    o[0] = ow(K_IMUL_RM, g, 0, 0, 2) | f;
                }
                if (op == 0x6B) {
                    if (2 + n > 8) return 0;
                    o[3] = arr[p + 1 + n];
                    return 2 + n;
                }
                if (2 + n + 3 > 8) return 0;
                o[3] = (int) I32.get(arr, p + 1 + n);
                return 5 + n;
            }
            case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
            case 0x78: case 0x79: case 0x7A: case 0x7B: case 0x7C: case 0x7D: case 0x7E: case 0x7F:
                o[0] = ow(K_JCC, 0, 0, op & 15, 2);
                o[3] = arr[p + 1];
                return 2;
            case 0x80: case 0x81: case 0x83: {
                int sz = op == 0x80 ? 0 : 2;
                int m = arr[p + 1] & 0xFF;
                int sub = (m >>> 3) & 7;
                if (sub == 7) sub = 15;
                if (m >= 0xC0) {
                    n = 1;
                    o[0] = ow(sz == 2 ? K_ALU32_RI : K_ALU_RI, m & 7, 0, sub, sz);
                } else {
                    n = modrm(arr, p + 1, m);
                    if (n == 0) return 0;
                    o[0] = ow(sz == 2 ? K_ALU32_MI : K_ALU_MI, 0, 0, sub, sz);
                }
                if (op == 0x81) {
                    if (1 + n + 4 > 8) return 0;
                    o[3] = (int) I32.get(arr, p + 1 + n);
                    return 5 + n;
                }
                if (1 + n + 1 > 8) return 0;
                o[3] = op == 0x80 ? arr[p + 1 + n] & 0xFF : arr[p + 1 + n];
                return 2 + n;
            }
            case 0x84: case 0x85: {
                int sz = op == 0x84 ? 0 : 2;
                int m = arr[p + 1] & 0xFF;
                int g = (m >>> 3) & 7;
                if (m >= 0xC0) {
                    o[0] = ow(sz == 2 ? K_ALU32_RR : K_ALU_RR, m & 7, g, 4 | 8, sz);
                    return 2;
                }
                n = modrm(arr, p + 1, m);
                if (n == 0) return 0;
                o[0] = ow(K_ALU_MR, g, g, 4 | 8, sz);
                return 1 + n;
            }
            case 0x88: case 0x89: case 0x8A: case 0x8B: {
                int sz = (op & 1) == 0 ? 0 : 2;
                int m = arr[p + 1] & 0xFF;
                int g = (m >>> 3) & 7;
                boolean toRm = (op & 2) == 0;
                if (m >= 0xC0) {
                    int dst = toRm ? m & 7 : g, src = toRm ? g : m & 7;
                    o[0] = ow(sz == 2 ? K_MOV32_RR : K_MOV_RR, dst, src, 0, sz);
                    return 2;
                }
                n = modrm(arr, p + 1, m);
                if (n == 0) return 0;
                if (toRm) {
                    o[0] = ow(sz == 2 ? K_MOV32_MR : K_MOV_MR, 0, g, 0, sz);
                } else {
                    o[0] = ow(sz == 2 ? K_MOV32_RM : K_MOV_RM, g, 0, 0, sz);
                }
                return 1 + n;
            }
            case 0x8D: {
                int m = arr[p + 1] & 0xFF;
                if (m >= 0xC0) return 0;
                n = modrm(arr, p + 1, m);
                if (n == 0) return 0;
                o[0] = ow(K_LEA, (m >>> 3) & 7, 0, 0, 2);
                return 1 + n;
            }
            case 0x90:
                o[0] = ow(K_NOP, 0, 0, 0, 2);
                return 1;
            case 0x66: // XCHG AX, AX: the two-byte NOP compilers pad with; other 66 forms are interpreted
                if ((arr[p + 1] & 0xFF) != 0x90) return 0;
                o[0] = ow(K_NOP, 0, 0, 0, 2);
                return 2;
            case 0xA8:
                o[0] = ow(K_ALU_RI, 0, 0, 4 | 8, 0);
                o[3] = arr[p + 1] & 0xFF;
                return 2;
            case 0xA9:
                o[0] = ow(K_ALU32_RI, 0, 0, 4 | 8, 2);
                o[3] = (int) I32.get(arr, p + 1);
                return 5;
            case 0xB0: case 0xB1: case 0xB2: case 0xB3: case 0xB4: case 0xB5: case 0xB6: case 0xB7:
                o[0] = ow(K_MOV_RI, op & 7, 0, 0, 0);
                o[3] = arr[p + 1] & 0xFF;
                return 2;
            case 0xB8: case 0xB9: case 0xBA: case 0xBB: case 0xBC: case 0xBD: case 0xBE: case 0xBF:
                o[0] = ow(K_MOV32_RI, op & 7, 0, 0, 2);
                o[3] = (int) I32.get(arr, p + 1);
                return 5;
            case 0xC0: case 0xC1: case 0xD0: case 0xD1: case 0xD3: {
                int sz = (op & 1) == 0 ? 0 : 2;
                int m = arr[p + 1] & 0xFF;
                int sub = (m >>> 3) & 7;
                int f = op == 0xD3 ? 1 << 26 : 0;
                if (m >= 0xC0) {
                    n = 1;
                    o[0] = sz == 2 && f == 0 ? ow(K_SHIFT32_RI, m & 7, 0, sub, sz) : ow(K_SHIFT_R, m & 7, 0, sub, sz) | f;
                } else {
                    n = modrm(arr, p + 1, m);
                    if (n == 0) return 0;
                    o[0] = ow(K_SHIFT_M, 0, 0, sub, sz) | f;
                }
                if (op <= 0xC1) {
                    if (2 + n > 8) return 0;
                    o[3] = arr[p + 1 + n] & 0xFF;
                    return 2 + n;
                }
                o[3] = 1;
                return 1 + n;
            }
            case 0xC3:
                o[0] = ow(K_RET, 0, 0, 0, 2);
                return 1;
            case 0xC6: case 0xC7: {
                int sz = op == 0xC6 ? 0 : 2;
                int m = arr[p + 1] & 0xFF;
                if (((m >>> 3) & 7) != 0) return 0;
                if (m >= 0xC0) {
                    n = 1;
                    o[0] = ow(K_MOV_RI, m & 7, 0, 0, sz);
                } else {
                    n = modrm(arr, p + 1, m);
                    if (n == 0) return 0;
                    o[0] = ow(K_MOV_MI, 0, 0, 0, sz);
                }
                if (sz == 0) {
                    if (2 + n > 8) return 0;
                    o[3] = arr[p + 1 + n] & 0xFF;
                    return 2 + n;
                }
                if (5 + n > 8) return 0;
                o[3] = (int) I32.get(arr, p + 1 + n);
                return 5 + n;
            }
            case 0xE8:
                o[0] = ow(K_CALL, 0, 0, 0, 2);
                o[3] = (int) I32.get(arr, p + 1);
                return 5;
            case 0xE9:
                o[0] = ow(K_JMP, 0, 0, 0, 2);
                o[3] = (int) I32.get(arr, p + 1);
                return 5;
            case 0xEB:
                o[0] = ow(K_JMP, 0, 0, 0, 2);
                o[3] = arr[p + 1];
                return 2;
            case 0xF6: case 0xF7: {
                int sz = op == 0xF6 ? 0 : 2;
                int m = arr[p + 1] & 0xFF;
                int g = (m >>> 3) & 7;
                if (g == 1) return 0; // the TEST alias: by the interpreter
                if (g >= 2) { // NOT NEG MUL IMUL DIV IDIV
                    if (m >= 0xC0) {
                        o[0] = ow(K_GRP3_R, m & 7, 0, g, sz);
                        return 2;
                    }
                    n = modrm(arr, p + 1, m);
                    if (n == 0) return 0;
                    o[0] = ow(K_GRP3_M, 0, 0, g, sz);
                    return 1 + n;
                }
                if (m >= 0xC0) {
                    n = 1;
                    o[0] = ow(sz == 2 ? K_ALU32_RI : K_ALU_RI, m & 7, 0, 4 | 8, sz);
                } else {
                    n = modrm(arr, p + 1, m);
                    if (n == 0) return 0;
                    o[0] = ow(K_ALU_MI, 0, 0, 4 | 8, sz);
                }
                if (sz == 0) {
                    if (2 + n > 8) return 0;
                    o[3] = arr[p + 1 + n] & 0xFF;
                    return 2 + n;
                }
                if (5 + n > 8) return 0;
                o[3] = (int) I32.get(arr, p + 1 + n);
                return 5 + n;
            }
            case 0xFE: case 0xFF: {
                int sz = op == 0xFE ? 0 : 2;
                int m = arr[p + 1] & 0xFF;
                int sub = (m >>> 3) & 7;
                if (sub > 1) return 0;
                if (m >= 0xC0) {
                    o[0] = ow(K_INCDEC_R, m & 7, 0, sub, sz);
                    return 2;
                }
                n = modrm(arr, p + 1, m);
                if (n == 0) return 0;
                o[0] = ow(K_INCDEC_M, 0, 0, sub, sz);
                return 1 + n;
            }
            case 0x0F:
                return decode0F(arr, p);
            default:
                return 0;
        }
    }

    private int decode0F(byte[] arr, int p) {
        int[] o = decodeBuf;
        int op = arr[p + 1] & 0xFF;
        if (op >= 0x80 && op <= 0x8F) {
            o[0] = ow(K_JCC, 0, 0, op & 15, 2);
            o[3] = (int) I32.get(arr, p + 2);
            return 6;
        }
        switch (op) {
            case 0xB6: case 0xB7: case 0xBE: case 0xBF: {
                int m = arr[p + 2] & 0xFF;
                int g = (m >>> 3) & 7;
                int f = (op >= 0xBE ? 1 << 26 : 0) | (op & 1) << 27;
                if (m >= 0xC0) {
                    o[0] = ow(K_MOVX_R, g, m & 7, 0, 2) | f;
                    return 3;
                }
                int n = modrm(arr, p + 2, m);
                if (n == 0 || 2 + n > 8) return 0;
                o[0] = ow(K_MOVX_M, g, 0, 0, 2) | f;
                return 2 + n;
            }
            case 0xAF: {
                int m = arr[p + 2] & 0xFF;
                int g = (m >>> 3) & 7;
                if (m >= 0xC0) {
                    o[0] = ow(K_IMUL_RR, g, m & 7, 0, 2);
                    return 3;
                }
                int n = modrm(arr, p + 2, m);
                if (n == 0 || 2 + n > 8) return 0;
                o[0] = ow(K_IMUL_RM, g, 0, 0, 2);
                return 2 + n;
            }
            default:
                return 0;
        }
    }

    /**
     * Decodes a 32-bit memory operand (mod != 3) at arr[q] (the ModR/M byte) into decodeBuf[1]
     * (address word) and [2] (displacement); returns the ModR/M+SIB+displacement length.
     */
    private int modrm(byte[] arr, int q, int m) {
        int[] o = decodeBuf;
        int mod = m >>> 6, rm = m & 7;
        int n = 1;
        int eak, base = 0, idx = 0, scale = 0, seg = DS, disp = 0;
        if (rm == 4) {
            int sib = arr[q + 1] & 0xFF;
            n = 2;
            base = sib & 7;
            idx = (sib >>> 3) & 7;
            scale = sib >>> 6;
            boolean hasBase = !(base == 5 && mod == 0);
            if (hasBase && (base == 4 || base == 5)) seg = SS;
            if (!hasBase) {
                disp = (int) I32.get(arr, q + 2);
                n = 6;
            }
            eak = idx == 4 ? (hasBase ? 1 : 0) : (hasBase ? 2 : 3);
        } else if (rm == 5 && mod == 0) {
            eak = 0;
            disp = (int) I32.get(arr, q + 1);
            n = 5;
        } else {
            eak = 1;
            base = rm;
            if (rm == 5) seg = SS;
        }
        if (mod == 1) {
            disp = arr[q + n];
            n += 1;
        } else if (mod == 2) {
            disp = (int) I32.get(arr, q + n);
            n += 4;
        }
        if (n + 1 > 8) return 0; // opcode + ModR/M.. must fit in the 8 bytes checked
        o[1] = eak | base << 4 | idx << 8 | scale << 12 | seg << 16;
        o[2] = disp;
        return n;
    }
}
