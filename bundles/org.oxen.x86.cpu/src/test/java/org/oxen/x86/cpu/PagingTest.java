package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;
import static org.oxen.x86.cpu.testkit.TestMachine.UCODE;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/** 2-level, PSE and PAE paging: #PF error codes and CR2, WP, NX, A/D bits, global pages, INVLPG. */
class PagingTest {
    final TestMachine m = new TestMachine().protectedMode();
    static final int PD = 0x100000, PT = 0x101000;

    /** Identity-maps the first 4 MiB with user RW 4 KiB pages; #PF logs its error code and CR2 and halts. */
    void twoLevel() {
        m.identityMap4MiB(PD, PT, 7);
        m.logPageFaults();
    }

    int pte(int lin) {
        return PT + (lin >>> 12) * 4;
    }

    void pagingOn(int extraCr0) {
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000 | extraCr0);
    }

    RunResult kernel(String src) {
        m.code(KCODE, src + "\n hlt");
        m.cpu.setEip(KCODE);
        m.cpu.setHalted(false);
        m.cpu.setGpr(X86Cpu.ESP, 0x9000);
        return m.run(10_000);
    }

    RunResult user(String src) {
        m.code(KCODE, "mov ax, 0x23\n mov ds, ax\n mov es, ax\n push 0x23\n push 0x8000\n pushfd\n push 0x1b\n push "
                + UCODE + "\n iretd");
        m.code(UCODE, src + "\n int 0x80");
        m.idt(0x80, 0x08, 0x31000, 0xF, 3);
        m.code(0x31000, "mov dword ptr [0x7008], 1\n hlt");
        m.cpu.setEip(KCODE);
        m.cpu.setHalted(false);
        m.cpu.setGpr(X86Cpu.ESP, 0x9000);
        return m.run(10_000);
    }

    void assertFault(int err, int cr2) {
        assertEquals(err, m.ram.read32(0x7000), "error code");
        assertEquals(cr2, m.ram.read32(0x7004), "CR2");
        m.ram.write32(0x7000, -1);
    }

    @Test
    void errorCodesAndWriteProtect() {
        twoLevel();
        m.ram.write32(pte(0x50000), 0x50000 | 5); // user read-only
        m.ram.write32(pte(0x51000), 0x51000 | 3); // supervisor RW
        m.ram.write32(pte(0x52000), 0); // not present
        pagingOn(0);
        assertEquals(RunResult.HALTED, kernel("mov dword ptr [0x50000], 1\n mov dword ptr [0x7000], 0x99"));
        assertEquals(0x99, m.ram.read32(0x7000)); // WP=0: supervisor writes to read-only pages
        pagingOn(0x10000);
        kernel("mov dword ptr [0x50010], 1");
        assertFault(3, 0x50010);
        kernel("mov eax, [0x52008]");
        assertFault(0, 0x52008);
        user("mov eax, [0x51000]");
        assertFault(5, 0x51000);
        user("mov dword ptr [0x50004], 2");
        assertFault(7, 0x50004);
        user("mov dword ptr [0x52ffc], 2");
        assertFault(6, 0x52ffc);
        // an access straddling into a not-present page faults on the second page
        kernel("mov eax, [0x51ffe]");
        assertFault(0, 0x52000);
    }

    @Test
    void accessedAndDirtyBits() {
        twoLevel();
        m.ram.write32(pte(0x60000), 0x60000 | 7);
        m.ram.write32(pte(0x61000), 0x61000 | 7);
        pagingOn(0);
        kernel("mov eax, [0x60000]\n mov dword ptr [0x61000], 5");
        assertEquals(0x20, m.ram.read32(pte(0x60000)) & 0x60);
        assertEquals(0x60, m.ram.read32(pte(0x61000)) & 0x60);
        assertTrue((m.ram.read32(PD) & 0x20) != 0);
    }

    @Test
    void largePagesWithPse() {
        twoLevel();
        m.ram.write32(PD + 4 * 2, 0x400000 | 0x87); // 0x800000 -> 0x400000, 4 MiB, user RW
        m.ram.write32(0x400000 + 0x1234, 0xfeedf00d);
        m.cpu.setCr(4, 0x10);
        pagingOn(0);
        kernel("mov eax, [0x801234]");
        assertEquals(0xfeedf00d, m.cpu.gpr(X86Cpu.EAX));
    }

    @Test
    void globalPagesSurviveCr3ReloadUntilInvlpg() {
        twoLevel();
        m.ram.write32(0x300000, 0xAAAA);
        m.ram.write32(0x301000, 0xBBBB);
        m.ram.write32(0x302000, 0xCCCC);
        int pt2 = 0x102000;
        for (int i = 0; i < 1024; i++) m.ram.write32(pt2 + 4 * i, 0);
        m.ram.write32(PD + 4 * 2, pt2 | 7);
        m.ram.write32(pt2, 0x300000 | 0x107); // 0x800000 global
        m.ram.write32(pt2 + 4, 0x301000 | 7); // 0x801000 not global
        m.cpu.setCr(4, 0x80);
        pagingOn(0);
        String touch = "mov eax, [0x800000]\n mov ebx, [0x801000]\n";
        String retarget = "mov dword ptr [" + pt2 + "], 0x302107\n mov dword ptr [" + (pt2 + 4) + "], 0x302007\n";
        String reload = "mov ecx, cr3\n mov cr3, ecx\n";
        kernel(touch + retarget + reload + touch + "mov esi, eax\n mov edi, ebx\n invlpg [0x800000]\n mov eax, [0x800000]");
        assertEquals(0xAAAA, m.cpu.gpr(X86Cpu.ESI)); // global entry survived the CR3 reload
        assertEquals(0xCCCC, m.cpu.gpr(X86Cpu.EDI)); // non-global re-walked
        assertEquals(0xCCCC, m.cpu.gpr(X86Cpu.EAX)); // INVLPG dropped the global entry
        // clearing CR4.PGE flushes global entries too
        kernel("mov dword ptr [" + pt2 + "], 0x300107\n invlpg [0x800000]\n mov eax, [0x800000]\n mov dword ptr [" + pt2
                + "], 0x301107\n mov ecx, cr3\n mov cr3, ecx\n mov ebx, [0x800000]\n mov ecx, 0\n mov cr4, ecx\n mov esi, [0x800000]");
        assertEquals(0xAAAA, m.cpu.gpr(X86Cpu.EBX));
        assertEquals(0xBBBB, m.cpu.gpr(X86Cpu.ESI));
    }

    /**
     * A flush drops every entry filled since the last one however many there are (the TLB lists
     * the entries it fills and a flush clears those), keeps a global entry across two CR3 reloads,
     * and INVLPG at one address of a 4 MiB page drops the entry cached under another address.
     */
    @Test
    void flushesDropEveryFilledEntryKeepGlobalsAndInvlpgDropsALargePageWhole() {
        twoLevel();
        int pt2 = 0x102000;
        m.ram.write32(0x300000, 1);
        m.ram.write32(0x302000, 2);
        for (int i = 0; i < 1024; i++) m.ram.write32(pt2 + 4 * i, 0x300000 | 7);
        m.ram.write32(pt2, 0x300000 | 0x107); // 0x800000 global
        m.ram.write32(PD + 4 * 2, pt2 | 7);
        m.ram.write32(PD + 4 * 3, 0x400000 | 0x187); // 0xC00000: 4 MiB at 0x400000, global
        m.ram.write32(0x700000 + 0x1000, 0x41); // 0xF01000 and 0xF02000: TLB slots the loop leaves alone
        m.ram.write32(0x700000 + 0x2000, 0x42);
        m.cpu.setCr(4, 0x80 | 0x10);
        pagingOn(0);
        // 511 pages (TLB slots 1..511), each cached after the loop
        String sum = "xor eax, eax\n mov ecx, 0x801000\n l: add eax, [ecx]\n add ecx, 0x1000\n cmp ecx, 0xA00000\n jne l\n";
        kernel(sum + "mov ebx, [0xF01000]\n mov edx, [0xF02000]\n mov esi, [0x800000]");
        assertEquals(511, m.cpu.gpr(X86Cpu.EAX));
        assertEquals(0x41, m.cpu.gpr(X86Cpu.EBX));
        assertEquals(0x42, m.cpu.gpr(X86Cpu.EDX));
        for (int i = 0; i < 1024; i++) m.ram.write32(pt2 + 4 * i, 0x302000 | (i == 0 ? 0x107 : 7));
        m.ram.write32(PD + 4 * 3, 0x800000 | 0x187);
        m.ram.write32(0xB00000 + 0x1000, 0x61);
        m.ram.write32(0xB00000 + 0x2000, 0x62);
        kernel("mov ecx, cr3\n mov cr3, ecx\n mov cr3, ecx\n" + sum
                + "mov esi, [0x800000]\n mov edi, [0xF02000]\n invlpg [0xF01000]\n mov ebx, [0xF01000]\n mov edx, [0xF02000]");
        assertEquals(2 * 511, m.cpu.gpr(X86Cpu.EAX)); // every non-global entry re-walked
        assertEquals(1, m.cpu.gpr(X86Cpu.ESI)); // the global entry survived both reloads
        assertEquals(0x42, m.cpu.gpr(X86Cpu.EDI)); // and the global large page's
        assertEquals(0x61, m.cpu.gpr(X86Cpu.EBX));
        assertEquals(0x62, m.cpu.gpr(X86Cpu.EDX)); // the large page's other entry went with INVLPG
    }

    static final int PDPT = 0x110000, PAE_PD = 0x111000, PAE_PT = 0x112000;

    void pae() {
        for (int i = 0; i < 512; i++) {
            m.ram.write64(PAE_PD + 8 * i, 0);
            m.ram.write64(PAE_PT + 8 * i, (long) i << 12 | 7);
        }
        m.ram.write64(PAE_PD, PAE_PT | 7); // 0-2 MiB identity, 4 KiB pages
        m.ram.write64(PAE_PD + 8, 0x200000 | 0x87); // 2-4 MiB identity, 2 MiB page
        for (int i = 0; i < 4; i++) m.ram.write64(PDPT + 8 * i, PAE_PD | 1); // every GiB -> same PD
        m.cpu.setCr(4, 0x20);
        m.cpu.setCr(3, PDPT);
        m.logPageFaults();
        pagingOn(0x10000);
    }

    @Test
    void paeTranslationLargePagesAndFaults() {
        pae();
        m.ram.write32(0x250010, 0x12345678);
        kernel("mov eax, [0x40250010]\n mov ebx, [0xC0250010]");
        assertEquals(0x12345678, m.cpu.gpr(X86Cpu.EAX));
        assertEquals(0x12345678, m.cpu.gpr(X86Cpu.EBX));
        assertEquals(0x20, m.ram.read64(PAE_PD + 8) & 0x20);
        m.ram.write64(PAE_PT + 8 * 0x55, 0x55000 | 5); // read-only
        kernel("mov dword ptr [0x55000], 1");
        assertFault(3, 0x55000);
        m.ram.write64(PAE_PT + 8 * 0x56, 0x56000 | 7 | 1L << 40); // reserved bit above MAXPHYADDR
        kernel("mov eax, [0x56000]");
        assertFault(9, 0x56000);
    }

    @Test
    void noExecuteInPae() {
        pae();
        m.cpu.setMsr(0xC0000080, 0x800);
        m.ram.write64(PAE_PT + 8 * 0x57, 0x57000 | 7 | 1L << 63);
        m.ram.write8(0x57000, 0x90);
        kernel("mov esi, [0x57000]\n mov ecx, 0x57000\n jmp ecx");
        assertEquals(0x90, m.cpu.gpr(X86Cpu.ESI) & 0xFF); // readable
        assertFault(0x11, 0x57000); // instruction fetch, protection
        m.cpu.setMsr(0xC0000080, 0);
        kernel("mov eax, [0x57000]");
        assertFault(9, 0x57000); // without NXE bit 63 is reserved
    }

    @Test
    void ownerTranslatesAndCopiesGuestLinearMemory() {
        twoLevel();
        m.ram.write32(pte(0x50000), 0x70000 | 5); // user read-only, remapped
        m.ram.write32(pte(0x51000), 0x71000 | 7);
        m.ram.write32(pte(0x52000), 0); // not present
        pagingOn(0x10000);
        assertEquals(0x70123, m.cpu.translateLinear(0x50123, false, true));
        assertEquals(-1 - 7, m.cpu.translateLinear(0x50123, true, true)); // user write to read-only
        assertEquals(-1 - 4, m.cpu.translateLinear(0x52000, false, true));
        byte[] b = {1, 2, 3, 4, 5, 6, 7, 8};
        org.junit.jupiter.api.Assertions.assertFalse(m.cpu.writeLinear(0x50ffc, b, 0, 8, false)); // WP: read-only page
        assertTrue(m.cpu.writeLinear(0x51ffc, b, 0, 4, false));
        assertEquals(0x04030201, m.ram.read32(0x71ffc));
        byte[] out = new byte[4];
        assertTrue(m.cpu.readLinear(0x51ffc, out, 0, 4, true));
        assertEquals(3, out[2]);
        org.junit.jupiter.api.Assertions.assertFalse(m.cpu.readLinear(0x51ffe, out, 0, 4, true)); // runs into 0x52000
        assertEquals(0x60, m.ram.read32(pte(0x51000)) & 0x60); // A and D set like a CPU access
    }
}
