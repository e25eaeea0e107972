package org.oxen.x86.cpu.internal.x64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.internal.x64.X64Assembler.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every form the assembler emits against GNU objdump (binutils' x86-64 disassembler, written
 * independently of it): each case is assembled alone into a buffer, all buffers are
 * disassembled with {@code objdump -D -b binary -mi386:x86-64 -M intel}, and objdump's text for
 * each (whitespace collapsed) must be the text written here, and its length the bytes emitted.
 * Registers 0-15 at each position, every width, every memory-operand shape (no base, rsp/r12
 * bases that need a SIB, rbp/r13 bases that need a displacement, disp8 and disp32, extended
 * index registers) are covered.
 */
class X64AssemblerTest {

    private record Case(String expected, Consumer<X64Assembler> emit) {
    }

    private static final String[] N64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11",
            "r12", "r13", "r14", "r15"};
    private static final String[] N32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d",
            "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] N16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w",
            "r12w", "r13w", "r14w", "r15w"};
    private static final String[] N8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b",
            "r12b", "r13b", "r14b", "r15b"};
    private static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    private static final String[] SHIFT = {"rol", "ror", "rcl", "rcr", "shl", "shr", null, "sar"};
    private static final String[] UNARY = {null, null, "not", "neg", "mul", "imul", "div", "idiv"};
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le",
            "g"};

    private static String reg(int width, int r) {
        return (width == 8 ? N8 : width == 16 ? N16 : width == 32 ? N32 : N64)[r];
    }

    private static String ptr(int width) {
        return width == 8 ? "BYTE PTR " : width == 16 ? "WORD PTR " : width == 32 ? "DWORD PTR " : "QWORD PTR ";
    }

    private static String hex(int v) {
        return v < 0 ? "-0x" + Integer.toHexString(-v) : "0x" + Integer.toHexString(v);
    }

    /** objdump's text for memory operand {@code m}. */
    private static String text(X64Assembler.Mem m) {
        if (m.base() < 0 && m.index() < 0) return "ds:" + hex(m.disp());
        StringBuilder s = new StringBuilder("[");
        if (m.base() >= 0) s.append(N64[m.base()]);
        if (m.index() >= 0) {
            if (m.base() >= 0) s.append('+');
            s.append(N64[m.index()]).append('*').append(1 << m.scale());
        }
        boolean mustShow = m.base() < 0 || (m.base() & 7) == RBP;
        if (m.disp() != 0 || mustShow) s.append(m.disp() < 0 ? "" : "+").append(hex(m.disp()));
        return s.append(']').toString();
    }

    /** Immediates as objdump prints them at an operand width (unsigned in that width). */
    private static String imm(int width, long v) {
        long mask = width == 64 ? -1L : (1L << width) - 1;
        return "0x" + Long.toHexString(v & mask);
    }

    private static final X64Assembler.Mem[] MEMS = {mem(RAX, 0), mem(RBX, 0x10), mem(RSP, 8), mem(R12, 0), mem(RBP, 0),
            mem(R13, -8), mem(R15, 0x12345), mem(RBX, RCX, 2, 0), mem(R11, R14, 3, -0x80), mem(RDI, R8, 0, 0x1000),
            mem(-1, -1, 0, 0x2000), mem(-1, RDX, 2, 0x40), mem(RSP, RBP, 1, 0)};

    private static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        int[] widths = {8, 16, 32, 64};
        for (int w : widths) {
            for (int d = 0; d < 16; d += 3) {
                for (int s = 0; s < 16; s += 5) {
                    int dd = d, ss = s;
                    c.add(new Case("mov " + reg(w, d) + "," + reg(w, s), a -> a.mov(w, dd, ss)));
                    for (int op = 0; op < 8; op++) {
                        int o = op;
                        c.add(new Case(ALU[op] + " " + reg(w, d) + "," + reg(w, s), a -> a.alu(o, w, dd, ss)));
                    }
                    c.add(new Case("test " + reg(w, d) + "," + reg(w, s), a -> a.test(w, dd, ss)));
                    if (d != s && d != 0 && s != 0) c.add(new Case("xchg " + reg(w, d) + "," + reg(w, s), a -> a.xchg(w, dd, ss)));
                    if (w != 8) {
                        c.add(new Case("imul " + reg(w, d) + "," + reg(w, s), a -> a.imul(w, dd, ss)));
                        c.add(new Case("imul " + reg(w, d) + "," + reg(w, s) + "," + imm(w, 5), a -> a.imul(w, dd, ss, 5)));
                        c.add(new Case("imul " + reg(w, d) + "," + reg(w, s) + "," + imm(w, 0x1234),
                                a -> a.imul(w, dd, ss, 0x1234)));
                        for (int cc = 0; cc < 16; cc += 5) {
                            int k = cc;
                            c.add(new Case("cmov" + CC[cc] + " " + reg(w, d) + "," + reg(w, s), a -> a.cmov(k, w, dd, ss)));
                        }
                        c.add(new Case("movzx " + reg(w, d) + "," + reg(8, s), a -> a.movzx(w, dd, 8, ss)));
                        c.add(new Case("movsx " + reg(w, d) + "," + reg(8, s), a -> a.movsx(w, dd, 8, ss)));
                        if (w != 16) {
                            c.add(new Case("movzx " + reg(w, d) + "," + reg(16, s), a -> a.movzx(w, dd, 16, ss)));
                            c.add(new Case("movsx " + reg(w, d) + "," + reg(16, s), a -> a.movsx(w, dd, 16, ss)));
                        }
                    }
                }
                int dd = d;
                for (int op = 0; op < 8; op++) {
                    int o = op;
                    c.add(new Case(ALU[op] + " " + reg(w, d) + "," + imm(w, 7), a -> a.aluImm(o, w, dd, 7)));
                    c.add(new Case(ALU[op] + " " + reg(w, d) + "," + imm(w, -2), a -> a.aluImm(o, w, dd, -2)));
                    if (w != 8) c.add(new Case(ALU[op] + " " + reg(w, d) + "," + imm(w, w == 16 ? 0x1234 : 0x12345678),
                            a -> a.aluImm(o, w, dd, w == 16 ? 0x1234 : 0x12345678)));
                    if (SHIFT[op] != null) {
                        c.add(new Case(SHIFT[op] + " " + reg(w, d) + ",1", a -> a.shift(o, w, dd, 1)));
                        c.add(new Case(SHIFT[op] + " " + reg(w, d) + ",0x5", a -> a.shift(o, w, dd, 5)));
                        c.add(new Case(SHIFT[op] + " " + reg(w, d) + ",cl", a -> a.shiftCl(o, w, dd)));
                    }
                    if (UNARY[op] != null) c.add(new Case(UNARY[op] + " " + reg(w, d), a -> a.unary(o, w, dd)));
                }
                c.add(new Case("test " + reg(w, d) + "," + imm(w, 0x7f), a -> a.testImm(w, dd, 0x7f)));
                c.add(new Case("inc " + reg(w, d), a -> a.inc(w, dd)));
                c.add(new Case("dec " + reg(w, d), a -> a.dec(w, dd)));
                if (w == 64) {
                    c.add(new Case("mov " + reg(w, d) + "," + imm(64, -3), a -> a.movImm(64, dd, -3)));
                } else {
                    int v = w == 8 ? 0x7f : w == 16 ? 0x1234 : 0x89abcdef;
                    c.add(new Case("mov " + reg(w, d) + "," + imm(w, v), a -> a.movImm(w, dd, v)));
                }
                for (X64Assembler.Mem m : MEMS) {
                    String at = ptr(w) + text(m);
                    c.add(new Case("mov " + reg(w, d) + "," + at, a -> a.load(w, dd, m)));
                    c.add(new Case("mov " + at + "," + reg(w, d), a -> a.store(w, m, dd)));
                    c.add(new Case("add " + reg(w, d) + "," + at, a -> a.alu(ADD, w, dd, m)));
                    c.add(new Case("sub " + at + "," + reg(w, d), a -> a.alu(SUB, w, m, dd)));
                    if (w != 8) {
                        c.add(new Case("lea " + reg(w, d) + "," + text(m), a -> a.lea(w, dd, m)));
                        c.add(new Case("movzx " + reg(w, d) + "," + ptr(8) + text(m), a -> a.movzx(w, dd, 8, m)));
                        c.add(new Case("movsx " + reg(w, d) + "," + ptr(16) + text(m), a -> a.movsx(w, dd, 16, m)));
                        c.add(new Case("imul " + reg(w, d) + "," + at, a -> a.imul(w, dd, m)));
                        c.add(new Case("imul " + reg(w, d) + "," + at + "," + imm(w, -7), a -> a.imul(w, dd, m, -7)));
                        c.add(new Case("imul " + reg(w, d) + "," + at + "," + imm(w, 0x1234), a -> a.imul(w, dd, m, 0x1234)));
                    }
                }
            }
            for (X64Assembler.Mem m : new X64Assembler.Mem[] {mem(RSP, 4), mem(R9, R10, 1, 0x100)}) {
                String at = ptr(w) + text(m);
                c.add(new Case("mov " + at + "," + imm(w, 0x55), a -> a.storeImm(w, m, 0x55)));
                c.add(new Case("cmp " + at + "," + imm(w, 3), a -> a.aluImm(CMP, w, m, 3)));
                c.add(new Case("test " + at + "," + imm(w, 0x44), a -> a.testImm(w, m, 0x44)));
                c.add(new Case("test " + at + "," + reg(w, 11), a -> a.test(w, m, 11)));
                c.add(new Case("inc " + at, a -> a.inc(w, m)));
                c.add(new Case("dec " + at, a -> a.dec(w, m)));
                for (int op = 0; op < 8; op++) {
                    int o = op;
                    if (SHIFT[op] != null) {
                        c.add(new Case(SHIFT[op] + " " + at + ",1", a -> a.shift(o, w, m, 1)));
                        c.add(new Case(SHIFT[op] + " " + at + ",0x5", a -> a.shift(o, w, m, 5)));
                        c.add(new Case(SHIFT[op] + " " + at + ",cl", a -> a.shiftCl(o, w, m)));
                    }
                    if (UNARY[op] != null) c.add(new Case(UNARY[op] + " " + at, a -> a.unary(o, w, m)));
                }
                if (w != 8) {
                    for (int cc = 0; cc < 16; cc += 3) {
                        int k = cc;
                        c.add(new Case("cmov" + CC[cc] + " " + reg(w, 13) + "," + at, a -> a.cmov(k, w, 13, m)));
                    }
                }
            }
        }
        for (int r = 0; r < 16; r++) {
            int rr = r;
            c.add(new Case("push " + N64[r], a -> a.push(rr)));
            c.add(new Case("pop " + N64[r], a -> a.pop(rr)));
            c.add(new Case("jmp " + N64[r], a -> a.jmpIndirect(rr)));
            c.add(new Case("call " + N64[r], a -> a.callIndirect(rr)));
            c.add(new Case("movsxd " + N64[r] + "," + N32[15 - r], a -> a.movsxd(rr, 15 - rr)));
            c.add(new Case("movabs " + N64[r] + ",0x123456789abcdef0", a -> a.movImm64(rr, 0x123456789abcdef0L)));
            for (int cc = 0; cc < 16; cc++) {
                int k = cc;
                c.add(new Case("set" + CC[cc] + " " + N8[r], a -> a.setcc(k, rr)));
            }
            X64Assembler.Mem m = MEMS[r % MEMS.length];
            c.add(new Case("sete BYTE PTR " + text(m), a -> a.setcc(CC_E, m)));
            c.add(new Case("setb BYTE PTR " + text(m), a -> a.setcc(CC_B, m)));
        }
        c.add(new Case("cdq", X64Assembler::cdq));
        c.add(new Case("cqo", X64Assembler::cqo));
        c.add(new Case("lahf", X64Assembler::lahf));
        c.add(new Case("sahf", X64Assembler::sahf));
        c.add(new Case("or ah,al", X64Assembler::orAhAl));
        c.add(new Case("pushf", X64Assembler::pushfq));
        c.add(new Case("popf", X64Assembler::popfq));
        c.add(new Case("ret", X64Assembler::ret));
        return c;
    }

    @Test
    void everyFormDisassemblesAsWritten(@TempDir Path dir) throws Exception {
        List<Case> cases = cases();
        List<byte[]> codes = new ArrayList<>();
        for (Case k : cases) {
            X64Assembler a = new X64Assembler();
            k.emit.accept(a);
            codes.add(a.finish());
        }
        List<String> wrong = compare(dir, cases, codes);
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + cases.size() + " forms differ:\n" + String.join("\n", wrong));
    }

    /** The comparison can fail: a REX.W dropped from one encoding is caught. */
    @Test
    void aWrongEncodingIsCaught(@TempDir Path dir) throws Exception {
        List<Case> one = List.of(new Case("add rax,rcx", a -> a.alu(ADD, 64, RAX, RCX)));
        X64Assembler a = new X64Assembler();
        a.alu(ADD, 32, RAX, RCX); // the 32-bit form where the 64-bit one is expected
        List<String> wrong = compare(dir, one, List.of(a.finish()));
        assertEquals(1, wrong.size(), "the comparator must see add eax,ecx where add rax,rcx is expected");
    }

    @Test
    void branchesReachTheirLabels(@TempDir Path dir) throws Exception {
        X64Assembler a = new X64Assembler();
        X64Assembler.Label back = a.newLabel(), forward = a.newLabel();
        a.bind(back);                 // 0
        a.dec(32, RCX);               // 0: 2 bytes
        a.jcc(CC_NE, back);           // 2: 6 bytes, to 0
        a.jmp(forward);               // 8: 5 bytes, to 18
        a.call(back);                 // 13: 5 bytes, to 0
        a.bind(forward);              // 18
        a.jcc(CC_L, forward);         // 18: to 18
        a.jrcxz(2);                   // 24: to 28
        a.jmpShort(-2);               // 26: to 26
        a.ret();
        byte[] code = a.finish();
        List<String> lines = objdump(dir, code);
        assertEquals(List.of("0: dec ecx", "2: jne 0x0", "8: jmp 0x12", "d: call 0x0", "12: jl 0x12", "18: jrcxz 0x1c", "1a: jmp 0x1a", "1c: ret"), lines);
        X64Assembler b = new X64Assembler();
        b.jmp(b.newLabel());
        assertThrows(IllegalStateException.class, b::finish);
        assertThrows(IllegalArgumentException.class, () -> mem(RAX, RSP, 0, 0));
    }

    /** Padding to 64 bytes from every offset is NOPs only (as objdump decodes them) and ends on the boundary. */
    @Test
    void alignmentPadsWithNops(@TempDir Path dir) throws Exception {
        for (int start = 0; start < 64; start++) {
            X64Assembler a = new X64Assembler();
            for (int i = 0; i < start; i++) a.cdq();
            a.align(64);
            assertEquals(start == 0 ? 0 : 64, a.size(), "from " + start);
            a.ret();
            List<String> lines = objdump(dir, a.finish());
            for (String l : lines.subList(start, lines.size() - 1)) {
                String text = l.substring(l.indexOf(' ') + 1);
                assertTrue(text.startsWith("nop") || text.equals("xchg ax,ax"), "from " + start + ": " + l);
            }
            assertEquals((start == 0 ? "0" : "40") + ": ret", lines.get(lines.size() - 1), "from " + start);
        }
    }

    /** objdump's text for each case's bytes; the descriptions of the cases that differ. */
    private static List<String> compare(Path dir, List<Case> cases, List<byte[]> codes) throws Exception {
        // one file, each case padded to a 16-byte slot with INT3 so that objdump resynchronises
        byte[] all = new byte[16 * codes.size()];
        java.util.Arrays.fill(all, (byte) 0xCC);
        for (int i = 0; i < codes.size(); i++) {
            assertTrue(codes.get(i).length <= 15, cases.get(i).expected + " is " + codes.get(i).length + " bytes");
            System.arraycopy(codes.get(i), 0, all, 16 * i, codes.get(i).length);
        }
        List<String> lines = objdump(dir, all);
        java.util.Map<Integer, String> at = new java.util.HashMap<>();
        java.util.Map<Integer, Integer> next = new java.util.HashMap<>();
        int prev = -1;
        for (String l : lines) {
            int colon = l.indexOf(':');
            int addr = Integer.parseInt(l.substring(0, colon), 16);
            at.put(addr, l.substring(colon + 2));
            if (prev >= 0) next.put(prev, addr);
            prev = addr;
        }
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            int addr = 16 * i, len = codes.get(i).length;
            String got = at.get(addr);
            Integer end = next.get(addr);
            StringBuilder bytes = new StringBuilder();
            for (byte x : codes.get(i)) bytes.append(String.format("%02x ", x));
            if (!cases.get(i).expected.equals(got) || end == null || end != addr + len) {
                wrong.add(cases.get(i).expected + " -> [" + bytes.toString().trim() + "] objdump: " + got
                        + (end == null || end != addr + len ? " (length differs)" : ""));
            }
        }
        return wrong;
    }

    /** objdump's instructions as "address: text" with whitespace collapsed and comments cut. */
    private static List<String> objdump(Path dir, byte[] code) throws Exception {
        Path bin = dir.resolve("code.bin");
        Files.write(bin, code);
        Process p = new ProcessBuilder("objdump", "-D", "-b", "binary", "-mi386:x86-64", "-M", "intel",
                "--insn-width=16", bin.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> lines = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] parts = line.split("\t");
            if (parts.length < 3 || !parts[0].trim().endsWith(":")) continue;
            String text = parts[2].replaceAll("#.*", "").trim().replaceAll(" +", " ");
            lines.add(parts[0].trim() + " " + text);
        }
        return lines;
    }
}
