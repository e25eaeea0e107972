package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.Mmu.I16;
import static org.oxen.x86.cpu.internal.Mmu.I32;
import static org.oxen.x86.cpu.internal.Mmu.I64;

/**
 * The decoded-record format of the instruction cache and its decoder: which instructions become
 * records ({@code K_*} kinds: the common 32-bit forms, without prefixes but a segment override, a
 * moffs' 67 and a MOV's or a shift's 66, at most 8 bytes), and
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
            K_OR32_RI = 52, K_TEST32_RI = 53, K_MOV32_MI = 54, K_MOV8_MI = 55, K_MOV8_MR = 56,
            K_GRP3_R = 57, K_GRP3_M = 58, K_SETCC_R = 59, K_SETCC_M = 60, K_CMOV_R = 61, K_CMOV_M = 62;

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
        int w0 = out[CodePage.R_OP], kind = CodePage.kind(w0), sub = CodePage.operation(w0);
        int spec = kind == K_ALU32_RR ? SPEC_RR[sub] : kind == K_ALU32_RI ? SPEC_RI[sub] : 0;
        if (kind == K_MOV_MI) spec = CodePage.size(w0) == 2 ? K_MOV32_MI : K_MOV8_MI;
        if (kind == K_MOV_MR && CodePage.size(w0) == 0) spec = K_MOV8_MR;
        if (spec != 0) w0 = CodePage.withKind(w0, spec);
        cp.rec[b + CodePage.R_OP] = CodePage.complete(w0, len, dispatchClass(CodePage.kind(w0)));
        cp.rec[b + CodePage.R_ADDR] = out[CodePage.R_ADDR];
        cp.rec[b + CodePage.R_DISP] = out[CodePage.R_DISP];
        cp.rec[b + CodePage.R_IMM] = out[CodePage.R_IMM];
        cp.rec[b + CodePage.R_FORM] = form;
        cp.rec[b + CodePage.R_NEXT] = 0;
        cp.rec[b + CodePage.R_MARK] = 0;
        cp.rec[b + CodePage.R_TARGET] = 0;
        cp.raw[ri] = (long) I64.get(arr, p) & (-1L >>> (64 - 8 * len));
        cp.at[k] = (char) ri;
        return ri;
    }

    /** The decoded words, at their record word indices ({@code CodePage.R_OP} .. {@code R_IMM}). */
    private final int[] decodeBuf = new int[CodePage.R_IMM + 1];
    /** The form of the instruction decodeInsn decoded last. */
    private int form;

    /**
     * Which dispatch site of the fast loop runs a kind: 1 branches, 2 32-bit register ALU, 3 other
     * register kinds, 4 memory kinds, 0 the rest. Several sites predict better than one switch.
     */
    static int dispatchClass(int kind) {
        switch (kind) {
            case K_JCC: case K_JMP: return 1;
            case K_MOV32_RR: case K_MOV32_RI: case K_LEA: case K_INC_R: case K_DEC_R: case K_SHIFT32_RI: return 3;
            case K_MOV32_RM: case K_MOV32_MR: case K_ALU32_RM: case K_ALU32_MR: case K_ALU32_MI: case K_MOVX_M:
            case K_MOV32_MI: case K_MOV8_MI: case K_MOV8_MR: return 4;
            default: return kind >= K_ADD32_RR && kind <= K_TEST32_RI ? 2 : 0;
        }
    }

    /**
     * Decodes one instruction at arr[p] into decodeBuf; returns its length (&le; 8) or 0 (not
     * a record). Everything comes from the table of forms: the form of the opcode (a group's by
     * its reg field), the record kind of its register or memory form ({@link Forms#CACHE_REG},
     * {@link Forms#CACHE_MEM}; 0: the interpreter runs it), the length ({@link Forms#length}),
     * the registers of its operands, its operation, and its immediate by operand form. The
     * memory form of a moffs operand (Ob, Ov: MOV AL/eAX to and from a displacement, A0-A3) is
     * its form's memory kind with a displacement-only address. Prefixes a record takes: one
     * segment override on a memory form (its segment goes into the address word) and, on a
     * moffs form, 67 (a 16-bit moffs, zero-extended: the same address as a disp32 of that
     * value); any other prefix leaves the instruction to the interpreter. The one form outside
     * the table: 66 90 (XCHG AX,AX), the two-byte NOP compilers pad with.
     */
    private int decodeInsn(byte[] arr, int p) {
        int[] o = decodeBuf;
        o[CodePage.R_ADDR] = o[CodePage.R_DISP] = o[CodePage.R_IMM] = 0;
        int op = arr[p] & 0xFF;
        if (op == 0x66 && (arr[p + 1] & 0xFF) == 0x90) {
            o[CodePage.R_OP] = CodePage.opWord(K_NOP, 0, 0, 0, 2);
            form = Forms.ONE[0x90];
            return 2;
        }
        int seg = -1, opAt = p;
        boolean addr16 = false, word = false;
        for (;;) { // at most one segment override, one 67 and one 66, in any order
            int s = Forms.SEGMENT_OVERRIDE[op];
            if (s >= 0 && seg < 0) {
                seg = s;
            } else if (op == 0x67 && !addr16) {
                addr16 = true;
            } else if (op == 0x66 && !word) {
                word = true;
            } else {
                break;
            }
            op = arr[++opAt] & 0xFF;
        }
        if (Forms.PREFIX[op]) return 0;
        int q = opAt + 1; // the byte after the opcode
        int f;
        boolean hasModrm;
        if (op == 0x0F) {
            op = arr[q++] & 0xFF;
            hasModrm = Forms.TWO_MODRM[op];
            f = hasModrm ? Forms.twoByte(op, arr[q] & 0xFF) : Forms.TWO[op];
        } else {
            hasModrm = Forms.ONE_MODRM[op];
            f = hasModrm ? Forms.oneByte(op, arr[q] & 0xFF) : Forms.ONE[op];
        }
        int o1 = Forms.OP1[f], o2 = Forms.OP2[f], o3 = Forms.OP3[f];
        boolean moffs = Forms.method(o1) == Forms.A_O || Forms.method(o2) == Forms.A_O;
        int m = hasModrm ? arr[q] & 0xFF : 0xC0;
        boolean memory = hasModrm ? m < 0xC0 : moffs;
        if (addr16 && !moffs || seg >= 0 && !memory) return 0;
        int kind = memory ? Forms.CACHE_MEM[f] : Forms.CACHE_REG[f];
        if (word) kind = Forms.type(o1) == Forms.T_V || Forms.type(o2) == Forms.T_V ? wordKind(kind) : 0;
        if (kind == 0) return 0;
        form = f;
        int len = Forms.length(arr, p);
        if (len > 8) return 0; // the record keeps at most 8 bytes
        if (moffs) {
            moffs(arr, q, addr16, seg);
        } else if (memory) {
            modrm(arr, q, m, seg);
        }
        int handler = Forms.HANDLER[f];
        int opw = CodePage.opWord(kind, register(o1, op, m), register(o2, op, m), Forms.OPERATION[f],
                word ? 1 : dataSize(o1));
        if ((handler == Forms.H_IMUL_GEI) || o2 == Forms.CL || (handler == Forms.H_MOVX && Forms.OPERATION[f] != 0)) {
            opw |= CodePage.VARIANT;
        }
        if (handler == Forms.H_MOVX && Forms.type(o2) == Forms.T_W) opw |= CodePage.WORD_SOURCE;
        o[CodePage.R_OP] = opw;
        int imm = o3 != Forms.NO ? o3 : isImmediate(o2) ? o2 : isImmediate(o1) ? o1 : Forms.NO;
        if (imm != Forms.NO) {
            int at = p + len - (Forms.type(imm) == Forms.T_B || Forms.type(imm) == Forms.T_BS ? 1 : 4);
            switch (Forms.type(imm)) {
                case Forms.T_B: o[CodePage.R_IMM] = Forms.method(imm) == Forms.A_J ? arr[at] : arr[at] & 0xFF; break;
                case Forms.T_BS: o[CodePage.R_IMM] = arr[at]; break;
                default: o[CodePage.R_IMM] = (int) I32.get(arr, at); break;
            }
        } else if (o2 == Forms.ONE_) {
            o[CodePage.R_IMM] = 1;
        }
        return len;
    }

    /**
     * With 66, the record kind of a form whose 32-bit kind is {@code kind}: the sized kind of the
     * same MOV (MOV Ev,Gv / Gv,Ev, and eAX to and from a moffs) or shift (group 2's Ev forms by
     * an immediate, by 1 and by CL, register or memory), 16-bit: operand size 1, which the sized
     * kinds and their translation honour; 0 for every other form (the interpreter's).
     */
    private static int wordKind(int kind) {
        switch (kind) {
            case K_MOV32_RR: return K_MOV_RR;
            case K_MOV32_RM: return K_MOV_RM;
            case K_MOV32_MR: return K_MOV_MR;
            case K_SHIFT32_RI: case K_SHIFT_R: return K_SHIFT_R;
            case K_SHIFT_M: return K_SHIFT_M;
            default: return 0;
        }
    }

    private static boolean isImmediate(int o) {
        int a = Forms.method(o);
        return a == Forms.A_I || a == Forms.A_J;
    }

    /** The register an operand names (E in the register form, G, Z, AL/eAX), else 0. */
    private static int register(int o, int op, int m) {
        switch (Forms.method(o)) {
            case Forms.A_E: return m >= 0xC0 ? m & 7 : 0;
            case Forms.A_G: return (m >>> 3) & 7;
            case Forms.A_Z: return op & 7;
            default: return 0;
        }
    }

    /** A record's operand size without 66: 0 for a byte form (Eb, Gb, Zb, AL, Ob), else 2. */
    private static int dataSize(int o1) {
        int a = Forms.method(o1);
        boolean data = a == Forms.A_E || a == Forms.A_G || a == Forms.A_Z || a == Forms.A_FIXED || a == Forms.A_O;
        return data && Forms.size(o1, 2) == 0 ? 0 : 2;
    }

    /**
     * A moffs operand at arr[q] (4 bytes, or 2 with {@code addr16}) into decodeBuf's address word
     * (displacement only; segment {@code seg}, or DS when it is -1) and displacement.
     */
    private void moffs(byte[] arr, int q, boolean addr16, int seg) {
        int[] o = decodeBuf;
        o[CodePage.R_ADDR] = CodePage.addressWord(0, 0, 0, 0, seg >= 0 ? seg : CpuState.DS);
        o[CodePage.R_DISP] = addr16 ? (char) (short) I16.get(arr, q) : (int) I32.get(arr, q);
    }

    /**
     * Decodes a 32-bit memory operand (mod != 3) at arr[q] (the ModR/M byte) into decodeBuf's address
     * word (segment {@code seg}, or the operand's default when it is -1) and displacement.
     */
    private void modrm(byte[] arr, int q, int m, int seg) {
        int[] o = decodeBuf;
        int mod = m >>> 6, rm = m & 7;
        int sib = rm == 4 ? arr[q + 1] & 0xFF : 0;
        int n = rm == 4 ? 2 : 1;
        int eak = Forms.addressForm32(mod, rm, sib), base = Forms.baseRegister32(rm, sib);
        int disp = 0;
        if (!Forms.hasBase(eak)) {
            disp = (int) I32.get(arr, q + n);
            n += 4;
        }
        if (mod == 1) {
            disp = arr[q + n];
        } else if (mod == 2) {
            disp = (int) I32.get(arr, q + n);
        }
        o[CodePage.R_ADDR] = CodePage.addressWord(eak, base, (sib >>> 3) & 7, sib >>> 6,
                seg >= 0 ? seg : Forms.defaultSegment32(eak, base));
        o[CodePage.R_DISP] = disp;
    }
}
