package org.oxen.x86.cpu.internal.x64;

import java.util.Arrays;

/**
 * An x86-64 assembler for the native region compiler: the encodings it needs, each written once
 * as the SDM's rules (Vol. 2, chapter 2: legacy prefix 66, REX, opcode, ModR/M, SIB,
 * displacement, immediate), with one routine ({@link #encode}) building REX and ModR/M/SIB for
 * every register and memory form.
 *
 * <p>Registers are numbered as the hardware numbers them ({@link #RAX} .. {@link #R15}); an
 * operand's width is a parameter ({@code 8, 16, 32, 64}), so one method covers {@code add al,cl}
 * to {@code add rax,rcx}. A byte operand in SPL/BPL/SIL/DIL (4-7) gets an empty REX (without it
 * those numbers are AH/CH/DH/BH, which this assembler never emits). Branches go to
 * {@link #newLabel labels}: every branch is rel32, fixed up when the label is bound or at
 * {@link #finish}. Not thread-safe; one assembler per compilation. Compile-time code: it
 * allocates freely (operand objects, growing buffer), generated code does not.
 */
public final class X64Assembler {

    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
            R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    /** Group-1 operations in their /digit order: the opcode's reg field and the 00-3D column. */
    public static final int ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;

    /** Group-2 shifts and rotates in their /digit order (6 is SAL's undocumented alias, not emitted). */
    public static final int ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAR = 7;

    /** Group-3 unary operations in their /digit order (F6/F7). */
    public static final int NOT = 2, NEG = 3, MUL = 4, IMUL1 = 5, DIV = 6, IDIV = 7;

    /** Condition codes in the SDM's order (the low nibble of Jcc, SETcc, CMOVcc). */
    public static final int CC_O = 0, CC_NO = 1, CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7,
            CC_S = 8, CC_NS = 9, CC_P = 10, CC_NP = 11, CC_L = 12, CC_GE = 13, CC_LE = 14, CC_G = 15;

    /**
     * A memory operand {@code [base + index * 2^scale + disp]}: base or index -1 for none; with no
     * base the address is the 32-bit displacement (absolute, never RIP-relative).
     */
    public record Mem(int base, int index, int scale, int disp) {
        public Mem {
            if (index == RSP) throw new IllegalArgumentException("rsp cannot be an index register");
            if (scale < 0 || scale > 3) throw new IllegalArgumentException("scale is log2 of 1, 2, 4 or 8: " + scale);
            if (base < -1 || base > 15 || index < -1 || index > 15) {
                throw new IllegalArgumentException("register out of range: base " + base + ", index " + index);
            }
        }
    }

    /** {@code [base + disp]}. */
    public static Mem mem(int base, int disp) {
        return new Mem(base, -1, 0, disp);
    }

    /** {@code [base + index * 2^scale + disp]}. */
    public static Mem mem(int base, int index, int scale, int disp) {
        return new Mem(base, index, scale, disp);
    }

    /** A branch target: bound to one position, referenced by any number of rel32 fields. */
    public static final class Label {
        private int position = -1;
        private int[] uses = new int[4];
        private int useCount;

        public boolean bound() {
            return position >= 0;
        }
    }

    private byte[] code = new byte[1024];
    private int size;
    private final java.util.List<Label> labels = new java.util.ArrayList<>();

    /** Bytes emitted so far. */
    public int size() {
        return size;
    }

    /** The code, with every label bound and every branch fixed up. */
    public byte[] finish() {
        for (Label l : labels) {
            if (l.useCount > 0 && !l.bound()) throw new IllegalStateException("a branch goes to a label that was never bound");
        }
        return Arrays.copyOf(code, size);
    }

    public Label newLabel() {
        Label l = new Label();
        labels.add(l);
        return l;
    }

    /** Binds {@code l} here; branches already emitted to it are fixed up. */
    public void bind(Label l) {
        if (l.bound()) throw new IllegalStateException("label bound twice");
        l.position = size;
        for (int i = 0; i < l.useCount; i++) patch32(l.uses[i], size - (l.uses[i] + 4));
    }

    // ---- the encoding rules ----

    private void byte1(int b) {
        if (size == code.length) code = Arrays.copyOf(code, size * 2);
        code[size++] = (byte) b;
    }

    private void imm16(int v) {
        byte1(v);
        byte1(v >> 8);
    }

    private void imm32(int v) {
        byte1(v);
        byte1(v >> 8);
        byte1(v >> 16);
        byte1(v >> 24);
    }

    private void patch32(int at, int v) {
        code[at] = (byte) v;
        code[at + 1] = (byte) (v >> 8);
        code[at + 2] = (byte) (v >> 16);
        code[at + 3] = (byte) (v >> 24);
    }

    private static void checkWidth(int width) {
        if (width != 8 && width != 16 && width != 32 && width != 64) throw new IllegalArgumentException("operand width " + width);
    }

    private static void checkRegister(int r) {
        if (r < 0 || r > 15) throw new IllegalArgumentException("register " + r);
    }

    /**
     * One instruction with a ModR/M byte: [66] [REX] opcode (1-3 bytes, {@code opcode} big-endian
     * in {@code opcodeLength} bytes) ModR/M [SIB] [disp]. {@code reg} is the reg field (a register,
     * or the opcode extension /digit when {@code regIsRegister} is false); the r/m operand is
     * register {@code rm} when {@code m} is null, else the memory operand {@code m}.
     * {@code width} selects 66 (16) and REX.W (64); at width 8 a register operand 4-7 forces a
     * REX so that it names SPL..DIL. {@code byteReg} says whether the reg operand is a byte register
     * when the operation's width differs from it (MOVZX/SETcc: the r/m is the byte operand).
     */
    private void encode(int width, int opcode, int opcodeLength, int reg, boolean regIsRegister, int rm, Mem m,
            boolean rmIsByte, boolean regIsByte) {
        checkWidth(width);
        if (regIsRegister) checkRegister(reg);
        if (m == null) checkRegister(rm);
        if (width == 16) byte1(0x66);
        int rex = (width == 64 ? 8 : 0) | (regIsRegister && reg >= 8 ? 4 : 0);
        if (m == null) {
            rex |= rm >= 8 ? 1 : 0;
        } else {
            rex |= (m.index >= 8 ? 2 : 0) | (m.base >= 8 ? 1 : 0);
        }
        boolean force = (regIsByte && regIsRegister && reg >= 4 && reg < 8) || (rmIsByte && m == null && rm >= 4 && rm < 8);
        if (rex != 0 || force) byte1(0x40 | rex);
        for (int i = opcodeLength - 1; i >= 0; i--) byte1(opcode >>> (8 * i));
        int r = reg & 7;
        if (m == null) {
            byte1(0xC0 | r << 3 | (rm & 7));
            return;
        }
        if (m.base < 0) { // [index*s + disp32] or [disp32]: SIB with no base (mod 00, base 101)
            byte1(r << 3 | 4);
            byte1(m.scale << 6 | (m.index < 0 ? 4 : m.index & 7) << 3 | 5);
            imm32(m.disp);
            return;
        }
        int mod = m.disp == 0 && (m.base & 7) != RBP ? 0 : m.disp == (byte) m.disp ? 1 : 2;
        if (m.index < 0 && (m.base & 7) != RSP) {
            byte1(mod << 6 | r << 3 | (m.base & 7));
        } else { // a SIB: an index, or a base of rsp/r12 (whose r/m 100 means "SIB follows")
            byte1(mod << 6 | r << 3 | 4);
            byte1(m.scale << 6 | (m.index < 0 ? 4 : m.index & 7) << 3 | (m.base & 7));
        }
        if (mod == 1) byte1(m.disp);
        if (mod == 2) imm32(m.disp);
    }

    /** An operation with operand width {@code width}: the byte form's opcode, or +1 for the others. */
    private static int sized(int byteOpcode, int width) {
        return width == 8 ? byteOpcode : byteOpcode + 1;
    }

    private void immediate(int width, int v) {
        if (width == 8) byte1(v);
        else if (width == 16) imm16(v);
        else imm32(v); // 32, and 64's sign-extended imm32
    }

    // ---- data movement ----

    /** {@code mov dst, src} (registers). */
    public void mov(int width, int dst, int src) {
        encode(width, sized(0x88, width), 1, src, true, dst, null, width == 8, width == 8);
    }

    /** {@code mov dst, [m]}. */
    public void load(int width, int dst, Mem m) {
        encode(width, sized(0x8A, width), 1, dst, true, 0, m, false, width == 8);
    }

    /** {@code mov [m], src}. */
    public void store(int width, Mem m, int src) {
        encode(width, sized(0x88, width), 1, src, true, 0, m, false, width == 8);
    }

    /** {@code mov dst, imm} (a 64-bit destination takes the sign-extended imm32 form, C7 /0). */
    public void movImm(int width, int dst, int imm) {
        if (width == 64) {
            encode(64, 0xC7, 1, 0, false, dst, null, false, false);
            imm32(imm);
            return;
        }
        checkWidth(width);
        checkRegister(dst);
        if (width == 16) byte1(0x66);
        if (dst >= 8 || width == 8 && dst >= 4) byte1(0x40 | (dst >= 8 ? 1 : 0));
        byte1((width == 8 ? 0xB0 : 0xB8) | dst & 7);
        immediate(width, imm);
    }

    /** {@code movabs dst, imm64} (REX.W B8+r). */
    public void movImm64(int dst, long imm) {
        checkRegister(dst);
        byte1(0x48 | (dst >= 8 ? 1 : 0));
        byte1(0xB8 | dst & 7);
        imm32((int) imm);
        imm32((int) (imm >>> 32));
    }

    /** {@code mov [m], imm} (C6/C7 /0). */
    public void storeImm(int width, Mem m, int imm) {
        encode(width, sized(0xC6, width), 1, 0, false, 0, m, false, false);
        immediate(width, imm);
    }

    /** {@code movzx dst, src} from a byte (srcWidth 8) or word (16) register, to {@code width}. */
    public void movzx(int width, int dst, int srcWidth, int src) {
        encode(width, srcWidth == 8 ? 0x0FB6 : 0x0FB7, 2, dst, true, src, null, srcWidth == 8, false);
    }

    /** {@code movzx dst, byte/word [m]}. */
    public void movzx(int width, int dst, int srcWidth, Mem m) {
        encode(width, srcWidth == 8 ? 0x0FB6 : 0x0FB7, 2, dst, true, 0, m, false, false);
    }

    /** {@code movsx dst, src} from a byte or word register. */
    public void movsx(int width, int dst, int srcWidth, int src) {
        encode(width, srcWidth == 8 ? 0x0FBE : 0x0FBF, 2, dst, true, src, null, srcWidth == 8, false);
    }

    /** {@code movsx dst, byte/word [m]}. */
    public void movsx(int width, int dst, int srcWidth, Mem m) {
        encode(width, srcWidth == 8 ? 0x0FBE : 0x0FBF, 2, dst, true, 0, m, false, false);
    }

    /** {@code movsxd dst64, src32} (REX.W 63). */
    public void movsxd(int dst, int src) {
        encode(64, 0x63, 1, dst, true, src, null, false, false);
    }

    /** {@code xchg a, b} (registers; 86/87 /r: no flag changes). */
    public void xchg(int width, int a, int b) {
        encode(width, sized(0x86, width), 1, b, true, a, null, width == 8, width == 8);
    }

    /** {@code lea dst, [m]}. */
    public void lea(int width, int dst, Mem m) {
        encode(width, 0x8D, 1, dst, true, 0, m, false, false);
    }

    public void push(int r) {
        checkRegister(r);
        if (r >= 8) byte1(0x41);
        byte1(0x50 | r & 7);
    }

    public void pop(int r) {
        checkRegister(r);
        if (r >= 8) byte1(0x41);
        byte1(0x58 | r & 7);
    }

    // ---- arithmetic ----

    /** Group 1 ({@link #ADD} .. {@link #CMP}) {@code dst, src} (registers; the Ev,Gv column). */
    public void alu(int op, int width, int dst, int src) {
        encode(width, sized(op << 3, width), 1, src, true, dst, null, width == 8, width == 8);
    }

    /** Group 1 {@code dst, [m]} (the Gv,Ev column). */
    public void alu(int op, int width, int dst, Mem m) {
        encode(width, sized(op << 3 | 2, width), 1, dst, true, 0, m, false, width == 8);
    }

    /** Group 1 {@code [m], src}. */
    public void alu(int op, int width, Mem m, int src) {
        encode(width, sized(op << 3, width), 1, src, true, 0, m, false, width == 8);
    }

    /** Group 1 {@code dst, imm}: 83 /op ib when the immediate fits a sign-extended byte, else 80/81. */
    public void aluImm(int op, int width, int dst, int imm) {
        aluImm(op, width, dst, null, imm);
    }

    /** Group 1 {@code [m], imm}. */
    public void aluImm(int op, int width, Mem m, int imm) {
        aluImm(op, width, 0, m, imm);
    }

    private void aluImm(int op, int width, int dst, Mem m, int imm) {
        if (width != 8 && imm == (byte) imm) {
            encode(width, 0x83, 1, op, false, dst, m, false, false);
            byte1(imm);
        } else {
            encode(width, sized(0x80, width), 1, op, false, dst, m, width == 8, false);
            immediate(width, imm);
        }
    }

    /** {@code test a, b} (registers). */
    public void test(int width, int a, int b) {
        encode(width, sized(0x84, width), 1, b, true, a, null, width == 8, width == 8);
    }

    /** {@code test r, imm} (F6/F7 /0). */
    public void testImm(int width, int r, int imm) {
        encode(width, sized(0xF6, width), 1, 0, false, r, null, width == 8, false);
        immediate(width, imm);
    }

    /** {@code test [m], r}. */
    public void test(int width, Mem m, int r) {
        encode(width, sized(0x84, width), 1, r, true, 0, m, false, width == 8);
    }

    /** {@code test [m], imm}. */
    public void testImm(int width, Mem m, int imm) {
        encode(width, sized(0xF6, width), 1, 0, false, 0, m, false, false);
        immediate(width, imm);
    }

    /** {@code inc r} (FE/FF /0). */
    public void inc(int width, int r) {
        encode(width, sized(0xFE, width), 1, 0, false, r, null, width == 8, false);
    }

    /** {@code dec r} (FE/FF /1). */
    public void dec(int width, int r) {
        encode(width, sized(0xFE, width), 1, 1, false, r, null, width == 8, false);
    }

    /** {@code inc [m]} (FE/FF /0). */
    public void inc(int width, Mem m) {
        encode(width, sized(0xFE, width), 1, 0, false, 0, m, false, false);
    }

    /** {@code dec [m]} (FE/FF /1). */
    public void dec(int width, Mem m) {
        encode(width, sized(0xFE, width), 1, 1, false, 0, m, false, false);
    }

    /** Group 3 {@code [m]} (F6/F7 /op). */
    public void unary(int op, int width, Mem m) {
        if (op < NOT) throw new IllegalArgumentException("group 3 /" + op + " is TEST (testImm)");
        encode(width, sized(0xF6, width), 1, op, false, 0, m, false, false);
    }

    /** Group 3 ({@link #NOT}, {@link #NEG}, {@link #MUL}, {@link #IMUL1}, {@link #DIV}, {@link #IDIV}) {@code r}. */
    public void unary(int op, int width, int r) {
        if (op < NOT) throw new IllegalArgumentException("group 3 /" + op + " is TEST (testImm)");
        encode(width, sized(0xF6, width), 1, op, false, r, null, width == 8, false);
    }

    /** {@code imul dst, src} (0F AF). */
    public void imul(int width, int dst, int src) {
        encode(width, 0x0FAF, 2, dst, true, src, null, false, false);
    }

    /** {@code imul dst, src, imm} (6B ib or 69 iz). */
    public void imul(int width, int dst, int src, int imm) {
        boolean small = imm == (byte) imm;
        encode(width, small ? 0x6B : 0x69, 1, dst, true, src, null, false, false);
        if (small) byte1(imm);
        else immediate(width == 8 ? 32 : width, imm);
    }

    /** {@code imul dst, [m]}. */
    public void imul(int width, int dst, Mem m) {
        encode(width, 0x0FAF, 2, dst, true, 0, m, false, false);
    }

    /** {@code imul dst, [m], imm}. */
    public void imul(int width, int dst, Mem m, int imm) {
        boolean small = imm == (byte) imm;
        encode(width, small ? 0x6B : 0x69, 1, dst, true, 0, m, false, false);
        if (small) byte1(imm);
        else immediate(width, imm);
    }

    /** Group 2 ({@link #ROL} .. {@link #SAR}) {@code r, count}: D0/D1 for a count of 1, else C0/C1 ib. */
    public void shift(int op, int width, int r, int count) {
        if (count == 1) {
            encode(width, sized(0xD0, width), 1, op, false, r, null, width == 8, false);
        } else {
            encode(width, sized(0xC0, width), 1, op, false, r, null, width == 8, false);
            byte1(count);
        }
    }

    /** Group 2 {@code [m], count}: D0/D1 for a count of 1, else C0/C1 ib. */
    public void shift(int op, int width, Mem m, int count) {
        if (count == 1) {
            encode(width, sized(0xD0, width), 1, op, false, 0, m, false, false);
        } else {
            encode(width, sized(0xC0, width), 1, op, false, 0, m, false, false);
            byte1(count);
        }
    }

    /** Group 2 {@code [m], cl} (D2/D3). */
    public void shiftCl(int op, int width, Mem m) {
        encode(width, sized(0xD2, width), 1, op, false, 0, m, false, false);
    }

    /** Group 2 {@code r, cl} (D2/D3). */
    public void shiftCl(int op, int width, int r) {
        encode(width, sized(0xD2, width), 1, op, false, r, null, width == 8, false);
    }

    /** {@code cdq} (edx:eax = sign-extended eax). */
    public void cdq() {
        byte1(0x99);
    }

    /** {@code cqo} (rdx:rax = sign-extended rax; REX.W 99). */
    public void cqo() {
        byte1(0x48);
        byte1(0x99);
    }

    // ---- conditions and flags ----

    /** {@code setcc byte [m]} (0F 90+cc /0). */
    public void setcc(int cc, Mem m) {
        encode(8, 0x0F90 | cc, 2, 0, false, 0, m, false, false);
    }

    /** {@code cmovcc dst, [m]} (0F 40+cc). */
    public void cmov(int cc, int width, int dst, Mem m) {
        encode(width, 0x0F40 | cc, 2, dst, true, 0, m, false, false);
    }

    /** {@code setcc r8} (0F 90+cc). */
    public void setcc(int cc, int r) {
        encode(8, 0x0F90 | cc, 2, 0, false, r, null, true, false);
    }

    /** {@code cmovcc dst, src} (0F 40+cc). */
    public void cmov(int cc, int width, int dst, int src) {
        encode(width, 0x0F40 | cc, 2, dst, true, src, null, false, false);
    }

    public void lahf() {
        byte1(0x9F);
    }

    public void sahf() {
        byte1(0x9E);
    }

    /**
     * {@code or ah, al} (08 C4, no REX: the one legacy high-byte operand the native tier needs,
     * merging a bit kept in AL into the flags LAHF left in AH).
     */
    public void orAhAl() {
        byte1(0x08);
        byte1(0xC4);
    }

    public void pushfq() {
        byte1(0x9C);
    }

    public void popfq() {
        byte1(0x9D);
    }

    // ---- control transfer ----

    private void rel32(Label l) {
        int at = size;
        imm32(0);
        if (l.bound()) {
            patch32(at, l.position - (at + 4));
        } else {
            if (l.useCount == l.uses.length) l.uses = Arrays.copyOf(l.uses, l.useCount * 2);
            l.uses[l.useCount++] = at;
        }
    }

    /** {@code jcc rel32} (0F 80+cc). */
    public void jcc(int cc, Label l) {
        byte1(0x0F);
        byte1(0x80 | cc);
        rel32(l);
    }

    /** {@code jmp rel32} (E9). */
    public void jmp(Label l) {
        byte1(0xE9);
        rel32(l);
    }

    /** {@code call rel32} (E8). */
    public void call(Label l) {
        byte1(0xE8);
        rel32(l);
    }

    /** {@code jmp r64} (FF /4). */
    public void jmpIndirect(int r) {
        encode(32, 0xFF, 1, 4, false, r, null, false, false);
    }

    /** {@code call r64} (FF /2). */
    public void callIndirect(int r) {
        encode(32, 0xFF, 1, 2, false, r, null, false, false);
    }

    /**
     * {@code jrcxz} over the next {@code skip} bytes (E3 rel8): the one conditional jump that
     * reads no flag, for tests that must leave the guest's flags in RFLAGS untouched.
     */
    public void jrcxz(int skip) {
        if (skip != (byte) skip) throw new IllegalArgumentException("jrcxz reaches 127 bytes, not " + skip);
        byte1(0xE3);
        byte1(skip);
    }

    /** {@code jmp} over the next {@code skip} bytes (EB rel8). */
    public void jmpShort(int skip) {
        if (skip != (byte) skip) throw new IllegalArgumentException("a short jmp reaches 127 bytes, not " + skip);
        byte1(0xEB);
        byte1(skip);
    }

    /** The SDM's recommended multi-byte NOPs (Vol. 2B, NOP), by length 1..9. */
    private static final int[][] NOPS = {{0x90}, {0x66, 0x90}, {0x0F, 0x1F, 0x00}, {0x0F, 0x1F, 0x40, 0x00},
            {0x0F, 0x1F, 0x44, 0x00, 0x00}, {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00}, {0x0F, 0x1F, 0x80, 0, 0, 0, 0},
            {0x0F, 0x1F, 0x84, 0, 0, 0, 0, 0}, {0x66, 0x0F, 0x1F, 0x84, 0, 0, 0, 0, 0}};

    /**
     * Pads with NOPs to a multiple of {@code boundary} (a power of two) of the code's start, which
     * the code's user places on a page: a loop that starts on a fetch line runs from fewer of them.
     */
    public void align(int boundary) {
        if (boundary <= 0 || (boundary & (boundary - 1)) != 0) throw new IllegalArgumentException("alignment " + boundary);
        int pad = -size & (boundary - 1);
        while (pad > 0) {
            int[] nop = NOPS[Math.min(pad, NOPS.length) - 1];
            for (int b : nop) byte1(b);
            pad -= nop.length;
        }
    }

    public void ret() {
        byte1(0xC3);
    }
}
