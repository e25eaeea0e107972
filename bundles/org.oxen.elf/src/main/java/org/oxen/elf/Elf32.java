package org.oxen.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A parsed ELF32 little-endian image (System V ABI, Intel386 supplement). {@link #parse} checks
 * the identification, and that the program header table, the section header table, every
 * segment's and every section's file range and every section name lie inside the file; notes
 * are read on demand with the same checks. Offsets and addresses are unsigned 32-bit values in
 * {@code long}s. Immutable; the file is not copied and must not change afterwards.
 */
public final class Elf32 {

    public static final int ET_EXEC = 2;
    public static final int EM_386 = 3;
    public static final int PT_NULL = 0, PT_LOAD = 1, PT_NOTE = 4;
    public static final int SHT_NOTE = 7, SHT_NOBITS = 8;
    /** Size of the ELF32 file header. */
    public static final int EHDR_SIZE = 52;

    /** A program header. */
    public record ProgramHeader(int type, long offset, long vaddr, long paddr, long filesz, long memsz, int flags) {
        /** Whether {@code va} lies in the segment's memory image. */
        public boolean containsVaddr(long va) {
            return va >= vaddr && va < vaddr + memsz;
        }
    }

    /** A section header, with its name from the section name string table. */
    public record Section(String name, int type, long addr, long offset, long size) {
    }

    /** A note: owner name (without its NUL), type, descriptor bytes. */
    public record Note(String name, int type, byte[] desc) {
        /** The descriptor as a NUL-terminated ASCII string. */
        public String string() {
            int n = desc.length;
            while (n > 0 && desc[n - 1] == 0) n--;
            return new String(desc, 0, n, StandardCharsets.US_ASCII);
        }

        /** The descriptor's first 32-bit little-endian word (unsigned); 0 if shorter. */
        public long word() {
            return desc.length < 4 ? 0 : ByteBuffer.wrap(desc).order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 0xFFFFFFFFL;
        }
    }

    private final byte[] file;
    private final int type;
    private final int machine;
    private final long entry;
    private final List<ProgramHeader> programHeaders;
    private final List<Section> sections;

    private Elf32(byte[] file, int type, int machine, long entry, List<ProgramHeader> ph, List<Section> sh) {
        this.file = file;
        this.type = type;
        this.machine = machine;
        this.entry = entry;
        this.programHeaders = Collections.unmodifiableList(ph);
        this.sections = Collections.unmodifiableList(sh);
    }

    /** Whether {@code f} starts with the ELF magic (it may still be malformed). */
    public static boolean hasMagic(byte[] f) {
        return f.length >= 4 && f[0] == 0x7F && f[1] == 'E' && f[2] == 'L' && f[3] == 'F';
    }

    /**
     * Parses {@code f}.
     *
     * @throws ElfException if it is not an ELF32 little-endian image or a table or range lies
     *     outside the file
     */
    public static Elf32 parse(byte[] f) throws ElfException {
        if (f.length < EHDR_SIZE || !hasMagic(f)) {
            throw new ElfException("not an ELF image (bad magic or shorter than an ELF header)");
        }
        if (f[4] != 1) {
            throw new ElfException("ELF class " + f[4] + " unsupported: only ELF32 images are read");
        }
        if (f[5] != 1) {
            throw new ElfException("ELF image is not little-endian");
        }
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.getShort(16) & 0xFFFF;
        int machine = b.getShort(18) & 0xFFFF;
        long entry = u32(b, 24);
        long phoff = u32(b, 28);
        long shoff = u32(b, 32);
        int phentsize = b.getShort(42) & 0xFFFF;
        int phnum = b.getShort(44) & 0xFFFF;
        int shentsize = b.getShort(46) & 0xFFFF;
        int shnum = b.getShort(48) & 0xFFFF;
        int shstrndx = b.getShort(50) & 0xFFFF;

        List<ProgramHeader> ph = new ArrayList<>(phnum);
        if (phnum > 0) {
            if (phentsize < 32 || phoff + (long) phnum * phentsize > f.length) {
                throw new ElfException("ELF program headers lie outside the file (" + phnum + " of " + phentsize
                        + " bytes at 0x" + Long.toHexString(phoff) + ", file " + f.length + " bytes)");
            }
            for (int i = 0; i < phnum; i++) {
                int o = (int) (phoff + (long) i * phentsize);
                ProgramHeader p = new ProgramHeader(b.getInt(o), u32(b, o + 4), u32(b, o + 8), u32(b, o + 12),
                        u32(b, o + 16), u32(b, o + 20), b.getInt(o + 24));
                if (p.offset() + p.filesz() > f.length) {
                    throw new ElfException("ELF segment " + i + " extends beyond the end of the file (0x"
                            + Long.toHexString(p.offset()) + " + 0x" + Long.toHexString(p.filesz()) + ")");
                }
                ph.add(p);
            }
        }

        List<Section> sh = new ArrayList<>(shnum);
        if (shnum > 0) {
            if (shentsize < 40 || shoff + (long) shnum * shentsize > f.length) {
                throw new ElfException("ELF section headers lie outside the file (" + shnum + " of " + shentsize
                        + " bytes at 0x" + Long.toHexString(shoff) + ", file " + f.length + " bytes)");
            }
            long strOff = -1, strSize = 0;
            if (shstrndx != 0 && shstrndx < shnum) {
                int s = (int) (shoff + (long) shstrndx * shentsize);
                strOff = u32(b, s + 16);
                strSize = u32(b, s + 20);
                if (strOff + strSize > f.length) {
                    throw new ElfException("ELF section name table extends beyond the end of the file");
                }
            }
            for (int i = 0; i < shnum; i++) {
                int s = (int) (shoff + (long) i * shentsize);
                int stype = b.getInt(s + 4);
                long off = u32(b, s + 16), size = u32(b, s + 20);
                if (stype != SHT_NOBITS && i != 0 && off + size > f.length) {
                    throw new ElfException("ELF section " + i + " extends beyond the end of the file (0x"
                            + Long.toHexString(off) + " + 0x" + Long.toHexString(size) + ")");
                }
                String name = "";
                if (strOff >= 0) {
                    long n = u32(b, s);
                    if (n >= strSize) {
                        throw new ElfException("ELF section " + i + "'s name lies outside the section name table");
                    }
                    name = cstring(f, strOff + n, strOff + strSize);
                }
                sh.add(new Section(name, stype, u32(b, s + 12), off, size));
            }
        }
        return new Elf32(f, type, machine, entry, ph, sh);
    }

    public byte[] file() {
        return file;
    }

    /** e_type ({@link #ET_EXEC}, ...). */
    public int type() {
        return type;
    }

    /** e_machine ({@link #EM_386}, ...). */
    public int machine() {
        return machine;
    }

    public long entry() {
        return entry;
    }

    public List<ProgramHeader> programHeaders() {
        return programHeaders;
    }

    public List<Section> sections() {
        return sections;
    }

    /** The notes of every PT_NOTE segment, in file order. */
    public List<Note> segmentNotes() throws ElfException {
        List<Note> out = new ArrayList<>();
        for (ProgramHeader p : programHeaders) {
            if (p.type() == PT_NOTE) notes(p.offset(), p.filesz(), out);
        }
        return out;
    }

    /** The notes of every SHT_NOTE section, in file order. */
    public List<Note> sectionNotes() throws ElfException {
        List<Note> out = new ArrayList<>();
        for (Section s : sections) {
            if (s.type() == SHT_NOTE) notes(s.offset(), s.size(), out);
        }
        return out;
    }

    /** The file offset holding virtual address {@code va} in a PT_LOAD segment, or -1 if none does. */
    public long fileOffset(long va) {
        for (ProgramHeader p : programHeaders) {
            if (p.type() == PT_LOAD && va >= p.vaddr() && va < p.vaddr() + p.filesz()) {
                return p.offset() + (va - p.vaddr());
            }
        }
        return -1;
    }

    private void notes(long off, long size, List<Note> out) throws ElfException {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long end = off + size;
        long p = off;
        while (p + 12 <= end) {
            long namesz = u32(b, (int) p);
            long descsz = u32(b, (int) p + 4);
            int ntype = b.getInt((int) p + 8);
            long name = p + 12;
            long desc = name + ((namesz + 3) & ~3L);
            long next = desc + ((descsz + 3) & ~3L);
            if (desc + descsz > end || next < p) {
                throw new ElfException("malformed ELF note at file offset 0x" + Long.toHexString(p));
            }
            int nl = (int) namesz;
            while (nl > 0 && file[(int) name + nl - 1] == 0) nl--;
            byte[] d = new byte[(int) descsz];
            System.arraycopy(file, (int) desc, d, 0, d.length);
            out.add(new Note(new String(file, (int) name, nl, StandardCharsets.US_ASCII), ntype, d));
            p = next;
        }
    }

    private static String cstring(byte[] f, long off, long limit) {
        int end = (int) off;
        while (end < limit && f[end] != 0) end++;
        return new String(f, (int) off, end - (int) off, StandardCharsets.US_ASCII);
    }

    private static long u32(ByteBuffer b, int off) {
        return b.getInt(off) & 0xFFFFFFFFL;
    }
}
