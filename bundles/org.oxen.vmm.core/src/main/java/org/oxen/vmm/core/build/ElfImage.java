package org.oxen.vmm.core.build;

import java.util.ArrayList;
import java.util.List;

import org.oxen.elf.Elf32;
import org.oxen.elf.ElfException;
import org.oxen.vmm.api.DomainBuildException;

/**
 * What the domain builder needs of a PV kernel, read with the one ELF32 reader
 * ({@link org.oxen.elf.Elf32}): an i386 executable's loadable segments and its notes (from
 * PT_NOTE segments, else from SHT_NOTE sections). A malformed image gives a clear
 * {@link DomainBuildException}, never an exception from the parser.
 */
public final class ElfImage {

    /** A PT_LOAD segment. */
    public record Segment(int offset, long vaddr, long paddr, int filesz, long memsz) {
    }

    /** An ELF note (name without its NUL). */
    public record Note(String name, int type, byte[] desc) {
    }

    private final byte[] file;
    private final long entry;
    private final List<Segment> segments = new ArrayList<>();
    private final List<Note> notes = new ArrayList<>();
    private boolean notesFromSections;

    private ElfImage(byte[] file, long entry) {
        this.file = file;
        this.entry = entry;
    }

    public long entry() {
        return entry;
    }

    public List<Segment> segments() {
        return segments;
    }

    public List<Note> notes() {
        return notes;
    }

    /** The notes came from SHT_NOTE sections (no PT_NOTE segment had any). */
    public boolean notesFromSections() {
        return notesFromSections;
    }

    public byte[] file() {
        return file;
    }

    public static ElfImage parse(byte[] f) throws DomainBuildException {
        Elf32 elf;
        try {
            elf = Elf32.parse(f);
        } catch (ElfException e) {
            throw new DomainBuildException(e.getMessage() + (e.getMessage().contains("ELF class")
                    ? " (oxen boots ELF32 x86_32 PAE kernels)" : ""));
        }
        if (elf.machine() != Elf32.EM_386) {
            throw new DomainBuildException("ELF machine " + elf.machine() + " is not i386 (3)");
        }
        if (elf.type() != Elf32.ET_EXEC) {
            throw new DomainBuildException("ELF type " + elf.type() + " is not an executable (ET_EXEC)");
        }
        if (elf.programHeaders().isEmpty()) {
            throw new DomainBuildException("ELF image has no program headers");
        }
        ElfImage img = new ElfImage(f, elf.entry());
        int i = 0;
        for (Elf32.ProgramHeader p : elf.programHeaders()) {
            if (p.type() == Elf32.PT_LOAD) {
                if (p.memsz() < p.filesz()) {
                    throw new DomainBuildException("ELF segment " + i + " has p_memsz < p_filesz");
                }
                if (p.vaddr() + p.memsz() > 0x1_0000_0000L || p.paddr() + p.memsz() > 0x1_0000_0000L) {
                    throw new DomainBuildException("ELF segment " + i + " wraps the 32-bit address space");
                }
                img.segments.add(new Segment((int) p.offset(), p.vaddr(), p.paddr(), (int) p.filesz(), p.memsz()));
            }
            i++;
        }
        if (img.segments.isEmpty()) {
            throw new DomainBuildException("ELF image has no loadable segment");
        }
        try {
            List<Elf32.Note> found = elf.segmentNotes();
            if (found.isEmpty()) {
                found = elf.sectionNotes();
                img.notesFromSections = !found.isEmpty();
            }
            for (Elf32.Note n : found) {
                img.notes.add(new Note(n.name(), n.type(), n.desc()));
            }
        } catch (ElfException e) {
            throw new DomainBuildException(e.getMessage());
        }
        return img;
    }
}
