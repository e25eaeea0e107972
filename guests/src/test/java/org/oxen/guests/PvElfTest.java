package org.oxen.guests;

import org.oxen.elf.Elf32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.oxen.guests.GuestImages.Flavor;

/**
 * The PV images are Xen x86_32 PAE kernels a domain builder can load: the
 * Xen notes (in a PT_NOTE segment and a .note section alike) name the
 * entry, the hypercall page and the layout, and the image respects them.
 */
class PvElfTest {
    static final long VIRT_BASE = 0xC0000000L;
    static final long HYPERVISOR_VIRT_START = 0xF5800000L;
    static final int ENTRY = 1, HYPERCALL_PAGE = 2, NOTE_VIRT_BASE = 3, PADDR_OFFSET = 4,
            XEN_VERSION = 5, GUEST_OS = 6, GUEST_VERSION = 7, LOADER = 8, PAE_MODE = 9,
            FEATURES = 10, HV_START_LOW = 12;

    static Stream<String> programs() {
        return GuestImages.names(Flavor.PV).stream();
    }

    private static Map<Integer, Elf32.Note> xenNotes(List<Elf32.Note> notes) {
        Map<Integer, Elf32.Note> map = new HashMap<>();
        for (Elf32.Note n : notes) {
            // FEATURES may come more than once (libelf ORs them: ptwrite adds "!writable_page_tables")
            if (n.name().equals("Xen") && !(n.type() == FEATURES && map.containsKey(FEATURES))) {
                assertTrue(map.put(n.type(), n) == null, "duplicate Xen note type " + n.type());
            }
        }
        return map;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void xenNotesDescribeThePaeKernel(String name) throws Exception {
        Elf32 elf = Elf32.parse(GuestImages.load(Flavor.PV, name));
        assertEquals(Elf32.ET_EXEC, elf.type(), "ELF type");
        assertEquals(Elf32.EM_386, elf.machine(), "ELF machine");

        Map<Integer, Elf32.Note> notes = xenNotes(elf.segmentNotes());
        for (int type : new int[] {ENTRY, HYPERCALL_PAGE, NOTE_VIRT_BASE, PADDR_OFFSET, XEN_VERSION,
                GUEST_OS, GUEST_VERSION, LOADER, PAE_MODE, FEATURES, HV_START_LOW}) {
            assertNotNull(notes.get(type), "Xen note type " + type + " missing from PT_NOTE");
        }
        assertFalse(notes.get(GUEST_OS).string().isEmpty(), "GUEST_OS");
        assertEquals("xen-3.0", notes.get(XEN_VERSION).string(), "XEN_VERSION");
        assertEquals("generic", notes.get(LOADER).string(), "LOADER");
        assertEquals("yes", notes.get(PAE_MODE).string(), "PAE_MODE");
        List<String> features = Arrays.asList(notes.get(FEATURES).string().split("\\|"));
        assertTrue(features.contains("writable_page_tables"), "FEATURES " + features);
        assertTrue(features.contains("pae_pgdir_above_4gb"), "FEATURES " + features);
        assertEquals(VIRT_BASE, notes.get(NOTE_VIRT_BASE).word(), "VIRT_BASE");
        assertEquals(VIRT_BASE, notes.get(PADDR_OFFSET).word(), "PADDR_OFFSET");
        assertEquals(HYPERVISOR_VIRT_START, notes.get(HV_START_LOW).word(), "HV_START_LOW");
        assertEquals(elf.entry(), notes.get(ENTRY).word(), "ENTRY note == e_entry");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void notesAreInASectionToo(String name) throws Exception {
        Elf32 elf = Elf32.parse(GuestImages.load(Flavor.PV, name));
        Map<Integer, Elf32.Note> bySegment = xenNotes(elf.segmentNotes());
        Map<Integer, Elf32.Note> bySection = xenNotes(elf.sectionNotes());
        assertEquals(bySegment.keySet(), bySection.keySet());
        bySegment.forEach((type, note) ->
                assertTrue(Arrays.equals(note.desc(), bySection.get(type).desc()), "note " + type));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void segmentsSitBetweenVirtBaseAndTheHypervisor(String name) throws Exception {
        Elf32 elf = Elf32.parse(GuestImages.load(Flavor.PV, name));
        boolean entryInText = false;
        long lowest = Long.MAX_VALUE;
        for (Elf32.ProgramHeader s : elf.programHeaders()) {
            if (s.type() != Elf32.PT_LOAD) {
                continue;
            }
            lowest = Math.min(lowest, s.vaddr());
            assertEquals(s.vaddr(), s.paddr(), "p_paddr == p_vaddr (PADDR_OFFSET == VIRT_BASE)");
            assertTrue(s.vaddr() >= VIRT_BASE, "segment below VIRT_BASE: " + s);
            assertTrue(s.vaddr() + s.memsz() <= HYPERVISOR_VIRT_START, "segment reaches the hypervisor: " + s);
            assertTrue(s.filesz() <= s.memsz(), "filesz > memsz: " + s);
            if (s.containsVaddr(elf.entry()) && (s.flags() & 1) != 0) {
                entryInText = true;
            }
        }
        assertEquals(VIRT_BASE, lowest, "the image starts at VIRT_BASE (pfn 0)");
        assertTrue(entryInText, "entry point is not in an executable PT_LOAD segment");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void hypercallPageIsAZeroedPageOfTheImage(String name) throws Exception {
        Elf32 elf = Elf32.parse(GuestImages.load(Flavor.PV, name));
        long page = xenNotes(elf.segmentNotes()).get(HYPERCALL_PAGE).word();
        assertEquals(0, page & 0xfff, "hypercall page not page-aligned: 0x" + Long.toHexString(page));
        long off = elf.fileOffset(page);
        long offEnd = elf.fileOffset(page + 4095);
        assertNotEquals(-1, off, "hypercall page is not file-backed in a PT_LOAD segment");
        assertEquals(off + 4095, offEnd, "hypercall page is not one contiguous page of the image");
        for (int i = 0; i < 4096; i++) {
            assertEquals(0, elf.file()[(int) off + i], "hypercall page byte " + i + " is not zero");
        }
        assertNotEquals(page, elf.entry(), "entry point inside the hypercall page");
    }
}
