package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.Asm;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * The decoded-instruction cache: code changed after it ran (by the guest in the same page or
 * another one, by the host/DMA, by another CPU) runs as changed; a linear page remapped to
 * another frame runs the new frame's code; and decoded execution matches the interpreter on
 * random instruction mixes run several times (so the second and later passes come from the cache).
 */
class CodeCacheTest {
    /** The options of every CPU this class creates with the cache on (subclasses translate too). */
    CpuOptions options() {
        return CpuOptions.cacheOnly();
    }

    final TestMachine m = new TestMachine(options()).protectedMode();

    RunResult kernel(int org, String src, int eip) {
        m.code(org, src);
        m.cpu.setEip(eip);
        m.cpu.setHalted(false);
        m.cpu.setGpr(X86Cpu.ESP, 0x9000);
        return m.run(1_000_000);
    }

    @Test
    void guestPatchesAnInstructionItAlreadyRanInTheSamePage() {
        // runs "add eax, 1" 10 times, then patches its immediate to 0x10 and runs it 10 more times
        String src = "xor eax, eax\n mov ecx, 20\n"
                + "top: cmp ecx, 10\n jne 1f\n mov byte ptr [patch + 2], 0x10\n"
                + "1: \n patch: add eax, 1\n dec ecx\n jnz top\n hlt";
        assertEquals(RunResult.HALTED, kernel(KCODE, src, KCODE));
        assertEquals(10 * 1 + 10 * 0x10, m.reg(X86Cpu.EAX));
    }

    @Test
    void guestPatchesAnInstructionInAnotherPage() {
        // the routine at 0x12000 is called 10 times, then its "add eax, 3" (05 imm32, at 0x12001,
        // after a NOP so that it runs from the cache) is patched to "add eax, 7" from page 0x10000
        m.code(0x12000, "nop\n .byte 0x05\n .long 3\n ret");
        String src = "xor eax, eax\n mov ecx, 20\n"
                + "top: cmp ecx, 10\n jne 1f\n mov dword ptr [0x12002], 7\n"
                + "1: mov edx, 0x12000\n call edx\n dec ecx\n jnz top\n hlt";
        assertEquals(RunResult.HALTED, kernel(KCODE, src, KCODE));
        assertEquals(10 * 3 + 10 * 7, m.reg(X86Cpu.EAX));
    }

    @Test
    void hostWriteWithInvalidateCodeIsSeen() {
        // the first instruction after a window change is interpreted: the patched one is second
        m.code(0x12000, "nop\n mov eax, 1\n add eax, eax\n hlt");
        for (int i = 0; i < 3; i++) {
            m.cpu.setEip(0x12000);
            m.cpu.setHalted(false);
            assertEquals(RunResult.HALTED, m.run(1000));
            assertEquals(2, m.reg(X86Cpu.EAX));
        }
        byte[] patched = Asm.asm(0x12000, "nop\n mov eax, 21\n add eax, eax\n hlt");
        m.ram.load(0x12000, patched, 0, patched.length); // as a DMA engine would
        m.cpu.invalidateCode(0x12000, patched.length);
        m.cpu.setEip(0x12000);
        m.cpu.setHalted(false);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(42, m.reg(X86Cpu.EAX));
    }

    @Test
    void anotherCpuPatchesCode() {
        X86Cpu other = X86Cpu.create(m.ram, m.bus, options());
        CpuTestSupport.enterFlat32(other, 0);
        m.code(0x12000, "nop\n mov eax, 1\n add eax, eax\n hlt");
        for (int i = 0; i < 3; i++) {
            m.cpu.setEip(0x12000);
            m.cpu.setHalted(false);
            assertEquals(RunResult.HALTED, m.run(1000));
        }
        assertEquals(2, m.reg(X86Cpu.EAX));
        // the other CPU writes the new immediate (mov eax, 50) with a guest store
        other.setGpr(X86Cpu.EBX, 0x12002);
        other.setSegment(X86Cpu.CS, new SegmentState(0, 0, -1, 0xC09B));
        m.code(0x14000, "mov dword ptr [ebx], 50\n hlt");
        other.setEip(0x14000);
        assertEquals(RunResult.HALTED, other.run(1000));
        m.cpu.setEip(0x12000);
        m.cpu.setHalted(false);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(100, m.reg(X86Cpu.EAX));
    }

    @Test
    void remappedLinearPageRunsTheNewFramesCode() {
        int pd = 0x100000, pt = 0x101000;
        for (int i = 0; i < 1024; i++) m.ram.write32(pt + 4 * i, i << 12 | 3);
        m.ram.write32(pd, pt | 3);
        m.cpu.setCr(3, pd);
        m.code(0x50000, "mov eax, 1\n add eax, 1\n hlt");
        m.code(0x51000, "mov eax, 7\n add eax, 1\n hlt");
        m.ram.write32(pt + 4 * 0x60, 0x50000 | 3); // linear 0x60000 -> frame 0x50000
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
        for (int i = 0; i < 3; i++) {
            m.cpu.setEip(0x60000);
            m.cpu.setHalted(false);
            assertEquals(RunResult.HALTED, m.run(1000));
            assertEquals(2, m.reg(X86Cpu.EAX));
        }
        // the guest remaps linear 0x60000 to frame 0x51000 and INVLPGs it, then jumps there
        kernel(KCODE, "mov dword ptr [" + (pt + 4 * 0x60) + "], 0x51003\n invlpg [0x60000]\n mov ecx, 0x60000\n jmp ecx", KCODE);
        assertEquals(8, m.reg(X86Cpu.EAX));
        // and back with a CR3 reload instead of INVLPG
        kernel(KCODE, "mov dword ptr [" + (pt + 4 * 0x60) + "], 0x50003\n mov eax, cr3\n mov cr3, eax\n mov ecx, 0x60000\n jmp ecx", KCODE);
        assertEquals(2, m.reg(X86Cpu.EAX));
    }

    @Test
    void moreCodeFramesThanTheCacheHolds() {
        // 700 routines in 700 frames (the cache keeps 512 frames' tables), called three times
        // over, the third time after each was patched: evictions and re-decoding stay correct
        int n = 700, base = 0x200000;
        for (int i = 0; i < n; i++) {
            int a = base + (i << 12);
            m.ram.write8(a, 0x90);
            m.ram.write8(a + 1, 0x05); // add eax, imm32
            m.ram.write32(a + 2, i);
            m.ram.write8(a + 6, 0xC3);
        }
        String src = "xor eax, eax\n mov esi, 3\n"
                + "round: xor ecx, ecx\n"
                + "next: mov edx, ecx\n shl edx, 12\n add edx, " + base + "\n"
                + " cmp esi, 1\n jne 1f\n mov dword ptr [edx + 2], 1\n"
                + "1: call edx\n inc ecx\n cmp ecx, " + n + "\n jne next\n dec esi\n jnz round\n hlt";
        assertEquals(RunResult.HALTED, kernel(KCODE, src, KCODE));
        assertEquals(2 * (n * (n - 1) / 2) + n, m.reg(X86Cpu.EAX));
    }

    // ---- decoded execution against the interpreter ----

    static final String[] D32 = {"eax", "edx", "edi"};
    static final String[] S32 = {"eax", "ecx", "edx", "ebx", "esi", "edi", "ebp"};
    static final String[] D8 = {"al", "ah", "dl", "dh"};
    static final String[] S8 = {"al", "ah", "cl", "ch", "dl", "dh", "bl"};
    static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"};
    static final String[] SHIFT = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sar"};
    static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

    static String pick(Random r, String[] a) {
        return a[r.nextInt(a.length)];
    }

    static String mem(Random r) {
        String base = r.nextBoolean() ? "ebx" : "esi";
        switch (r.nextInt(4)) {
            case 0: return "[" + base + " + " + 4 * r.nextInt(48) + "]";
            case 1: return "[" + base + "]";
            case 2: return "[" + base + " + ecx*" + (1 << r.nextInt(4)) + " + " + r.nextInt(64) + "]";
            default: return "[" + (0x20000 + r.nextInt(200)) + "]";
        }
    }

    static String imm(Random r) {
        switch (r.nextInt(3)) {
            case 0: return Integer.toString(r.nextInt(256) - 128);
            case 1: return "0x" + Integer.toHexString(r.nextInt());
            default: return Integer.toString(r.nextInt(4));
        }
    }

    static String insn(Random r, int label) {
        String d = pick(r, D32), s = pick(r, S32);
        switch (r.nextInt(30)) {
            case 0: case 1: return pick(r, ALU) + " " + d + ", " + s;
            case 2: case 3: return pick(r, ALU) + " " + d + ", " + imm(r);
            case 4: return pick(r, ALU) + " " + pick(r, D8) + ", " + pick(r, S8);
            case 5: return pick(r, ALU) + " " + pick(r, D8) + ", " + r.nextInt(256);
            case 6: return pick(r, ALU) + " " + d + ", dword ptr " + mem(r);
            case 7: return pick(r, ALU) + " dword ptr " + mem(r) + ", " + s;
            case 8: return pick(r, ALU) + " dword ptr " + mem(r) + ", " + imm(r);
            case 9: return pick(r, ALU) + " byte ptr " + mem(r) + ", " + r.nextInt(256);
            case 10: return "mov " + d + ", " + s;
            case 11: return "mov " + d + ", " + imm(r);
            case 12: return "mov " + d + ", dword ptr " + mem(r);
            case 13: return "mov dword ptr " + mem(r) + ", " + s;
            case 14: return "mov dword ptr " + mem(r) + ", " + imm(r);
            case 15: return "mov byte ptr " + mem(r) + ", " + (r.nextBoolean() ? pick(r, S8) : Integer.toString(r.nextInt(256)));
            case 16: return "mov " + pick(r, D8) + ", " + (r.nextBoolean() ? pick(r, S8) : "byte ptr " + mem(r));
            case 17: return (r.nextBoolean() ? "movzx " : "movsx ") + d + ", " + (r.nextBoolean() ? pick(r, S8)
                    : (r.nextBoolean() ? "byte ptr " : "word ptr ") + mem(r));
            case 18: return "lea " + d + ", " + mem(r);
            case 19: return (r.nextBoolean() ? "inc " : "dec ") + (r.nextInt(3) == 0 ? "dword ptr " + mem(r)
                    : r.nextInt(3) == 0 ? pick(r, D8) : d);
            case 20: case 21: {
                String c = r.nextInt(3) == 0 ? "cl" : r.nextInt(4) == 0 ? "1" : Integer.toString(r.nextInt(32));
                return pick(r, SHIFT) + " " + (r.nextInt(4) == 0 ? "dword ptr " + mem(r) : r.nextInt(4) == 0 ? pick(r, D8) : d) + ", " + c;
            }
            case 22: return "imul " + d + ", " + (r.nextBoolean() ? s : "dword ptr " + mem(r));
            case 23: return "imul " + d + ", " + s + ", " + imm(r);
            case 24: return "push " + s + "\n pop " + d;
            case 25: return "push " + imm(r) + "\n pop " + d;
            case 26: case 27: return "j" + pick(r, CC) + " 9" + label + "f\n add " + d + ", 3\n 9" + label + ":";
            case 28: return "test " + d + ", " + imm(r);
            default: return "nop";
        }
    }

    int[] runMix(String src, boolean cache) {
        TestMachine t = new TestMachine(cache ? options() : CpuOptions.INTERPRETER).protectedMode();
        for (int i = 0; i < 0x200; i += 4) t.ram.write32(0x20000 + i, i * 0x9E3779B9);
        t.code(KCODE, src);
        t.cpu.setEip(KCODE);
        t.cpu.setGpr(X86Cpu.ESP, 0x9000);
        assertEquals(RunResult.HALTED, t.run(1_000_000));
        int[] out = new int[10 + 0x80 + 0x40];
        for (int i = 0; i < 8; i++) out[i] = t.cpu.gpr(i);
        out[8] = t.cpu.eflags() & 0x8D5;
        out[9] = t.cpu.eip();
        for (int i = 0; i < 0x80; i++) out[10 + i] = t.ram.read32(0x20000 + 4 * i);
        for (int i = 0; i < 0x40; i++) out[10 + 0x80 + i] = t.ram.read32(0x30000 + 4 * i);
        return out;
    }

    @Test
    void decodedExecutionMatchesTheInterpreter() {
        Random r = new Random(0xC0DECACE);
        for (int prog = 0; prog < 60; prog++) {
            StringBuilder sb = new StringBuilder();
            sb.append("mov ebx, 0x20000\n mov esi, 0x20080\n mov ebp, 4\n mov eax, 0x12345678\n mov edx, 0x9abcdef0\n"
                    + " mov edi, 0x0f0f0f0f\n mov ecx, 5\n outer:\n");
            List<String> body = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                body.add(insn(r, i));
                // record the flags after each instruction (by the interpreter: PUSHFD/POP are not cached)
                body.add("pushfd\n pop dword ptr [" + (0x30000 + 4 * i) + "]");
            }
            for (String b : body) sb.append(b).append('\n');
            sb.append("and ecx, 7\n dec ebp\n jnz outer\n hlt\n");
            String src = sb.toString();
            assertArrayEquals(runMix(src, false), runMix(src, true), "program " + prog + ":\n" + src);
        }
    }
}
