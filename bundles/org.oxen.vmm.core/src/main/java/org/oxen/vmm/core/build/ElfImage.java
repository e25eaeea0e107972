package org.oxen.vmm.core.build;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.oxen.vmm.api.DomainBuildException;

/**
 * A parsed ELF32 i386 executable: its loadable segments and its notes. Every offset and size
 * is checked against the file before use, so a truncated or hostile image gives a clear
 * {@link DomainBuildException} and never an exception from the parser.
 */
public final class ElfImage {

    public static final int PT_LOAD = 1, PT_NOTE = 4;
    public static final int SHT_NOTE = 7;

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
        if (f.length < 52 || f[0] != 0x7F || f[1] != 'E' || f[2] != 'L' || f[3] != 'F') {
            throw new DomainBuildException("not an ELF image (bad magic or shorter than an ELF header)");
        }
        if (f[4] != 1) {
            throw new DomainBuildException("ELF class " + f[4] + " unsupported: oxen boots ELF32 (x86_32 PAE) kernels");
        }
        if (f[5] != 1) {
            throw new DomainBuildException("ELF image is not little-endian");
        }
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.getShort(16) & 0xFFFF;
        int machine = b.getShort(18) & 0xFFFF;
        if (machine != 3) {
            throw new DomainBuildException("ELF machine " + machine + " is not i386 (3)");
        }
        if (type != 2) {
            throw new DomainBuildException("ELF type " + type + " is not an executable (ET_EXEC)");
        }
        ElfImage img = new ElfImage(f, b.getInt(24) & 0xFFFFFFFFL);
        long phoff = b.getInt(28) & 0xFFFFFFFFL;
        long shoff = b.getInt(32) & 0xFFFFFFFFL;
        int phentsize = b.getShort(42) & 0xFFFF;
        int phnum = b.getShort(44) & 0xFFFF;
        int shentsize = b.getShort(46) & 0xFFFF;
        int shnum = b.getShort(48) & 0xFFFF;
        if (phnum == 0) {
            throw new DomainBuildException("ELF image has no program headers");
        }
        if (phentsize < 32 || phoff + (long) phnum * phentsize > f.length) {
            throw new DomainBuildException("ELF program headers lie outside the file");
        }
        boolean notesInSegments = false;
        for (int i = 0; i < phnum; i++) {
            int o = (int) (phoff + (long) i * phentsize);
            int ptype = b.getInt(o);
            long off = b.getInt(o + 4) & 0xFFFFFFFFL;
            long vaddr = b.getInt(o + 8) & 0xFFFFFFFFL;
            long paddr = b.getInt(o + 12) & 0xFFFFFFFFL;
            long filesz = b.getInt(o + 16) & 0xFFFFFFFFL;
            long memsz = b.getInt(o + 20) & 0xFFFFFFFFL;
            if (ptype == PT_LOAD) {
                if (off + filesz > f.length) {
                    throw new DomainBuildException("ELF segment " + i + " extends beyond the end of the file");
                }
                if (memsz < filesz) {
                    throw new DomainBuildException("ELF segment " + i + " has p_memsz < p_filesz");
                }
                if (vaddr + memsz > 0x1_0000_0000L || paddr + memsz > 0x1_0000_0000L) {
                    throw new DomainBuildException("ELF segment " + i + " wraps the 32-bit address space");
                }
                img.segments.add(new Segment((int) off, vaddr, paddr, (int) filesz, memsz));
            } else if (ptype == PT_NOTE) {
                if (off + filesz > f.length) {
                    throw new DomainBuildException("ELF note segment " + i + " extends beyond the end of the file");
                }
                int before = img.notes.size();
                parseNotes(f, (int) off, (int) filesz, img.notes);
                notesInSegments |= img.notes.size() > before;
            }
        }
        if (img.segments.isEmpty()) {
            throw new DomainBuildException("ELF image has no loadable segment");
        }
        if (!notesInSegments && shnum > 0) {
            if (shentsize < 40 || shoff + (long) shnum * shentsize > f.length) {
                throw new DomainBuildException("ELF section headers lie outside the file");
            }
            for (int i = 0; i < shnum; i++) {
                int o = (int) (shoff + (long) i * shentsize);
                if (b.getInt(o + 4) != SHT_NOTE) continue;
                long off = b.getInt(o + 16) & 0xFFFFFFFFL;
                long size = b.getInt(o + 20) & 0xFFFFFFFFL;
                if (off + size > f.length) {
                    throw new DomainBuildException("ELF note section " + i + " extends beyond the end of the file");
                }
                parseNotes(f, (int) off, (int) size, img.notes);
            }
            img.notesFromSections = !img.notes.isEmpty();
        }
        return img;
    }

    private static void parseNotes(byte[] f, int off, int size, List<Note> out) throws DomainBuildException {
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        long end = (long) off + size;
        long p = off;
        while (p + 12 <= end) {
            long namesz = b.getInt((int) p) & 0xFFFFFFFFL;
            long descsz = b.getInt((int) p + 4) & 0xFFFFFFFFL;
            int type = b.getInt((int) p + 8);
            long name = p + 12;
            long desc = name + ((namesz + 3) & ~3L);
            long next = desc + ((descsz + 3) & ~3L);
            if (desc + descsz > end || next < p) {
                throw new DomainBuildException("malformed ELF note at file offset 0x" + Long.toHexString(p));
            }
            int nl = (int) namesz;
            while (nl > 0 && f[(int) name + nl - 1] == 0) nl--;
            String n = new String(f, (int) name, nl, StandardCharsets.US_ASCII);
            byte[] d = new byte[(int) descsz];
            System.arraycopy(f, (int) desc, d, 0, d.length);
            out.add(new Note(n, type, d));
            p = next;
        }
    }
}
