package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.PageType;

/** The domain builder: notes from segments or sections, refusals with clear errors, no leaks. */
class DomainBuilderTest {

    static Vmm vmm;

    @BeforeAll
    static void start() {
        vmm = new Vmm(128L << 20, 1);
    }

    @AfterAll
    static void stop() {
        vmm.shutdown();
    }

    static byte[] hello() {
        return GuestImages.load(GuestImages.Flavor.PV, "hello");
    }

    static Domain boot(String name, byte[] image) throws Exception {
        Domain d = vmm.create(DomainConfig.builder(name).kernel(image).memoryMiB(8).build());
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), d.consoleOutput());
        assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
        return d;
    }

    static final int PT_NULL = 0, PT_NOTE = 4, SHT_PROGBITS = 1, SHT_NOTE = 7;

    /** Program headers ({@code sections == false}) or section headers of type {@code type} in an ELF32 image. */
    static int countHeaders(byte[] img, boolean sections, int type) {
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        int off = b.getInt(sections ? 32 : 28), num = b.getShort(sections ? 48 : 44), size = sections ? 40 : 32;
        int n = 0;
        for (int i = 0; i < num; i++) {
            if (b.getInt(off + i * size + (sections ? 4 : 0)) == type) n++;
        }
        return n;
    }

    /** Changes the type of every program header of type {@code from} to {@code to}; there must be one. */
    static byte[] patchPhdrs(byte[] img, int from, int to) {
        return patch(img, false, from, to);
    }

    /** Changes the type of every section header of type {@code from} to {@code to}; there must be one. */
    static byte[] patchShdrs(byte[] img, int from, int to) {
        return patch(img, true, from, to);
    }

    private static byte[] patch(byte[] img, boolean sections, int from, int to) {
        int had = countHeaders(img, sections, from);
        assertTrue(had > 0, "no " + (sections ? "section" : "program") + " header of type " + from + " to patch");
        byte[] f = img.clone();
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        int off = b.getInt(sections ? 32 : 28), num = b.getShort(sections ? 48 : 44), size = sections ? 40 : 32;
        for (int i = 0; i < num; i++) {
            int at = off + i * size + (sections ? 4 : 0);
            if (b.getInt(at) == from) b.putInt(at, to);
        }
        assertEquals(0, countHeaders(f, sections, from), "the patch left headers of type " + from);
        assertEquals(countHeaders(img, sections, to) + had, countHeaders(f, sections, to));
        return f;
    }

    /** The MMU's translation (read access at CPL 1), the hole included; -1 if not mapped. */
    static long walk(int cr3, int va) {
        return walkWith(vmm, cr3, va);
    }

    static long walkWith(Vmm vmm, int cr3, int va) {
        var ram = vmm.pool().ram();
        long l3e = ram.read64((cr3 & 0xFFFFFFE0L) + ((va >>> 30) << 3));
        if ((l3e & 1) == 0) return -1;
        long l2e = ram.read64((l3e & 0xFFFFFFFFF000L) + (((va >>> 21) & 511) << 3));
        if ((l2e & 1) == 0) return -1;
        long l1e = ram.read64((l2e & 0xFFFFFFFFF000L) + (((va >>> 12) & 511) << 3));
        if ((l1e & 1) == 0) return -1;
        return (l1e & 0xFFFFFFFFF000L) | (va & 0xFFF);
    }

    DomainBuildException refused(byte[] image) {
        long free = vmm.freeFrames();
        int before = vmm.list().size();
        DomainBuildException e = assertThrows(DomainBuildException.class,
                () -> vmm.create(DomainConfig.builder("bad").kernel(image).memoryMiB(8).build()));
        assertEquals(free, vmm.freeFrames(), "frames leaked by a refused build");
        assertEquals(before, vmm.list().size());
        return e;
    }

    @Test
    void notesFromThePtNoteSegmentAlone() throws Exception {
        byte[] img = patchShdrs(hello(), SHT_NOTE, SHT_PROGBITS);
        assertEquals(0, countHeaders(img, true, SHT_NOTE), "a note section is left");
        assertTrue(countHeaders(img, false, PT_NOTE) > 0, "no PT_NOTE segment to read the notes from");
        Domain d = boot("seg-notes", img);
        vmm.destroy(d.id());
    }

    @Test
    void notesFromANoteSectionAlone() throws Exception {
        byte[] img = patchPhdrs(hello(), PT_NOTE, PT_NULL);
        assertEquals(0, countHeaders(img, false, PT_NOTE), "a PT_NOTE segment is left");
        assertTrue(countHeaders(img, true, SHT_NOTE) > 0, "no note section to read the notes from");
        Domain d = boot("sect-notes", img);
        vmm.destroy(d.id());
    }

    @Test
    void startOfDayLayout() throws Exception {
        DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder("layout").kernel(hello()).memoryMiB(8)
                .cmdline("a=1 b=2").startPaused(true).build());
        try {
            var cpu = d.vcpu(0).cpu();
            var g = vmm.guest();
            int cr3 = cpu.cr(3);
            int si = cpu.gpr(org.oxen.x86.cpu.X86Cpu.ESI);
            byte[] magic = new byte[15];
            g.read(cr3, si, magic, 0, 15);
            assertEquals("xen-3.0-x86_32p", new String(magic, StandardCharsets.US_ASCII));
            assertEquals(2048, g.read32(cr3, si + 32));
            int ptBase = g.read32(cr3, si + 60), nrPt = g.read32(cr3, si + 64), mfnList = g.read32(cr3, si + 68);
            // order: kernel, p2m, start_info, xenstore, console, page tables, stack; page aligned
            assertTrue(mfnList < si && si < ptBase && (ptBase & 0xFFF) == 0 && (si & 0xFFF) == 0);
            assertEquals(si + 3 * 4096, ptBase);
            assertEquals(ptBase + nrPt * 4096 + 4096, cpu.gpr(org.oxen.x86.cpu.X86Cpu.ESP));
            assertEquals(0xe019, cpu.segment(org.oxen.x86.cpu.X86Cpu.CS).selector);
            assertEquals(1, cpu.cpl());
            assertEquals(1, d.vcpu(0).upcallMask());
            // p2m and M2P agree, frames are not contiguous
            int contiguous = 0;
            for (int pfn = 0; pfn < 2048; pfn++) {
                int mfn = g.read32(cr3, mfnList + pfn * 4);
                assertEquals(d.memory().p2m(pfn), mfn);
                assertEquals(pfn, vmm.pool().m2pGet(mfn));
                assertEquals(pfn, vmm.pool().ram().read32(walk(cr3, 0xF5800000 + mfn * 4))); // the guest's view
                if (pfn > 0 && mfn == d.memory().p2m(pfn - 1) + 1) contiguous++;
            }
            assertTrue(contiguous < 100, "frames handed out contiguously: " + contiguous);
            // boot tables read-only, L3 pinned, command line passed
            assertTrue(vmm.guest().translate(cr3, ptBase, true) < 0);
            int l3 = PvVcpu.of(d.vcpu(0)).baseL3();
            assertEquals(PageType.L3, vmm.pool().type(l3) & PageType.TYPE_MASK);
            assertTrue(vmm.pool().isPinned(l3));
            byte[] cl = new byte[7];
            g.read(cr3, si + 80, cl, 0, 7);
            assertEquals("a=1 b=2", new String(cl, StandardCharsets.US_ASCII));
            // hypercall page: slot 17 = mov $17,%eax; int $0x82; ret, slot 23 = push %eax; ...
            assertEquals(0xB8, g.read8(cr3, 0xC0001000 + 17 * 32));
            assertEquals(17, g.read32(cr3, 0xC0001000 + 17 * 32 + 1));
            assertEquals(0x82CD, g.read16(cr3, 0xC0001000 + 17 * 32 + 5));
            assertEquals(0xC3, g.read8(cr3, 0xC0001000 + 17 * 32 + 7));
            assertEquals(0x50, g.read8(cr3, 0xC0001000 + 23 * 32));
            assertEquals(DomainState.PAUSED, d.state());
        } finally {
            vmm.destroy(d.id());
        }
    }

    @Test
    void bsdSymtabWithoutASymbolTableOrOutsideTheImageIsRefused() {
        byte[] sym = GuestImages.load(GuestImages.Flavor.PV, "symtab");
        // no SHT_SYMTAB (2) left: libelf marks such an image broken
        DomainBuildException e = refused(patchShdrs(sym, 2, 1));
        assertTrue(e.getMessage().contains("no SHT_SYMTAB"), e.getMessage());
        // the symbol table's bytes beyond the file (the ELF reader's section check names it)
        byte[] f = sym.clone();
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        int off = b.getInt(32), num = b.getShort(48);
        for (int i = 0; i < num; i++) {
            if (b.getInt(off + i * 40 + 4) == 2) b.putInt(off + i * 40 + 20, 0x7FFFFFF0);
        }
        e = refused(f);
        assertTrue(e.getMessage().contains("beyond the end of the file"), e.getMessage());
    }

    @Test
    void malformedAndUnsupportedImagesAreRefusedClearly() {
        byte[] h = hello();
        assertTrue(refused(new byte[10]).getMessage().contains("not an ELF"));
        assertTrue(refused(Arrays.copyOf(h, 3000)).getMessage().contains("outside the file")
                || refused(Arrays.copyOf(h, 3000)).getMessage().contains("beyond"));
        byte[] elf64 = h.clone();
        elf64[4] = 2;
        assertTrue(refused(elf64).getMessage().contains("ELF32"));
        byte[] arm = h.clone();
        arm[18] = 40;
        assertTrue(refused(arm).getMessage().contains("i386"));
        byte[] noNotes = patchShdrs(patchPhdrs(h, PT_NOTE, PT_NULL), SHT_NOTE, SHT_PROGBITS);
        assertTrue(refused(noNotes).getMessage().contains("no Xen ELF notes"));
        assertTrue(refused(new MiniGuest().bytes(0xF4).paeMode("no").image()).getMessage().contains("not PAE"));
        DomainBuildException req = refused(new MiniGuest().bytes(0xF4)
                .features("pae_pgdir_above_4gb|!supervisor_mode_kernel").image());
        assertTrue(req.getMessage().contains("requires feature 'supervisor_mode_kernel'"), req.getMessage());
        // a required feature oxen has is fine
        long free = vmm.freeFrames();
        assertTrue(assertThrows(DomainBuildException.class, () -> vmm.create(DomainConfig.builder("big")
                .kernel(h).memoryMiB(1).build())).getMessage().contains("memory too small"));
        assertEquals(free, vmm.freeFrames());
        assertThrows(DomainBuildException.class, () -> vmm.create(DomainConfig.builder("huge").kernel(h)
                .memoryMiB(1024).build()));
        assertEquals(free, vmm.freeFrames());
    }

    /** Random corruption of the ELF headers and notes: a domain or a DomainBuildException, never a leak. */
    @Test
    void corruptedImagesNeverEscapeTheBuilder() throws Exception {
        byte[] h = hello();
        java.util.Random rnd = new java.util.Random(42);
        long free = vmm.freeFrames();
        int built = 0, refused = 0;
        for (int i = 0; i < 300; i++) {
            byte[] f = h.clone();
            int n = 1 + rnd.nextInt(4);
            for (int k = 0; k < n; k++) {
                // the ELF header, program headers and the notes live in the first 0x1000 bytes; section headers at the end
                int at = rnd.nextBoolean() ? rnd.nextInt(Math.min(0x1000, f.length)) : f.length - 1 - rnd.nextInt(0x400);
                f[at] = (byte) rnd.nextInt(256);
            }
            try {
                Domain d = vmm.create(DomainConfig.builder("fuzz").kernel(f).memoryMiB(8).startPaused(true).build());
                built++;
                vmm.destroy(d.id());
            } catch (DomainBuildException e) {
                refused++;
                assertTrue(e.getCause() == null, "the builder failed on an unchecked case: " + e.getMessage());
            }
            assertEquals(free, vmm.freeFrames(), "frames leaked at iteration " + i);
        }
        assertTrue(built > 0 && refused > 0, built + " built, " + refused + " refused");
        assertEquals(0, vmm.internalErrors());
    }

    @Test
    void requiredFeatureThatOxenHasBoots() throws Exception {
        Domain d = vmm.create(DomainConfig.builder("req-ok").kernel(new MiniGuest().features("!pae_pgdir_above_4gb")
                .shutdown(0).image()).memoryMiB(4).build());
        assertTrue(d.awaitShutdown(10, TimeUnit.SECONDS));
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        vmm.destroy(d.id());
    }
}
