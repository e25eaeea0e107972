package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.RecordDecoder.*;

/**
 * The one table of instruction forms: every opcode of the one-byte map, the 0F map and the
 * ModR/M groups, written as rows in the Intel manual's operand notation (SDM Vol. 2, Appendix
 * A.2; the shape of QEMU's {@code target/i386/tcg/decode-new.c.inc} and Bochs'
 * {@code cpu/decoder/ia_opcodes.def}):
 *
 * <pre>
 *   one(0x01, "add", H_ALU_EG, ALU_ADD, Ev, Gv, LOCK, W_OSZAPC, 0, K_ALU32_RR, K_ALU32_MR);
 * </pre>
 *
 * reads "opcode 01 is ADD Ev,Gv: the interpreter runs it with handler H_ALU_EG and operation
 * ADD; LOCK may prefix it (memory destination); it writes OF SF ZF AF PF CF and reads none; the
 * decoded-instruction cache makes a K_ALU32_RR record of the register form and a K_ALU32_MR
 * record of the memory form (32-bit operand size, no prefixes), and the translator compiles
 * those record kinds". Each row is a form: an index into the parallel arrays below.
 *
 * <p>Who consults it: the interpreter ({@code Exec.step}) recognises prefixes by {@link #PREFIX},
 * looks the opcode up in {@link #ONE}/{@link #TWO}, resolves a group by the ModR/M reg field
 * ({@link #group}) and dispatches on the form's {@link #HANDLER} with its {@link #OPERATION}
 * and operand forms; LOCK legality is the {@link #LOCK} attribute. The record decoder
 * ({@link RecordDecoder}) computes an instruction's length and fields from the operand forms
 * and takes the record kind from {@link #CACHE_REG}/{@link #CACHE_MEM}; the cache
 * ({@code Cached}) and the translator ({@code RegionCompiler}) dispatch on those kinds. So adding
 * or fixing an instruction is a row here and one semantic routine.
 *
 * <p>Operand forms: an addressing method (E G I J M O S C D R A X Y Z, or a fixed register)
 * and a type (b byte, w word, d dword, v word/dword by operand size, z immediate word/dword by
 * operand size, p far pointer, a BOUND pair, bs byte sign-extended to the operand size).
 * {@code Z} is the register in the opcode's low three bits (QEMU's "LoBits").
 *
 * <p>Immutable after class initialisation; shared by all CPUs.
 */
final class Forms {

    private Forms() {
    }

    // ---- operand forms: method << 4 | type ----

    static final int T_B = 1, T_W = 2, T_D = 3, T_V = 4, T_Z = 5, T_P = 6, T_A = 7, T_BS = 8, T_Q = 9;
    static final int A_E = 1, A_G = 2, A_I = 3, A_J = 4, A_M = 5, A_O = 6, A_S = 7, A_C = 8, A_D = 9, A_R = 10,
            A_A = 11, A_X = 12, A_Y = 13, A_Z = 14, A_FIXED = 15;

    static final int NO = 0;
    static final int Eb = A_E << 4 | T_B, Ew = A_E << 4 | T_W, Ev = A_E << 4 | T_V, Ed = A_E << 4 | T_D;
    static final int Gb = A_G << 4 | T_B, Gw = A_G << 4 | T_W, Gv = A_G << 4 | T_V;
    static final int Ib = A_I << 4 | T_B, Iw = A_I << 4 | T_W, Iz = A_I << 4 | T_Z, Ibs = A_I << 4 | T_BS;
    static final int Jb = A_J << 4 | T_B, Jz = A_J << 4 | T_Z;
    static final int M = A_M << 4, Mp = A_M << 4 | T_P, Ma = A_M << 4 | T_A, Mq = A_M << 4 | T_Q;
    static final int Ob = A_O << 4 | T_B, Ov = A_O << 4 | T_V;
    static final int Sw = A_S << 4 | T_W, Cd = A_C << 4 | T_D, Dd = A_D << 4 | T_D, Rd = A_R << 4 | T_D;
    static final int Ap = A_A << 4 | T_P;
    static final int Xb = A_X << 4 | T_B, Xv = A_X << 4 | T_V, Yb = A_Y << 4 | T_B, Yv = A_Y << 4 | T_V;
    static final int Zb = A_Z << 4 | T_B, Zv = A_Z << 4 | T_V, Zd = A_Z << 4 | T_D;
    /** Fixed operands: AL, CL, DX (port), eAX, the constant 1 (shift count), segment registers. */
    static final int AL = A_FIXED << 4, CL = A_FIXED << 4 | 1, DX = A_FIXED << 4 | 2, eAX = A_FIXED << 4 | 3,
            ONE_ = A_FIXED << 4 | 4, ES_ = A_FIXED << 4 | 8, CS_ = A_FIXED << 4 | 9, SS_ = A_FIXED << 4 | 10,
            DS_ = A_FIXED << 4 | 11, FS_ = A_FIXED << 4 | 12, GS_ = A_FIXED << 4 | 13;

    static int method(int operand) {
        return operand >>> 4;
    }

    static int type(int operand) {
        return operand & 15;
    }

    // ---- attributes ----

    /** LOCK may prefix the form when its destination is memory (SDM Vol. 2, LOCK). */
    static final int LOCK = 1;
    /** A string instruction: REP/REPE/REPNE repeat it. */
    static final int REP = 2;
    /** REPE/REPNE also test ZF (CMPS, SCAS). */
    static final int REPZ = 4;
    /** A prefix byte, not an instruction. */
    static final int PREFIX_BYTE = 8;
    /** Privileged: #GP(0) at CPL &gt; 0 (or checked against IOPL by its routine). */
    static final int PRIV = 16;
    /** Ends a basic block (control transfer). */
    static final int BRANCH = 32;
    /** The form's routine reads the ModR/M byte itself (x87 escapes, the system groups in {@code Sys}). */
    static final int OWN_MODRM = 64;
    /**
     * The form writes its flags only when its masked count is not 0 (SDM Vol. 2, SAL/SAR/SHL/SHR,
     * RCL/RCR/ROL/ROR, SHLD/SHRD: "if the count is 0, the flags are not affected"); every other
     * form writes each flag of its written column whenever it completes.
     */
    static final int COUNT_FLAGS = 128;

    // flags (EFLAGS bits) a form reads or writes
    static final int W_OSZAPC = CpuState.ARITH, W_OSZAP = CpuState.ARITH & ~CpuState.CF,
            W_CF = CpuState.CF, W_ZF = CpuState.ZF, R_CF = CpuState.CF, R_ZF = CpuState.ZF, R_DF = CpuState.DF,
            W_ALL = -1, R_ALL = -1, R_CC = -2;

    // ---- interpreter handlers (semantic routines keyed by operand shape, as Bochs' ADD_EbGbM) ----

    static final int H_UD = 0, H_PREFIX = 1, H_ESC0F = 2,
            H_ALU_EG = 3, H_ALU_GE = 4, H_ALU_AI = 5, H_ALU_EI = 6,
            H_INC_Z = 7, H_DEC_Z = 8, H_INCDEC_E = 9,
            H_PUSH_Z = 10, H_POP_Z = 11, H_PUSH_I = 12, H_PUSH_E = 13, H_POP_E = 14, H_PUSH_SEG = 15, H_POP_SEG = 16,
            H_PUSHA = 17, H_POPA = 18, H_BOUND = 19, H_ARPL = 20, H_IMUL_GEI = 21, H_IMUL_GE = 22,
            H_STRING = 23, H_JCC = 24, H_XCHG_EG = 25, H_XCHG_Z = 26, H_NOP = 27,
            H_MOV_EG = 28, H_MOV_GE = 29, H_MOV_ES = 30, H_LEA = 31, H_MOV_SE = 32, H_MOV_AO = 33, H_MOV_OA = 34,
            H_MOV_ZI = 35, H_MOV_EI = 36, H_CBW = 37, H_CWD = 38, H_CALL_AP = 39, H_JMP_AP = 40, H_FWAIT = 41,
            H_PUSHF = 42, H_POPF = 43, H_SAHF = 44, H_LAHF = 45, H_SHIFT = 46, H_RET = 47, H_LOAD_FAR = 48,
            H_ENTER = 49, H_LEAVE = 50, H_RETF = 51, H_INT3 = 52, H_INT = 53, H_INTO = 54, H_IRET = 55,
            H_AAM = 56, H_AAD = 57, H_SALC = 58, H_XLAT = 59, H_X87 = 60, H_LOOP = 61, H_IN = 62, H_OUT = 63,
            H_CALL_J = 64, H_JMP_J = 65, H_INT1 = 66, H_HLT = 67, H_CMC = 68, H_CLC = 69, H_STC = 70, H_CLI = 71,
            H_STI = 72, H_CLD = 73, H_STD = 74, H_NOT = 75, H_NEG = 76, H_MUL = 77, H_DIV = 78, H_CALL_E = 79,
            H_CALLF_M = 80, H_JMP_E = 81, H_JMPF_M = 82, H_DAA = 83, H_DAS = 84, H_AAA = 85, H_AAS = 86,
            H_GRP6 = 87, H_GRP7 = 88, H_LAR = 89, H_LSL = 90, H_CLTS = 91, H_INVD = 92, H_NOP_E = 93,
            H_MOV_CRDR = 94, H_WRMSR = 95, H_RDTSC = 96, H_RDMSR = 97, H_SYSENTER = 98, H_SYSEXIT = 99,
            H_CMOV = 100, H_SETCC = 101, H_CPUID = 102, H_BT_EG = 103, H_BT_EI = 104, H_SHD = 105,
            H_GRP15 = 106, H_CMPXCHG = 107, H_MOVX = 108, H_BSF = 109, H_BSR = 110, H_XADD = 111,
            H_CMPXCHG8B = 112, H_BSWAP = 113;

    /**
     * The interpreter's dispatch groups: its first switch picks a group ({@link #DISPATCH}), a
     * second one in the group's method picks the handler. Each group's method stays small enough
     * for C2 to compile its hot handlers into it (one switch over every handler exceeded the
     * JIT's inlining budget, DesiredMethodLimit, before it reached the hottest cases).
     */
    static final int D_ARITH = 0, D_MOVE = 1, D_STACK = 2, D_BRANCH = 3, D_OTHER = 4;

    /** The dispatch group of handler {@code h}. */
    static int dispatchGroup(int h) {
        switch (h) {
            case H_ALU_EG: case H_ALU_GE: case H_ALU_AI: case H_ALU_EI: case H_INC_Z: case H_DEC_Z:
            case H_INCDEC_E: case H_IMUL_GEI: case H_IMUL_GE: case H_SHIFT: case H_NOT: case H_NEG:
            case H_MUL: case H_DIV: case H_CBW: case H_CWD: case H_BT_EG: case H_BT_EI: case H_SHD:
            case H_CMPXCHG: case H_BSF: case H_BSR: case H_XADD:
                return D_ARITH;
            case H_MOV_EG: case H_MOV_GE: case H_MOV_ES: case H_LEA: case H_MOV_SE: case H_MOV_AO:
            case H_MOV_OA: case H_MOV_ZI: case H_MOV_EI: case H_CMOV: case H_SETCC: case H_MOVX:
            case H_XCHG_EG: case H_XCHG_Z: case H_NOP: case H_NOP_E: case H_BSWAP:
                return D_MOVE;
            case H_PUSH_Z: case H_POP_Z: case H_PUSH_I: case H_PUSH_E: case H_POP_E: case H_PUSH_SEG:
            case H_POP_SEG: case H_PUSHA: case H_POPA: case H_PUSHF: case H_POPF: case H_ENTER: case H_LEAVE:
                return D_STACK;
            case H_JCC: case H_CALL_J: case H_JMP_J: case H_RET: case H_CALL_E: case H_JMP_E: case H_LOOP:
                return D_BRANCH;
            default:
                return D_OTHER;
        }
    }

    // ALU operations (Alu.alu's numbering; +8: the result is not stored, CMP and TEST)
    static final int ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6,
            ALU_CMP = 15, ALU_TEST = 12;

    // ---- the table ----

    private static final int MAX_FORMS = 512;
    /** Mnemonic of each form (lower case, as GNU objdump prints it in Intel syntax). */
    static final String[] NAME = new String[MAX_FORMS];
    /** Interpreter handler ({@code H_*}). */
    static final int[] HANDLER = new int[MAX_FORMS];
    /** The interpreter's dispatch group of the form's handler ({@link #dispatchGroup}). */
    static final byte[] DISPATCH = new byte[MAX_FORMS];
    /** The operation the handler performs: ALU op, shift kind, condition code, segment, string op. */
    static final int[] OPERATION = new int[MAX_FORMS];
    /** Operands (operand-form codes), first to third. */
    static final int[] OP1 = new int[MAX_FORMS], OP2 = new int[MAX_FORMS], OP3 = new int[MAX_FORMS];
    /**
     * Operand size of the first and second operand as the interpreter takes it: 0 byte, 1 word,
     * 2 dword, -1 by the operand size (v, z). Precomputed from the operand forms ({@link #size}).
     */
    static final byte[] SIZE1 = new byte[MAX_FORMS], SIZE2 = new byte[MAX_FORMS];
    /** For a form with a Z operand: the register in the opcode's low three bits. */
    static final int[] ZREG = new int[MAX_FORMS];
    /** Attribute bits ({@link #LOCK}, {@link #REP}, ...). */
    static final int[] ATTR = new int[MAX_FORMS];
    /**
     * EFLAGS bits written (W_ALL: any, e.g. POPF) and read ({@link #R_CC}: by the condition code,
     * {@link Flags#reads}); from the SDM's per-instruction "Flags Affected", where an undefined
     * flag counts as written when this CPU writes it (IMUL's SF/ZF/PF, a shift's AF) and as not
     * written when it keeps it (BT's OF/SF/AF/PF). Written means written whenever the instruction
     * completes (with {@link #COUNT_FLAGS}: whenever its count is not 0), so the translator's flag
     * liveness may treat the column as what the form overwrites.
     */
    static final int[] FLAGS_WRITTEN = new int[MAX_FORMS], FLAGS_READ = new int[MAX_FORMS];
    /** Record kind the decoded-instruction cache makes of the register (mod = 3 or no ModR/M) and memory form; 0 = interpreter only. */
    static final int[] CACHE_REG = new int[MAX_FORMS], CACHE_MEM = new int[MAX_FORMS];

    /** Form of each one-byte opcode; a negative value is a group: see {@link #group}. */
    static final short[] ONE = new short[256];
    /** Form of each 0F xx opcode; negative: a group. */
    static final short[] TWO = new short[256];
    /** The 8 forms (by ModR/M reg) of each group: {@code GROUPS[8 * g + reg]}. */
    private static final short[] GROUPS = new short[8 * 24];
    /** The prefix bytes (the interpreter's first test). */
    static final boolean[] PREFIX = new boolean[256];
    /** The segment register a prefix byte selects (26 ES, 2E CS, 36 SS, 3E DS, 64 FS, 65 GS), else -1. */
    static final byte[] SEGMENT_OVERRIDE = new byte[256];
    /** Whether a form (or group) decodes a ModR/M byte. */
    static final boolean[] ONE_MODRM = new boolean[256], TWO_MODRM = new boolean[256];
    /**
     * Whether the interpreter's dispatcher reads the ModR/M byte before the form's routine runs:
     * every form with one but those marked {@link #OWN_MODRM} (a group's is read to choose its form).
     */
    static final boolean[] ONE_READS_MODRM = new boolean[256], TWO_READS_MODRM = new boolean[256];

    private static int forms = 1; // form 0: invalid opcode (#UD)
    private static int groups;

    /** The form of group {@code g} (a negative ONE/TWO entry) for ModR/M byte {@code modrm}. */
    static int group(int g, int modrm) {
        return GROUPS[8 * (-1 - g) + ((modrm >>> 3) & 7)];
    }

    /** The form of the one-byte opcode {@code op} with ModR/M {@code modrm} (when it is a group). */
    static int oneByte(int op, int modrm) {
        int f = ONE[op];
        return f < 0 ? group(f, modrm) : f;
    }

    static int twoByte(int op, int modrm) {
        int f = TWO[op];
        return f < 0 ? group(f, modrm) : f;
    }

    /** Operand size code (0 byte, 1 word, 2 dword) of operand {@code o} at operand size {@code osz}. */
    static int size(int o, int osz) {
        if (method(o) == A_FIXED) {
            return o == AL || o == CL ? 0 : o == DX ? 1 : osz;
        }
        switch (type(o)) {
            case T_B: return 0;
            case T_W: return 1;
            case T_D: return 2;
            default: return osz;
        }
    }

    /** Bytes of immediate (and relative, moffs, far pointer) operands of form {@code f}. */
    static int immediateBytes(int f, boolean op32, boolean addr32) {
        return operandBytes(OP1[f], op32, addr32) + operandBytes(OP2[f], op32, addr32)
                + operandBytes(OP3[f], op32, addr32);
    }

    private static int operandBytes(int o, boolean op32, boolean addr32) {
        switch (method(o)) {
            case A_I: case A_J:
                switch (type(o)) {
                    case T_B: case T_BS: return 1;
                    case T_W: return 2;
                    default: return op32 ? 4 : 2;
                }
            case A_O: return addr32 ? 4 : 2;
            case A_A: return op32 ? 6 : 4;
            default: return 0;
        }
    }

    /**
     * Length of the instruction at {@code code[p]} in 32-bit code (prefixes included, at most
     * 14 of them), by the table: opcode, ModR/M (+ SIB + displacement), immediates. An invalid
     * opcode counts as its opcode bytes and ModR/M.
     */
    static int length(byte[] code, int p) {
        int i = p;
        boolean op32 = true, addr32 = true;
        while (PREFIX[code[i] & 0xFF] && i - p < 14) {
            if (code[i] == 0x66) op32 = false;
            if (code[i] == 0x67) addr32 = false;
            i++;
        }
        int op = code[i++] & 0xFF;
        int f;
        boolean modrm;
        if (op == 0x0F) {
            op = code[i++] & 0xFF;
            f = TWO[op];
            modrm = TWO_MODRM[op];
        } else {
            f = ONE[op];
            modrm = ONE_MODRM[op];
        }
        if (modrm) {
            int m = code[i] & 0xFF;
            if (f < 0) f = group(f, m);
            // MOV to and from CR/DR: the r/m field is a register whatever the mod bits say
            i += method(OP1[f]) == A_R || method(OP2[f]) == A_R ? 1 : modrmLength(code, i, addr32);
        }
        return i - p + immediateBytes(f, op32, addr32);
    }

    /** Bytes of the ModR/M byte at {@code code[q]}, its SIB byte and displacement. */
    static int modrmLength(byte[] code, int q, boolean addr32) {
        int m = code[q] & 0xFF, mod = m >>> 6, rm = m & 7;
        if (mod == 3) return 1;
        if (!addr32) return mod == 1 ? 2 : mod == 2 || rm == 6 ? 3 : 1;
        int form = addressForm32(mod, rm, rm == 4 ? code[q + 1] & 0xFF : 0);
        return (rm == 4 ? 2 : 1) + (hasBase(form) ? 0 : 4) + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
    }

    // ---- 32-bit memory operands: what the interpreter's decoder (Decode.ea32), the record
    // decoder (RecordDecoder.modrm) and the length decoder read from ModR/M and SIB ----

    /**
     * The address form (0 disp32, 1 base + disp, 2 base + index * 2^scale + disp, 3 index *
     * 2^scale + disp32: {@link #hasBase}, {@link #hasIndex}, {@link Semantics#effectiveAddress}) of a 32-bit memory operand (mod != 3) with ModR/M fields
     * {@code mod} and {@code rm} and, when rm is 4, its SIB byte {@code sib}.
     */
    static int addressForm32(int mod, int rm, int sib) {
        if (rm != 4) return rm == 5 && mod == 0 ? 0 : 1;
        boolean base = (sib & 7) != 5 || mod != 0, index = ((sib >>> 3) & 7) != 4;
        return index ? (base ? 2 : 3) : (base ? 1 : 0);
    }

    /** Whether an address form has a base register (without one, a disp32 follows ModR/M and SIB). */
    static boolean hasBase(int form) {
        return form == 1 || form == 2;
    }

    /** Whether an address form has an index register. */
    static boolean hasIndex(int form) {
        return form >= 2;
    }

    /** The base register of a 32-bit memory operand: rm, or the SIB byte's base when rm is 4. */
    static int baseRegister32(int rm, int sib) {
        return rm == 4 ? sib & 7 : rm;
    }

    /** The segment of a 32-bit memory operand without an override: SS with base EBP or ESP, else DS. */
    static int defaultSegment32(int form, int base) {
        return hasBase(form) && (base == 4 || base == 5) ? CpuState.SS : CpuState.DS;
    }

    static boolean hasModrm(int o) {
        switch (method(o)) {
            case A_E: case A_G: case A_M: case A_S: case A_C: case A_D: case A_R: return true;
            default: return false;
        }
    }

    // ---- rows ----

    private static int row(String name, int handler, int operation, int op1, int op2, int op3, int attr,
            int written, int read, int cacheReg, int cacheMem) {
        int f = forms++;
        NAME[f] = name;
        HANDLER[f] = handler;
        DISPATCH[f] = (byte) dispatchGroup(handler);
        OPERATION[f] = operation;
        OP1[f] = op1;
        OP2[f] = op2;
        OP3[f] = op3;
        ATTR[f] = attr;
        FLAGS_WRITTEN[f] = written;
        FLAGS_READ[f] = read;
        CACHE_REG[f] = cacheReg;
        CACHE_MEM[f] = cacheMem;
        SIZE1[f] = (byte) (size(op1, 1) == size(op1, 2) ? size(op1, 2) : -1);
        SIZE2[f] = (byte) (size(op2, 1) == size(op2, 2) ? size(op2, 2) : -1);
        return f;
    }

    /** One-byte opcode {@code op} is the form of this row. */
    private static void one(int op, String name, int handler, int operation, int op1, int op2, int attr,
            int written, int read, int cacheReg, int cacheMem) {
        int f = row(name, handler, operation, op1, op2, NO, attr, written, read, cacheReg, cacheMem);
        ONE[op] = (short) f;
        ONE_MODRM[op] = hasModrm(op1) || hasModrm(op2);
        ZREG[f] = op & 7;
    }

    private static void one3(int op, String name, int handler, int op1, int op2, int op3, int written, int cacheReg,
            int cacheMem) {
        ONE[op] = (short) row(name, handler, 0, op1, op2, op3, 0, written, 0, cacheReg, cacheMem);
        ONE_MODRM[op] = true;
    }

    private static void one(int op, String name, int handler) {
        one(op, name, handler, 0, NO, NO, 0, 0, 0, 0, 0);
    }

    private static void two(int op, String name, int handler, int operation, int op1, int op2, int attr,
            int written, int read, int cacheReg, int cacheMem) {
        int f = row(name, handler, operation, op1, op2, NO, attr, written, read, cacheReg, cacheMem);
        TWO[op] = (short) f;
        TWO_MODRM[op] = hasModrm(op1) || hasModrm(op2);
        ZREG[f] = op & 7;
    }

    private static void two(int op, String name, int handler) {
        two(op, name, handler, 0, NO, NO, 0, 0, 0, 0, 0);
    }

    /** A new group; its forms follow with {@link #member}. */
    private static int newGroup() {
        return groups++;
    }

    private static void member(int g, int reg, String name, int handler, int operation, int op1, int op2, int attr,
            int written, int read, int cacheReg, int cacheMem) {
        GROUPS[8 * g + reg] = (short) row(name, handler, operation, op1, op2, NO, attr, written, read, cacheReg,
                cacheMem);
    }

    private static final String[] ALU_NAMES = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    private static final int[] ALU_OPS = {ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP};
    /** Group 2 by reg; /6 is an undocumented alias of /4 (SHL, also called SAL), as objdump names it. */
    private static final String[] SHIFT_NAMES = {"rol", "ror", "rcl", "rcr", "shl", "shr", "shl", "sar"};
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge",
            "le", "g"};

    static {
        // form 0, every encoding the table leaves undefined: #UD, dispatched with the rest of
        // H_UD's group (the arrays' zero would put it in the arithmetic group, which has no case
        // for it: a hypervisor error instead of the guest's #UD)
        NAME[0] = "(bad)";
        HANDLER[0] = H_UD;
        DISPATCH[0] = (byte) dispatchGroup(H_UD);
        // -- 00-3F: the eight ALU operations in six forms each, segment pushes/pops, BCD, prefixes --
        for (int i = 0; i < 8; i++) {
            int base = i << 3, op = ALU_OPS[i];
            String n = ALU_NAMES[i];
            int lock = op == ALU_CMP ? 0 : LOCK;
            int rd = op == ALU_ADC || op == ALU_SBB ? R_CF : 0;
            one(base, n, H_ALU_EG, op, Eb, Gb, lock, W_OSZAPC, rd, K_ALU_RR, K_ALU_MR);
            one(base + 1, n, H_ALU_EG, op, Ev, Gv, lock, W_OSZAPC, rd, K_ALU32_RR, K_ALU32_MR);
            one(base + 2, n, H_ALU_GE, op, Gb, Eb, 0, W_OSZAPC, rd, K_ALU_RR, K_ALU_RM);
            one(base + 3, n, H_ALU_GE, op, Gv, Ev, 0, W_OSZAPC, rd, K_ALU32_RR, K_ALU32_RM);
            one(base + 4, n, H_ALU_AI, op, AL, Ib, 0, W_OSZAPC, rd, K_ALU_RI, 0);
            one(base + 5, n, H_ALU_AI, op, eAX, Iz, 0, W_OSZAPC, rd, K_ALU32_RI, 0);
        }
        int[] segs = {ES_, CS_, SS_, DS_};
        for (int s = 0; s < 4; s++) {
            one(s << 3 | 6, "push", H_PUSH_SEG, s, segs[s], NO, 0, 0, 0, 0, 0);
            if (s != 1) one(s << 3 | 7, "pop", H_POP_SEG, s, segs[s], NO, 0, 0, 0, 0, 0);
        }
        one(0x0F, "(0f)", H_ESC0F);
        for (int p : new int[] {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3}) {
            one(p, "(prefix)", H_PREFIX, 0, NO, NO, PREFIX_BYTE, 0, 0, 0, 0);
            PREFIX[p] = true;
        }
        java.util.Arrays.fill(SEGMENT_OVERRIDE, (byte) -1);
        int[][] overrides = {{0x26, CpuState.ES}, {0x2E, CpuState.CS}, {0x36, CpuState.SS}, {0x3E, CpuState.DS},
            {0x64, CpuState.FS}, {0x65, CpuState.GS}};
        for (int[] o : overrides) SEGMENT_OVERRIDE[o[0]] = (byte) o[1];
        one(0x27, "daa", H_DAA, 0, NO, NO, 0, W_OSZAPC, CpuState.CF | CpuState.AF, 0, 0);
        one(0x2F, "das", H_DAS, 0, NO, NO, 0, W_OSZAPC, CpuState.CF | CpuState.AF, 0, 0);
        one(0x37, "aaa", H_AAA, 0, NO, NO, 0, W_OSZAPC, CpuState.AF, 0, 0);
        one(0x3F, "aas", H_AAS, 0, NO, NO, 0, W_OSZAPC, CpuState.AF, 0, 0);
        // -- 40-7F --
        for (int r = 0; r < 8; r++) {
            one(0x40 + r, "inc", H_INC_Z, 0, Zv, NO, 0, W_OSZAP, 0, K_INC_R, 0);
            one(0x48 + r, "dec", H_DEC_Z, 0, Zv, NO, 0, W_OSZAP, 0, K_DEC_R, 0);
            one(0x50 + r, "push", H_PUSH_Z, 0, Zv, NO, 0, 0, 0, K_PUSH_R, 0);
            one(0x58 + r, "pop", H_POP_Z, 0, Zv, NO, 0, 0, 0, K_POP_R, 0);
        }
        one(0x60, "pusha", H_PUSHA);
        one(0x61, "popa", H_POPA);
        one(0x62, "bound", H_BOUND, 0, Gv, Ma, 0, 0, 0, 0, 0);
        one(0x63, "arpl", H_ARPL, 0, Ew, Gw, 0, W_ZF, 0, 0, 0);
        one(0x68, "push", H_PUSH_I, 0, Iz, NO, 0, 0, 0, K_PUSH_I, 0);
        one3(0x69, "imul", H_IMUL_GEI, Gv, Ev, Iz, W_OSZAPC, K_IMUL_RR, K_IMUL_RM);
        one(0x6A, "push", H_PUSH_I, 0, Ibs, NO, 0, 0, 0, K_PUSH_I, 0);
        one3(0x6B, "imul", H_IMUL_GEI, Gv, Ev, Ibs, W_OSZAPC, K_IMUL_RR, K_IMUL_RM);
        one(0x6C, "ins", H_STRING, 5, Yb, DX, REP | PRIV, 0, R_DF, 0, 0);
        one(0x6D, "ins", H_STRING, 5, Yv, DX, REP | PRIV, 0, R_DF, 0, 0);
        one(0x6E, "outs", H_STRING, 6, DX, Xb, REP | PRIV, 0, R_DF, 0, 0);
        one(0x6F, "outs", H_STRING, 6, DX, Xv, REP | PRIV, 0, R_DF, 0, 0);
        for (int cc = 0; cc < 16; cc++) {
            one(0x70 + cc, "j" + CC[cc], H_JCC, cc, Jb, NO, BRANCH, 0, R_CC, K_JCC, 0);
        }
        // -- 80-8F --
        int[][] grp1 = {{0x80, Eb, Ib}, {0x81, Ev, Iz}, {0x82, Eb, Ib}, {0x83, Ev, Ibs}};
        for (int[] g1 : grp1) {
            int g = newGroup();
            ONE[g1[0]] = (short) (-1 - g);
            ONE_MODRM[g1[0]] = true;
            boolean b = g1[1] == Eb, cached = g1[0] != 0x82;
            for (int i = 0; i < 8; i++) {
                int op = ALU_OPS[i];
                member(g, i, ALU_NAMES[i], H_ALU_EI, op, g1[1], g1[2], op == ALU_CMP ? 0 : LOCK, W_OSZAPC,
                        op == ALU_ADC || op == ALU_SBB ? R_CF : 0,
                        !cached ? 0 : b ? K_ALU_RI : K_ALU32_RI, !cached ? 0 : b ? K_ALU_MI : K_ALU32_MI);
            }
        }
        one(0x84, "test", H_ALU_EG, ALU_TEST, Eb, Gb, 0, W_OSZAPC, 0, K_ALU_RR, K_ALU_MR);
        one(0x85, "test", H_ALU_EG, ALU_TEST, Ev, Gv, 0, W_OSZAPC, 0, K_ALU32_RR, K_ALU_MR);
        one(0x86, "xchg", H_XCHG_EG, 0, Eb, Gb, LOCK, 0, 0, 0, 0);
        one(0x87, "xchg", H_XCHG_EG, 0, Ev, Gv, LOCK, 0, 0, 0, 0);
        one(0x88, "mov", H_MOV_EG, 0, Eb, Gb, 0, 0, 0, K_MOV_RR, K_MOV_MR);
        one(0x89, "mov", H_MOV_EG, 0, Ev, Gv, 0, 0, 0, K_MOV32_RR, K_MOV32_MR);
        one(0x8A, "mov", H_MOV_GE, 0, Gb, Eb, 0, 0, 0, K_MOV_RR, K_MOV_RM);
        one(0x8B, "mov", H_MOV_GE, 0, Gv, Ev, 0, 0, 0, K_MOV32_RR, K_MOV32_RM);
        one(0x8C, "mov", H_MOV_ES, 0, Ev, Sw, 0, 0, 0, 0, 0);
        one(0x8D, "lea", H_LEA, 0, Gv, M, 0, 0, 0, 0, K_LEA);
        one(0x8E, "mov", H_MOV_SE, 0, Sw, Ew, 0, 0, 0, 0, 0);
        int g1a = newGroup();
        ONE[0x8F] = (short) (-1 - g1a);
        ONE_MODRM[0x8F] = true;
        member(g1a, 0, "pop", H_POP_E, 0, Ev, NO, 0, 0, 0, 0, 0);
        // -- 90-BF --
        one(0x90, "nop", H_NOP, 0, NO, NO, 0, 0, 0, K_NOP, 0);
        for (int r = 1; r < 8; r++) one(0x90 + r, "xchg", H_XCHG_Z, 0, Zv, eAX, 0, 0, 0, 0, 0);
        one(0x98, "cwde", H_CBW);
        one(0x99, "cdq", H_CWD);
        one(0x9A, "call", H_CALL_AP, 0, Ap, NO, BRANCH, 0, 0, 0, 0);
        one(0x9B, "fwait", H_FWAIT);
        one(0x9C, "pushf", H_PUSHF, 0, NO, NO, 0, 0, R_ALL, 0, 0);
        one(0x9D, "popf", H_POPF, 0, NO, NO, 0, W_ALL, 0, 0, 0);
        one(0x9E, "sahf", H_SAHF, 0, NO, NO, 0, W_OSZAPC & ~CpuState.OF, 0, 0, 0);
        one(0x9F, "lahf", H_LAHF, 0, NO, NO, 0, 0, CpuState.ARITH & ~CpuState.OF, 0, 0);
        // moffs: MOV r/m's memory kinds with a displacement-only address (RecordDecoder.moffs)
        one(0xA0, "mov", H_MOV_AO, 0, AL, Ob, 0, 0, 0, 0, K_MOV_RM);
        one(0xA1, "mov", H_MOV_AO, 0, eAX, Ov, 0, 0, 0, 0, K_MOV32_RM);
        one(0xA2, "mov", H_MOV_OA, 0, Ob, AL, 0, 0, 0, 0, K_MOV_MR);
        one(0xA3, "mov", H_MOV_OA, 0, Ov, eAX, 0, 0, 0, 0, K_MOV32_MR);
        one(0xA4, "movs", H_STRING, 0, Yb, Xb, REP, 0, R_DF, 0, 0);
        one(0xA5, "movs", H_STRING, 0, Yv, Xv, REP, 0, R_DF, 0, 0);
        one(0xA6, "cmps", H_STRING, 1, Xb, Yb, REP | REPZ, W_OSZAPC, R_DF, 0, 0);
        one(0xA7, "cmps", H_STRING, 1, Xv, Yv, REP | REPZ, W_OSZAPC, R_DF, 0, 0);
        one(0xA8, "test", H_ALU_AI, ALU_TEST, AL, Ib, 0, W_OSZAPC, 0, K_ALU_RI, 0);
        one(0xA9, "test", H_ALU_AI, ALU_TEST, eAX, Iz, 0, W_OSZAPC, 0, K_ALU32_RI, 0);
        one(0xAA, "stos", H_STRING, 2, Yb, AL, REP, 0, R_DF, 0, 0);
        one(0xAB, "stos", H_STRING, 2, Yv, eAX, REP, 0, R_DF, 0, 0);
        one(0xAC, "lods", H_STRING, 3, AL, Xb, REP, 0, R_DF, 0, 0);
        one(0xAD, "lods", H_STRING, 3, eAX, Xv, REP, 0, R_DF, 0, 0);
        one(0xAE, "scas", H_STRING, 4, AL, Yb, REP | REPZ, W_OSZAPC, R_DF, 0, 0);
        one(0xAF, "scas", H_STRING, 4, eAX, Yv, REP | REPZ, W_OSZAPC, R_DF, 0, 0);
        for (int r = 0; r < 8; r++) {
            one(0xB0 + r, "mov", H_MOV_ZI, 0, Zb, Ib, 0, 0, 0, K_MOV_RI, 0);
            one(0xB8 + r, "mov", H_MOV_ZI, 0, Zv, Iz, 0, 0, 0, K_MOV32_RI, 0);
        }
        // -- C0-FF --
        int[][] grp2 = {{0xC0, Eb, Ib}, {0xC1, Ev, Ib}, {0xD0, Eb, ONE_}, {0xD1, Ev, ONE_}, {0xD2, Eb, CL},
            {0xD3, Ev, CL}};
        for (int[] g2 : grp2) {
            int g = newGroup();
            ONE[g2[0]] = (short) (-1 - g);
            ONE_MODRM[g2[0]] = true;
            int op = g2[0];
            int reg = op == 0xD2 ? 0 : op == 0xC1 || op == 0xD1 ? K_SHIFT32_RI : K_SHIFT_R;
            int mem = op == 0xD2 ? 0 : K_SHIFT_M;
            for (int i = 0; i < 8; i++) { // the rotates change CF and OF only
                member(g, i, SHIFT_NAMES[i], H_SHIFT, i, g2[1], g2[2], COUNT_FLAGS,
                        i < 4 ? W_CF | CpuState.OF : W_OSZAPC, i == 2 || i == 3 ? R_CF : 0, reg, mem);
            }
        }
        one(0xC2, "ret", H_RET, 0, Iw, NO, BRANCH, 0, 0, 0, 0);
        one(0xC3, "ret", H_RET, 0, NO, NO, BRANCH, 0, 0, K_RET, 0);
        one(0xC4, "les", H_LOAD_FAR, CpuState.ES, Gv, Mp, 0, 0, 0, 0, 0);
        one(0xC5, "lds", H_LOAD_FAR, CpuState.DS, Gv, Mp, 0, 0, 0, 0, 0);
        int g11b = newGroup(), g11v = newGroup();
        ONE[0xC6] = (short) (-1 - g11b);
        ONE[0xC7] = (short) (-1 - g11v);
        ONE_MODRM[0xC6] = ONE_MODRM[0xC7] = true;
        member(g11b, 0, "mov", H_MOV_EI, 0, Eb, Ib, 0, 0, 0, K_MOV_RI, K_MOV_MI);
        member(g11v, 0, "mov", H_MOV_EI, 0, Ev, Iz, 0, 0, 0, K_MOV_RI, K_MOV_MI);
        one(0xC8, "enter", H_ENTER, 0, Iw, Ib, 0, 0, 0, 0, 0);
        one(0xC9, "leave", H_LEAVE);
        one(0xCA, "retf", H_RETF, 0, Iw, NO, BRANCH, W_ALL, 0, 0, 0);
        one(0xCB, "retf", H_RETF, 0, NO, NO, BRANCH, W_ALL, 0, 0, 0);
        one(0xCC, "int3", H_INT3, 0, NO, NO, BRANCH, W_ALL, 0, 0, 0);
        one(0xCD, "int", H_INT, 0, Ib, NO, BRANCH, W_ALL, 0, 0, 0);
        one(0xCE, "into", H_INTO, 0, NO, NO, BRANCH, W_ALL, CpuState.OF, 0, 0);
        one(0xCF, "iret", H_IRET, 0, NO, NO, BRANCH, W_ALL, 0, 0, 0);
        one(0xD4, "aam", H_AAM, 0, Ib, NO, 0, W_OSZAPC, 0, 0, 0);
        one(0xD5, "aad", H_AAD, 0, Ib, NO, 0, W_OSZAPC, 0, 0, 0);
        one(0xD6, "salc", H_SALC, 0, NO, NO, 0, 0, R_CF, 0, 0);
        one(0xD7, "xlat", H_XLAT);
        for (int op = 0xD8; op <= 0xDF; op++) {
            one(op, "(x87)", H_X87, op & 7, Ev, NO, OWN_MODRM, 0, 0, 0, 0); // the x87 decodes its own ModR/M forms
        }
        one(0xE0, "loopne", H_LOOP, 0, Jb, NO, BRANCH, 0, R_ZF, 0, 0);
        one(0xE1, "loope", H_LOOP, 1, Jb, NO, BRANCH, 0, R_ZF, 0, 0);
        one(0xE2, "loop", H_LOOP, 2, Jb, NO, BRANCH, 0, 0, 0, 0);
        one(0xE3, "jecxz", H_LOOP, 3, Jb, NO, BRANCH, 0, 0, 0, 0);
        one(0xE4, "in", H_IN, 0, AL, Ib, PRIV, 0, 0, 0, 0);
        one(0xE5, "in", H_IN, 0, eAX, Ib, PRIV, 0, 0, 0, 0);
        one(0xE6, "out", H_OUT, 0, Ib, AL, PRIV, 0, 0, 0, 0);
        one(0xE7, "out", H_OUT, 0, Ib, eAX, PRIV, 0, 0, 0, 0);
        one(0xE8, "call", H_CALL_J, 0, Jz, NO, BRANCH, 0, 0, K_CALL, 0);
        one(0xE9, "jmp", H_JMP_J, 0, Jz, NO, BRANCH, 0, 0, K_JMP, 0);
        one(0xEA, "jmp", H_JMP_AP, 0, Ap, NO, BRANCH, 0, 0, 0, 0);
        one(0xEB, "jmp", H_JMP_J, 0, Jb, NO, BRANCH, 0, 0, K_JMP, 0);
        one(0xEC, "in", H_IN, 0, AL, DX, PRIV, 0, 0, 0, 0);
        one(0xED, "in", H_IN, 0, eAX, DX, PRIV, 0, 0, 0, 0);
        one(0xEE, "out", H_OUT, 0, DX, AL, PRIV, 0, 0, 0, 0);
        one(0xEF, "out", H_OUT, 0, DX, eAX, PRIV, 0, 0, 0, 0);
        one(0xF1, "int1", H_INT1, 0, NO, NO, BRANCH, W_ALL, 0, 0, 0);
        one(0xF4, "hlt", H_HLT, 0, NO, NO, PRIV, 0, 0, 0, 0);
        one(0xF5, "cmc", H_CMC, 0, NO, NO, 0, W_CF, R_CF, 0, 0);
        for (int[] g3 : new int[][] {{0xF6, Eb, Ib}, {0xF7, Ev, Iz}}) {
            int g = newGroup();
            ONE[g3[0]] = (short) (-1 - g);
            ONE_MODRM[g3[0]] = true;
            boolean b = g3[1] == Eb;
            member(g, 0, "test", H_ALU_EI, ALU_TEST, g3[1], g3[2], 0, W_OSZAPC, 0, b ? K_ALU_RI : K_ALU32_RI, K_ALU_MI);
            member(g, 1, "test", H_ALU_EI, ALU_TEST, g3[1], g3[2], 0, W_OSZAPC, 0, 0, 0);
            member(g, 2, "not", H_NOT, 2, g3[1], NO, LOCK, 0, 0, K_GRP3_R, K_GRP3_M);
            member(g, 3, "neg", H_NEG, 3, g3[1], NO, LOCK, W_OSZAPC, 0, K_GRP3_R, K_GRP3_M);
            member(g, 4, "mul", H_MUL, 4, g3[1], NO, 0, W_OSZAPC, 0, K_GRP3_R, K_GRP3_M);
            member(g, 5, "imul", H_MUL, 5, g3[1], NO, 0, W_OSZAPC, 0, K_GRP3_R, K_GRP3_M);
            member(g, 6, "div", H_DIV, 6, g3[1], NO, 0, W_OSZAPC, 0, K_GRP3_R, K_GRP3_M);
            member(g, 7, "idiv", H_DIV, 7, g3[1], NO, 0, W_OSZAPC, 0, K_GRP3_R, K_GRP3_M);
        }
        one(0xF8, "clc", H_CLC, 0, NO, NO, 0, W_CF, 0, 0, 0);
        one(0xF9, "stc", H_STC, 0, NO, NO, 0, W_CF, 0, 0, 0);
        one(0xFA, "cli", H_CLI, 0, NO, NO, PRIV, CpuState.IF, 0, 0, 0);
        one(0xFB, "sti", H_STI, 0, NO, NO, PRIV, CpuState.IF, 0, 0, 0);
        one(0xFC, "cld", H_CLD, 0, NO, NO, 0, CpuState.DF, 0, 0, 0);
        one(0xFD, "std", H_STD, 0, NO, NO, 0, CpuState.DF, 0, 0, 0);
        int g4 = newGroup(), g5 = newGroup();
        ONE[0xFE] = (short) (-1 - g4);
        ONE[0xFF] = (short) (-1 - g5);
        ONE_MODRM[0xFE] = ONE_MODRM[0xFF] = true;
        member(g4, 0, "inc", H_INCDEC_E, 0, Eb, NO, LOCK, W_OSZAP, 0, K_INCDEC_R, K_INCDEC_M);
        member(g4, 1, "dec", H_INCDEC_E, 1, Eb, NO, LOCK, W_OSZAP, 0, K_INCDEC_R, K_INCDEC_M);
        member(g5, 0, "inc", H_INCDEC_E, 0, Ev, NO, LOCK, W_OSZAP, 0, K_INCDEC_R, K_INCDEC_M);
        member(g5, 1, "dec", H_INCDEC_E, 1, Ev, NO, LOCK, W_OSZAP, 0, K_INCDEC_R, K_INCDEC_M);
        member(g5, 2, "call", H_CALL_E, 0, Ev, NO, BRANCH, 0, 0, 0, 0);
        member(g5, 3, "call", H_CALLF_M, 0, Mp, NO, BRANCH, 0, 0, 0, 0);
        member(g5, 4, "jmp", H_JMP_E, 0, Ev, NO, BRANCH, 0, 0, 0, 0);
        member(g5, 5, "jmp", H_JMPF_M, 0, Mp, NO, BRANCH, 0, 0, 0, 0);
        member(g5, 6, "push", H_PUSH_E, 0, Ev, NO, 0, 0, 0, 0, 0);

        // -- the 0F map --
        two(0x00, "(grp6)", H_GRP6, 0, Ew, NO, OWN_MODRM, W_ZF, 0, 0, 0); // Sys.group6 decodes its /reg forms
        two(0x01, "(grp7)", H_GRP7, 0, Ev, NO, OWN_MODRM, 0, 0, 0, 0); // Sys.group7 decodes its /reg forms
        two(0x02, "lar", H_LAR, 0, Gv, Ew, OWN_MODRM, W_ZF, 0, 0, 0);
        two(0x03, "lsl", H_LSL, 0, Gv, Ew, OWN_MODRM, W_ZF, 0, 0, 0);
        two(0x06, "clts", H_CLTS, 0, NO, NO, PRIV, 0, 0, 0, 0);
        two(0x08, "invd", H_INVD, 0, NO, NO, PRIV, 0, 0, 0, 0);
        two(0x09, "wbinvd", H_INVD, 0, NO, NO, PRIV, 0, 0, 0, 0);
        two(0x0B, "ud2", H_UD);
        two(0x0D, "nop", H_NOP_E, 0, M, NO, 0, 0, 0, 0, 0); // PREFETCH/PREFETCHW m8 (AMD's #UD for a register)
        for (int op = 0x18; op <= 0x1F; op++) two(op, "nop", H_NOP_E, 0, Ev, NO, 0, 0, 0, 0, 0);
        two(0x20, "mov", H_MOV_CRDR, 0x20, Rd, Cd, PRIV | OWN_MODRM, W_ALL, 0, 0, 0);
        two(0x21, "mov", H_MOV_CRDR, 0x21, Rd, Dd, PRIV | OWN_MODRM, W_ALL, 0, 0, 0);
        two(0x22, "mov", H_MOV_CRDR, 0x22, Cd, Rd, PRIV | OWN_MODRM, W_ALL, 0, 0, 0);
        two(0x23, "mov", H_MOV_CRDR, 0x23, Dd, Rd, PRIV | OWN_MODRM, W_ALL, 0, 0, 0);
        two(0x30, "wrmsr", H_WRMSR, 0, NO, NO, PRIV, 0, 0, 0, 0);
        two(0x31, "rdtsc", H_RDTSC);
        two(0x32, "rdmsr", H_RDMSR, 0, NO, NO, PRIV, 0, 0, 0, 0);
        two(0x34, "sysenter", H_SYSENTER, 0, NO, NO, BRANCH, W_ALL, 0, 0, 0);
        two(0x35, "sysexit", H_SYSEXIT, 0, NO, NO, BRANCH | PRIV, W_ALL, 0, 0, 0);
        for (int cc = 0; cc < 16; cc++) {
            two(0x40 + cc, "cmov" + CC[cc], H_CMOV, cc, Gv, Ev, 0, 0, R_CC, K_CMOV_R, K_CMOV_M);
            two(0x80 + cc, "j" + CC[cc], H_JCC, cc, Jz, NO, BRANCH, 0, R_CC, K_JCC, 0);
            two(0x90 + cc, "set" + CC[cc], H_SETCC, cc, Eb, NO, 0, 0, R_CC, K_SETCC_R, K_SETCC_M);
        }
        two(0xA0, "push", H_PUSH_SEG, CpuState.FS, FS_, NO, 0, 0, 0, 0, 0);
        two(0xA1, "pop", H_POP_SEG, CpuState.FS, FS_, NO, 0, 0, 0, 0, 0);
        two(0xA2, "cpuid", H_CPUID);
        two(0xA3, "bt", H_BT_EG, 0, Ev, Gv, 0, W_CF, 0, 0, 0);
        TWO[0xA4] = (short) row("shld", H_SHD, 0, Ev, Gv, Ib, COUNT_FLAGS, W_OSZAPC, 0, 0, 0);
        TWO[0xA5] = (short) row("shld", H_SHD, 0, Ev, Gv, CL, COUNT_FLAGS, W_OSZAPC, 0, 0, 0);
        two(0xA8, "push", H_PUSH_SEG, CpuState.GS, GS_, NO, 0, 0, 0, 0, 0);
        two(0xA9, "pop", H_POP_SEG, CpuState.GS, GS_, NO, 0, 0, 0, 0, 0);
        two(0xAB, "bts", H_BT_EG, 1, Ev, Gv, LOCK, W_CF, 0, 0, 0);
        TWO[0xAC] = (short) row("shrd", H_SHD, 1, Ev, Gv, Ib, COUNT_FLAGS, W_OSZAPC, 0, 0, 0);
        TWO[0xAD] = (short) row("shrd", H_SHD, 1, Ev, Gv, CL, COUNT_FLAGS, W_OSZAPC, 0, 0, 0);
        TWO_MODRM[0xA4] = TWO_MODRM[0xA5] = TWO_MODRM[0xAC] = TWO_MODRM[0xAD] = true;
        two(0xAE, "(grp15)", H_GRP15, 0, Ev, NO, OWN_MODRM, 0, 0, 0, 0); // Sys.group15 decodes its /reg forms
        two(0xAF, "imul", H_IMUL_GE, 0, Gv, Ev, 0, W_OSZAPC, 0, K_IMUL_RR, K_IMUL_RM);
        two(0xB0, "cmpxchg", H_CMPXCHG, 0, Eb, Gb, LOCK, W_OSZAPC, 0, 0, 0);
        two(0xB1, "cmpxchg", H_CMPXCHG, 0, Ev, Gv, LOCK, W_OSZAPC, 0, 0, 0);
        two(0xB2, "lss", H_LOAD_FAR, CpuState.SS, Gv, Mp, 0, 0, 0, 0, 0);
        two(0xB3, "btr", H_BT_EG, 2, Ev, Gv, LOCK, W_CF, 0, 0, 0);
        two(0xB4, "lfs", H_LOAD_FAR, CpuState.FS, Gv, Mp, 0, 0, 0, 0, 0);
        two(0xB5, "lgs", H_LOAD_FAR, CpuState.GS, Gv, Mp, 0, 0, 0, 0, 0);
        two(0xB6, "movzx", H_MOVX, 0, Gv, Eb, 0, 0, 0, K_MOVX_R, K_MOVX_M);
        two(0xB7, "movzx", H_MOVX, 0, Gv, Ew, 0, 0, 0, K_MOVX_R, K_MOVX_M);
        two(0xB9, "ud1", H_UD, 0, Gv, Ev, 0, 0, 0, 0, 0);
        int g8 = newGroup();
        TWO[0xBA] = (short) (-1 - g8);
        TWO_MODRM[0xBA] = true;
        String[] bt = {"bt", "bts", "btr", "btc"};
        for (int i = 0; i < 4; i++) {
            member(g8, 4 + i, bt[i], H_BT_EI, i, Ev, Ib, i == 0 ? 0 : LOCK, W_CF, 0, 0, 0);
        }
        two(0xBB, "btc", H_BT_EG, 3, Ev, Gv, LOCK, W_CF, 0, 0, 0);
        two(0xBC, "bsf", H_BSF, 0, Gv, Ev, 0, W_ZF, 0, 0, 0);
        two(0xBD, "bsr", H_BSR, 0, Gv, Ev, 0, W_ZF, 0, 0, 0);
        two(0xBE, "movsx", H_MOVX, 1, Gv, Eb, 0, 0, 0, K_MOVX_R, K_MOVX_M);
        two(0xBF, "movsx", H_MOVX, 1, Gv, Ew, 0, 0, 0, K_MOVX_R, K_MOVX_M);
        two(0xC0, "xadd", H_XADD, 0, Eb, Gb, LOCK, W_OSZAPC, 0, 0, 0);
        two(0xC1, "xadd", H_XADD, 0, Ev, Gv, LOCK, W_OSZAPC, 0, 0, 0);
        int g9 = newGroup();
        TWO[0xC7] = (short) (-1 - g9);
        TWO_MODRM[0xC7] = true;
        member(g9, 1, "cmpxchg8b", H_CMPXCHG8B, 0, Mq, NO, LOCK, W_ZF, 0, 0, 0);
        for (int r = 0; r < 8; r++) two(0xC8 + r, "bswap", H_BSWAP, 0, Zd, NO, 0, 0, 0, 0, 0);
        two(0xFF, "ud0", H_UD, 0, Gv, Ev, 0, 0, 0, 0, 0);
        for (int op = 0; op < 256; op++) {
            ONE_READS_MODRM[op] = ONE_MODRM[op] && (ONE[op] < 0 || (ATTR[ONE[op]] & OWN_MODRM) == 0);
            TWO_READS_MODRM[op] = TWO_MODRM[op] && (TWO[op] < 0 || (ATTR[TWO[op]] & OWN_MODRM) == 0);
        }
    }

    /** Number of forms (rows) in the table, form 0 (invalid) included. */
    static int formCount() {
        return forms;
    }
}
