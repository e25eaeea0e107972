package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;


import org.junit.jupiter.api.Test;
import org.oxen.x86.api.DirectMemory;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.TranslatorTest.Mode;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * The inline memory path of translated code, with its page cache per memory instruction (the
 * page a site used last, kept for one call of the region): accesses at every offset of several
 * pages, crossing pages included; a page remapped between two calls of a region; and the
 * dirty bit and write protection of a page the region has read before it writes it. Each runs on
 * the interpreter and translated, with the same results.
 */
class TranslatorMemoryTest {

    private static final int PT = 0x100000, PD = 0x101000, BUF = 0x400000;

    /** A machine with paging on: 0..4 MiB identity, 4 MiB.. mapped by the table at 0x102000. */
    private static TestMachine paged(Mode mode, String src) {
        TestMachine t = TranslatorTest.machine(mode);
        page(t, src);
        return t;
    }

    /** Paging on {@code t} as {@link #paged} describes, {@code src} at KCODE, EIP there. */
    static void page(TestMachine t, String src) {
        for (int i = 0; i < 1024; i++) t.ram.write32(PT + 4 * i, i << 12 | 3);
        t.ram.write32(PD, PT | 3);
        t.ram.write32(PD + 4, 0x102000 | 3);
        for (int i = 0; i < 1024; i++) t.ram.write32(0x102000 + 4 * i, (0x400 + i) << 12 | 3);
        t.cpu.setCr(3, PD);
        t.cpu.setCr(0, t.cpu.cr(0) | 0x80010000); // PG, WP
        t.code(KCODE, src);
        t.cpu.setEip(KCODE);
        t.cpu.setGpr(X86Cpu.ESP, 0x9000);
    }

    /**
     * Loads, stores, a read-modify-write and byte accesses at a stride of 3 bytes over three pages,
     * so every offset class and every page crossing of a dword occurs at each site.
     */
    @Test
    void accessesAtEveryOffsetAcrossPagesMatchTheInterpreter() {
        String src = "mov esi, " + BUF + "\n mov ecx, 3 * 4096 / 3 - 2\n xor edx, edx\n"
                + "top: mov eax, [esi]\n add edx, eax\n xor eax, ecx\n mov [esi + 1], eax\n add [esi + 2], edx\n"
                + " movzx ebx, byte ptr [esi + 3]\n add edx, ebx\n mov byte ptr [esi], dl\n add esi, 3\n dec ecx\n jnz top\n hlt";
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = paged(mode, src);
            for (int i = 0; i < 3 * 1024 + 4; i++) t.ram.write32(BUF + 4 * i, i * 0x9E3779B9);
            assertEquals(RunResult.HALTED, t.run(1_000_000));
            int[] s = new int[9 + 3 * 1024];
            for (int i = 0; i < 8; i++) s[i] = t.cpu.gpr(i);
            s[8] = (int) t.cpu.instructionCount();
            for (int i = 0; i < 3 * 1024; i++) s[9 + i] = t.ram.read32(BUF + 4 * i);
            out[mode.ordinal()] = s;
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        assertArrayEquals(out[0], out[1]);
    }

    /**
     * A loop reads the same linear page on every iteration and, every 8th, points that page at
     * the other of two frames (a PTE store and INVLPG, which the interpreter runs: the region is
     * left and entered again). Every read sees the frame mapped at that moment.
     */
    @Test
    void aPageRemappedBetweenCallsOfARegionIsReadThroughItsNewFrame() {
        int pte = 0x102000 + 4 * 5, lin = BUF + 5 * 4096;
        String src = "mov ecx, 64\n xor edx, edx\n mov edi, 0x500000\n"
                + "top: add edx, [" + lin + "]\n add edx, [" + (lin + 8) + "]\n test ecx, 7\n jnz 1f\n"
                + " xor edi, 0x500000 ^ 0x501000\n mov eax, edi\n or eax, 3\n mov [" + pte + "], eax\n invlpg [" + lin + "]\n"
                + "1: dec ecx\n jnz top\n hlt";
        int[] edx = new int[2];
        for (Mode mode : Mode.values()) {
            TestMachine t = paged(mode, src);
            t.ram.write32(pte, 0x500000 | 3);
            t.ram.write32(0x500000, 1);
            t.ram.write32(0x500008, 2);
            t.ram.write32(0x501000, 1000);
            t.ram.write32(0x501008, 2000);
            assertEquals(RunResult.HALTED, t.run(100_000));
            edx[mode.ordinal()] = t.reg(X86Cpu.EDX);
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        // ecx 64..57 read frame 0x500000 (3 each), then the mapping flips every 8 iterations
        int expect = 0;
        boolean second = false;
        for (int ecx = 64; ecx > 0; ecx--) {
            expect += second ? 3000 : 3;
            if ((ecx & 7) == 0) second = !second;
        }
        assertEquals(expect, edx[0], "interpreter");
        assertEquals(expect, edx[1], "translated");
    }

    /**
     * A loop stores to a writable and to a read-only page in its first round (so the stores are
     * decoded and join the region) and in its last; in between, the host makes the first page
     * clean again and the second read-only again and flushes the TLB (as a hypervisor would), and
     * the loop reads both pages 200 times, so their load sites and TLB entries hold them for
     * reading. The last round's stores, inside the region: the clean page's PTE gets its dirty
     * bit, the read-only page raises #PF (protection, write) at the store, whose handler makes it
     * writable and returns.
     */
    @Test
    void aPageReadBeforeIsWrittenWithItsDirtyBitAndWriteProtection() {
        String src = "mov ecx, 200\n xor edx, edx\n"
                + "top: add edx, [" + BUF + "]\n add edx, [" + (BUF + 4096) + "]\n cmp ecx, 200\n je 2f\n cmp ecx, 1\n jne 1f\n"
                + "2: mov [" + (BUF + 16) + "], edx\n mov [" + (BUF + 4096 + 16) + "], edx\n"
                + "1: dec ecx\n jnz top\n hlt\n"
                + "pf: push eax\n mov eax, [esp + 4]\n mov [0x31000], eax\n mov eax, [esp + 8]\n mov [0x31004], eax\n"
                + " inc dword ptr [0x31008]\n or dword ptr [0x102004], 2\n invlpg [" + (BUF + 4096) + "]\n pop eax\n add esp, 4\n iret\n";
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = paged(mode, src);
            t.ram.write32(BUF, 3);
            t.ram.write32(BUF + 4096, 4);
            int pf = KCODE + org.oxen.x86.cpu.testkit.Asm.asm(KCODE, src.substring(0, src.indexOf("pf:"))).length;
            t.idt(14, 0x08, pf, 0xE, 0);
            t.ram.write32(0x102004, 0x401000 | 1); // read-only
            // the first round: 2 + 8 instructions, then the handler's 11 for the read-only page
            assertEquals(RunResult.INSTRUCTION_LIMIT, t.run(2 + 8 + 11));
            assertEquals(1, t.ram.read32(0x31008), "the first round's #PF");
            t.ram.write32(0x102000, 0x400000 | 1 | 2); // writable, clean (D = 0)
            t.ram.write32(0x102004, 0x401000 | 1); // read-only
            t.cpu.flushTlb();
            assertEquals(RunResult.HALTED, t.run(100_000));
            out[mode.ordinal()] = new int[] {t.ram.read32(0x102000), t.ram.read32(0x31000), t.ram.read32(0x31004),
                t.ram.read32(0x31008), t.ram.read32(BUF + 16), t.ram.read32(BUF + 4096 + 16), (int) t.cpu.instructionCount()};
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        int storeEip = KCODE + org.oxen.x86.cpu.testkit.Asm.asm(KCODE,
                src.substring(0, src.indexOf("mov [" + (BUF + 4096 + 16) + "]")) + "\n1:").length; // (jne 1f: short)
        assertEquals(0x40, out[0][0] & 0x40, "dirty bit of the clean page after the store");
        assertEquals(3, out[0][1], "#PF error code: protection, write");
        assertEquals(storeEip, out[0][2], "#PF at the store to the read-only page");
        assertEquals(2, out[0][3], "two #PF");
        assertEquals(1400, out[0][4]);
        assertEquals(1400, out[0][5]);
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }

    /**
     * A memory that gives one page no host address ({@link DirectMemory#directAddress} 0: not
     * plain RAM) and whose accessors read each dword of that page one higher than RAM holds. The
     * TLB gives that page no tags, so the interpreter and translated code, whose page caches read
     * host memory directly, read every dword of it through the memory's accessors. The loop sums
     * a whole page twice (so that it is translated and entered), then, run again, the other one:
     * the sum is the one the accessors give, on both tiers.
     */
    @Test
    void aPageWithoutAHostAddressIsReadThroughTheMemory() {
        int otherFrame = 0x400000 + 7 * 4096;
        String src = "top: add edx, [esi]\n add esi, 4\n dec ecx\n jnz top\n hlt";
        for (Mode mode : new Mode[] {Mode.TRANSLATOR, Mode.INTERPRETER}) {
            TestMachine t = new TestMachine(mode == Mode.INTERPRETER ? CpuOptions.INTERPRETER
                    : CpuOptions.DEFAULT.translateAtOnce(), ram -> new NoAddressPageMemory(ram, otherFrame))
                    .protectedMode();
            page(t, src);
            int expect = 0;
            for (int i = 0; i < 2048; i++) { // the page before the other one (summed twice), and the other one (+1 a dword)
                t.ram.write32(otherFrame - 4096 + 4 * i, 0x01000193 * (i + 1));
                expect += i < 1024 ? 2 * 0x01000193 * (i + 1) : 0x01000193 * (i + 1) + 1;
            }
            t.cpu.setGpr(X86Cpu.EDX, 0);
            for (int pass = 0; pass < 3; pass++) { // the whole page twice, then (into the region at top) the other one
                t.cpu.setHalted(false);
                t.cpu.setEip(KCODE);
                t.cpu.setGpr(X86Cpu.ESI, BUF + (pass < 2 ? 6 : 7) * 4096);
                t.cpu.setGpr(X86Cpu.ECX, 1024);
                assertEquals(RunResult.HALTED, t.run(100_000));
            }
            assertEquals(expect, t.reg(X86Cpu.EDX), mode.toString());
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
    }

    /**
     * A region compiled while DS is flat with base 0 (which adds no base at its accesses) does
     * not run once DS has another base: the loop, run again after DS is loaded with a selector
     * whose base is 0x1000 (limit 4 GiB), reads its dwords 0x1000 further on, on both tiers; a
     * region compiled then (under that base) adds it.
     */
    @Test
    void aRegionCompiledForZeroBasedSegmentsDoesNotRunUnderAnotherBase() {
        String src = "top: add edx, [esi]\n add esi, 4\n dec ecx\n jnz top\n hlt";
        int data = 0x50000;
        for (Mode mode : new Mode[] {Mode.TRANSLATOR, Mode.INTERPRETER}) {
            TestMachine t = TranslatorTest.machine(mode);
            t.code(KCODE, src);
            t.seg(0x50, 0x1000, 0xFFFFF, 0x92, 0xC); // data, base 0x1000, 4 GiB
            for (int i = 0; i < 2048; i++) t.ram.write32(data + 4 * i, 0x9E3779B9 * (i + 1));
            int[] expect = new int[3];
            int[] got = new int[3];
            for (int pass = 0; pass < 3; pass++) { // DS = 0x10 (base 0), then 0x50 (base 0x1000) twice
                if (pass == 1) assertTrue(t.cpu.loadSegment(X86Cpu.DS, 0x50));
                int base = pass == 0 ? 0 : 0x1000;
                for (int i = 0; i < 256; i++) expect[pass] += 0x9E3779B9 * ((base + 4 * i) / 4 + 1);
                t.cpu.setHalted(false);
                t.cpu.setEip(KCODE);
                t.cpu.setGpr(X86Cpu.ESI, data);
                t.cpu.setGpr(X86Cpu.ECX, 256);
                t.cpu.setGpr(X86Cpu.EDX, 0);
                assertEquals(RunResult.HALTED, t.run(100_000));
                got[pass] = t.reg(X86Cpu.EDX);
            }
            assertArrayEquals(expect, got, mode.toString());
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
    }

    /** {@link Ram} without a host address for page {@code otherPage}, whose dwords read one higher there. */
    private static final class NoAddressPageMemory implements PhysicalMemory, DirectMemory {
        private final Ram ram;
        private final long otherPage;

        NoAddressPageMemory(Ram ram, long otherPage) {
            this.ram = ram;
            this.otherPage = otherPage;
        }

        @Override
        public long directAddress(long pageAddress, boolean write) {
            return pageAddress == otherPage ? 0 : ram.directAddress(pageAddress, write);
        }

        @Override
        public int read8(long a) {
            return ram.read8(a);
        }

        @Override
        public int read16(long a) {
            return ram.read16(a);
        }

        @Override
        public int read32(long a) {
            return ram.read32(a) + ((a & ~0xFFFL) == otherPage ? 1 : 0);
        }

        @Override
        public long read64(long a) {
            return ram.read64(a);
        }

        @Override
        public void write8(long a, int v) {
            ram.write8(a, v);
        }

        @Override
        public void write16(long a, int v) {
            ram.write16(a, v);
        }

        @Override
        public void write32(long a, int v) {
            ram.write32(a, v);
        }

        @Override
        public void write64(long a, long v) {
            ram.write64(a, v);
        }
    }
}
