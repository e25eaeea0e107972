package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.CpuState.DS;
import static org.oxen.x86.cpu.internal.CpuState.SS;
import static org.oxen.x86.cpu.internal.Mmu.I32;
import static org.oxen.x86.cpu.internal.Mmu.I64;

/**
 * The decoded-record format of the instruction cache and its decoder: which instructions become
 * records ({@code K_*} kinds: the common 32-bit forms without prefixes, at most 8 bytes), and
 * how one is decoded into a {@link CodePage} record (operation word: kind, length, registers,
 * sub-operation, operand size, dispatch class; address word; displacement; immediate; bytes).
 * {@link Cached} executes records, {@link RegionPlan}/{@link RegionCompiler} translate them.
 *
 * <p>One decoder per CPU (it owns a scratch buffer); not thread-safe.
 */
final class RecordDecoder {

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


    /**
     * Decodes the instruction at offset {@code k} of {@code cp} (bytes at {@code arr[p..]}) into
     * record {@code ri} (0: a new one); returns the record index, or 1 if not cacheable.
     */
    int decode(CodePage cp, int k, byte[] arr, int p, int ri) {
        int[] out = decodeBuf;
        int len = k <= 4096 - 16 ? decodeInsn(arr, p) : 0; // decoding reads up to 15 bytes
        if (len == 0) {
            if (ri == 0) {
                cp.at[k] = 1;
            } else {
                cp.rec[CodePage.REC_WORDS * ri + CodePage.R_OP] = 0; // keeps its index (links to it stay right); kind 0 = interpret
                cp.rec[CodePage.REC_WORDS * ri + CodePage.R_MARK] = 0;
            }
            return 1;
        }
        if (ri == 0) ri = cp.allocate();
        int b = CodePage.REC_WORDS * ri;
        int w0 = out[0], kind = w0 & 0xFF, sub = (w0 >>> 20) & 15;
        int spec = kind == K_ALU32_RR ? SPEC_RR[sub] : kind == K_ALU32_RI ? SPEC_RI[sub]
                : kind == K_JCC && (sub & 0xE) == 4 ? (sub == 4 ? K_JZ : K_JNZ) : 0;
        if (kind == K_MOV_MI) spec = ((w0 >>> 24) & 3) == 2 ? K_MOV32_MI : K_MOV8_MI;
        if (kind == K_MOV_MR && ((w0 >>> 24) & 3) == 0) spec = K_MOV8_MR;
        if (spec != 0) w0 = (w0 & ~0xFF) | spec;
        cp.rec[b + CodePage.R_OP] = w0 | len << 8 | dispatchClass(w0 & 0xFF) << 28;
        cp.rec[b + CodePage.R_ADDR] = out[1];
        cp.rec[b + CodePage.R_DISP] = out[2];
        cp.rec[b + CodePage.R_IMM] = out[3];
        cp.rec[b + CodePage.R_NEXT] = 0;
        cp.rec[b + CodePage.R_MARK] = 0;
        cp.rec[b + CodePage.R_TARGET] = 0;
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
