package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * REP STOS and REP MOVS a page at a time (DF clear, 32-bit addressing, flat segments): every
 * element stored with its own bytes, nothing outside the span touched, elements that cross a page
 * boundary, overlapping copies as the element-by-element loop makes them, and a #PF in the middle
 * leaving ECX, ESI, EDI and CR2 at the element.
 */
class RepStringTest {
    final TestMachine m = new TestMachine().protectedMode();
    static final int PD = 0x100000, PT = 0x101000;
    static final int BUF = 0x200000;
    static final int SRC = 0x280000;

    /** Identity-maps the first 4 MiB (supervisor RW) and turns paging on; #PF logs its error code and CR2 and halts. */
    void paging() {
        m.identityMap4MiB(PD, PT, 3);
        m.logPageFaults();
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
    }

    void run(String src) {
        m.code(KCODE, src + "\n hlt");
        m.cpu.setEip(KCODE);
        m.cpu.setHalted(false);
        m.cpu.setGpr(X86Cpu.ESP, 0x9000);
        assertEquals(RunResult.HALTED, m.run(10_000));
    }

    /** Fills BUF-16 .. BUF+4*4096+16 with 0xEE so that stray stores show. */
    void poison() {
        for (int a = BUF - 16; a < BUF + 4 * 4096 + 16; a++) m.ram.write8(a, 0xEE);
    }

    void assertStored(int start, int elements, int size, int value) {
        for (int a = BUF - 16; a < BUF + 4 * 4096 + 16; a++) {
            int k = a - start;
            int expect = k >= 0 && k < elements * size ? (value >>> (8 * (k % size))) & 0xFF : 0xEE;
            assertEquals(expect, m.ram.read8(a), String.format("byte at %#x (%d-byte elements from %#x)", a, size, start));
        }
    }

    @Test
    void everyWidthStoresItsElementsAcrossPagesAndNothingElse() {
        paging();
        int[][] cases = {
            // size, start offset in BUF, element count: spans of 1..3 pages, unaligned starts,
            // dwords and words that cross a page boundary, a span ending 2 mod 4 for words
            {1, 0x7, 3 * 4096 + 5}, {2, 0x3, 4096 + 1}, {2, 0xFFF, 2049}, {4, 0x1, 2 * 4096 / 4 + 3},
            {4, 0xFFE, 1025}, {4, 0x0, 4096}, {1, 0xFFF, 2}, {2, 0x10, 1}};
        int[] values = {0x11223344, 0, 0xA5A5A5A5};
        for (int[] c : cases) {
            for (int value : values) {
                poison();
                int start = BUF + c[1];
                String op = c[0] == 1 ? "stosb" : c[0] == 2 ? "stosw" : "stosd";
                run("mov edi, " + start + "\n mov ecx, " + c[2] + "\n mov eax, " + value + "\n cld\n rep " + op);
                assertEquals(0, m.cpu.gpr(X86Cpu.ECX), "ECX after rep " + op);
                assertEquals(start + c[2] * c[0], m.cpu.gpr(X86Cpu.EDI), "EDI after rep " + op);
                assertStored(start, c[2], c[0], value);
            }
        }
    }

    @Test
    void aPageFaultInTheMiddleLeavesEcxEdiAndCr2AtTheElement() {
        paging();
        m.ram.write32(PT + 4 * ((BUF >>> 12) + 2), 0); // the third page not present
        poison();
        m.ram.write32(0x7000, -1);
        run("mov edi, " + (BUF + 0x10) + "\n mov ecx, 3000\n mov eax, 0x55667788\n cld\n rep stosd");
        int stored = (2 * 4096 - 0x10) / 4;
        assertEquals(2, m.ram.read32(0x7000), "#PF error code: a supervisor write to a not-present page");
        assertEquals(BUF + 2 * 4096, m.ram.read32(0x7004), "CR2");
        assertEquals(3000 - stored, m.cpu.gpr(X86Cpu.ECX), "ECX at the faulting element");
        assertEquals(BUF + 2 * 4096, m.cpu.gpr(X86Cpu.EDI), "EDI at the faulting element");
        for (int a = BUF - 16; a < BUF + 2 * 4096; a++) {
            int k = a - (BUF + 0x10);
            int expect = k >= 0 ? (0x55667788 >>> (8 * (k % 4))) & 0xFF : 0xEE;
            assertEquals(expect, m.ram.read8(a), String.format("byte at %#x", a));
        }
    }

    @Test
    void aDwordCrossingIntoAMissingPageFaultsBeforeStoringAnyOfIt() {
        paging();
        m.ram.write32(PT + 4 * ((BUF >>> 12) + 1), 0); // the second page not present
        poison();
        run("mov edi, " + (BUF + 0xFF2) + "\n mov ecx, 8\n mov eax, 0x01020304\n cld\n rep stosd");
        assertEquals(BUF + 0x1000, m.ram.read32(0x7004), "CR2: the first byte in the missing page");
        assertEquals(5, m.cpu.gpr(X86Cpu.ECX), "ECX: three dwords stored, the fourth crosses");
        assertEquals(BUF + 0xFFE, m.cpu.gpr(X86Cpu.EDI), "EDI at the crossing dword");
        assertEquals(0xEE, m.ram.read8(BUF + 0xFFE), "nothing of the crossing dword stored");
        assertEquals(0xEE, m.ram.read8(BUF + 0xFFF), "nothing of the crossing dword stored");
        assertEquals(0x01020304, m.ram.read32(BUF + 0xFFA));
    }
    /** SRC .. SRC+3 pages: byte k holds (k * 7 + 3) & 0xFF, so a misplaced byte shows. */
    void source() {
        for (int k = 0; k < 3 * 4096; k++) m.ram.write8(SRC + k, (k * 7 + 3) & 0xFF);
    }

    @Test
    void movsCopiesEveryWidthAcrossPagesAndNothingElse() {
        paging();
        source();
        int[][] cases = {
            // size, source offset, destination offset, elements: the two spans crossing pages at
            // different points, dwords crossing a page on either side
            {1, 0x5, 0x7FF, 2 * 4096 + 3}, {2, 0xFFF, 0x3, 3000}, {4, 0x2, 0xFFE, 2000}, {4, 0, 0, 2048},
            {1, 0xFFF, 0xFFF, 2}, {2, 0x10, 0x20, 1}};
        for (int[] c : cases) {
            poison();
            int from = SRC + c[1];
            int to = BUF + c[2];
            String op = c[0] == 1 ? "movsb" : c[0] == 2 ? "movsw" : "movsd";
            run("mov esi, " + from + "\n mov edi, " + to + "\n mov ecx, " + c[3] + "\n cld\n rep " + op);
            int bytes = c[3] * c[0];
            assertEquals(0, m.cpu.gpr(X86Cpu.ECX), "ECX after rep " + op);
            assertEquals(from + bytes, m.cpu.gpr(X86Cpu.ESI), "ESI after rep " + op);
            assertEquals(to + bytes, m.cpu.gpr(X86Cpu.EDI), "EDI after rep " + op);
            for (int a = BUF - 16; a < BUF + 4 * 4096 + 16; a++) {
                int k = a - to;
                int expect = k >= 0 && k < bytes ? ((c[1] + k) * 7 + 3) & 0xFF : 0xEE;
                assertEquals(expect, m.ram.read8(a), String.format("byte at %#x after rep %s of %d", a, op, c[3]));
            }
        }
    }

    @Test
    void overlappingMovsIsTheElementByElementCopy() {
        paging();
        // forwards onto itself one byte ahead: the first byte repeats through the span, across a page
        for (int k = 0; k < 0x2000; k++) m.ram.write8(BUF + k, k & 0xFF);
        run("mov esi, " + (BUF + 0xF00) + "\n mov edi, " + (BUF + 0xF01) + "\n mov ecx, 0x400\n cld\n rep movsb");
        for (int k = 0xF01; k <= 0x1300; k++) {
            assertEquals(0x00, m.ram.read8(BUF + k), String.format("byte at %#x: byte 0xF00 repeated", BUF + k));
        }
        assertEquals(0x01, m.ram.read8(BUF + 0x1301), "the byte after the span");
        // dwords one byte ahead: each dword reads three bytes the one before it stored
        for (int k = 0; k < 64; k++) m.ram.write8(BUF + k, 0x10 + k);
        run("mov esi, " + BUF + "\n mov edi, " + (BUF + 1) + "\n mov ecx, 8\n cld\n rep movsd");
        int[] expect = new int[40];
        for (int k = 0; k < 40; k++) expect[k] = 0x10 + k;
        for (int e = 0; e < 8; e++) {
            int[] v = {expect[4 * e], expect[4 * e + 1], expect[4 * e + 2], expect[4 * e + 3]};
            for (int b = 0; b < 4; b++) expect[4 * e + 1 + b] = v[b];
        }
        for (int k = 0; k < 40; k++) {
            assertEquals(expect[k], m.ram.read8(BUF + k), String.format("byte %d of the dword copy one ahead", k));
        }
        // backwards onto itself (destination below the source): a plain move
        for (int k = 0; k < 0x100; k++) m.ram.write8(BUF + k, k);
        run("mov esi, " + (BUF + 2) + "\n mov edi, " + BUF + "\n mov ecx, 0x3F\n cld\n rep movsd");
        for (int k = 0; k < 0xFC; k++) {
            assertEquals(k + 2, m.ram.read8(BUF + k), String.format("byte %d moved down by two", k));
        }
    }

    @Test
    void aMovsPageFaultOnTheSourceLeavesEcxEsiEdiAndCr2AtTheElement() {
        paging();
        source();
        m.ram.write32(PT + 4 * ((SRC >>> 12) + 1), 0); // the source's second page not present
        poison();
        run("mov esi, " + (SRC + 0x800) + "\n mov edi, " + (BUF + 0x100) + "\n mov ecx, 1000\n cld\n rep movsd");
        int copied = 0x800 / 4;
        assertEquals(0, m.ram.read32(0x7000), "#PF error code: a supervisor read of a not-present page");
        assertEquals(SRC + 0x1000, m.ram.read32(0x7004), "CR2");
        assertEquals(1000 - copied, m.cpu.gpr(X86Cpu.ECX), "ECX at the faulting element");
        assertEquals(SRC + 0x1000, m.cpu.gpr(X86Cpu.ESI), "ESI at the faulting element");
        assertEquals(BUF + 0x100 + 0x800, m.cpu.gpr(X86Cpu.EDI), "EDI at the faulting element");
        for (int k = 0; k < 0x800; k++) {
            assertEquals(((0x800 + k) * 7 + 3) & 0xFF, m.ram.read8(BUF + 0x100 + k), "copied byte " + k);
        }
        assertEquals(0xEE, m.ram.read8(BUF + 0x900), "nothing stored for the faulting element");
    }
}
