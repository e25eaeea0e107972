package org.oxen.guests;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal little-endian ELF32 reader for the tests: header, program
 * headers, section headers (with names) and notes.
 */
final class Elf32 {
    static final int PT_LOAD = 1, PT_NOTE = 4;
    static final int SHT_NOTE = 7;
    static final int ET_EXEC = 2, EM_386 = 3;

    record Segment(int type, long offset, long vaddr, long paddr, long filesz, long memsz, int flags) {
        boolean containsVaddr(long va) {
            return va >= vaddr && va < vaddr + memsz;
        }
    }

    record Section(String name, int type, long addr, long offset, long size) {
    }

    record Note(String owner, int type, byte[] desc) {
        String string() {
            int n = desc.length;
            while (n > 0 && desc[n - 1] == 0) {
                n--;
            }
            return new String(desc, 0, n, StandardCharsets.US_ASCII);
        }

        long word() {
            return ByteBuffer.wrap(desc).order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 0xffffffffL;
        }
    }

    final byte[] image;
    final int type, machine;
    final long entry;
    final List<Segment> segments = new ArrayList<>();
    final List<Section> sections = new ArrayList<>();

    Elf32(byte[] image) {
        this.image = image;
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (image.length < 52 || b.getInt(0) != 0x464c457f) {
            throw new IllegalArgumentException("not an ELF file");
        }
        if (image[4] != 1 || image[5] != 1) {
            throw new IllegalArgumentException("not ELFCLASS32 little-endian");
        }
        type = b.getShort(16) & 0xffff;
        machine = b.getShort(18) & 0xffff;
        entry = u32(b, 24);
        long phoff = u32(b, 28), shoff = u32(b, 32);
        int phentsize = b.getShort(42) & 0xffff, phnum = b.getShort(44) & 0xffff;
        int shentsize = b.getShort(46) & 0xffff, shnum = b.getShort(48) & 0xffff;
        int shstrndx = b.getShort(50) & 0xffff;
        for (int i = 0; i < phnum; i++) {
            int p = (int) phoff + i * phentsize;
            segments.add(new Segment(b.getInt(p), u32(b, p + 4), u32(b, p + 8), u32(b, p + 12),
                    u32(b, p + 16), u32(b, p + 20), b.getInt(p + 24)));
        }
        long strOff = shnum > shstrndx ? u32(b, (int) shoff + shstrndx * shentsize + 16) : 0;
        for (int i = 0; i < shnum; i++) {
            int s = (int) shoff + i * shentsize;
            sections.add(new Section(cstring(strOff + u32(b, s)), b.getInt(s + 4), u32(b, s + 12),
                    u32(b, s + 16), u32(b, s + 20)));
        }
    }

    /** Notes of every PT_NOTE segment. */
    List<Note> segmentNotes() {
        List<Note> out = new ArrayList<>();
        for (Segment s : segments) {
            if (s.type() == PT_NOTE) {
                parseNotes(s.offset(), s.filesz(), out);
            }
        }
        return out;
    }

    /** Notes of every SHT_NOTE section. */
    List<Note> sectionNotes() {
        List<Note> out = new ArrayList<>();
        for (Section s : sections) {
            if (s.type() == SHT_NOTE) {
                parseNotes(s.offset(), s.size(), out);
            }
        }
        return out;
    }

    /** The file offset holding virtual address va, or -1 if it is not file-backed. */
    long fileOffset(long va) {
        for (Segment s : segments) {
            if (s.type() == PT_LOAD && va >= s.vaddr() && va < s.vaddr() + s.filesz()) {
                return s.offset() + (va - s.vaddr());
            }
        }
        return -1;
    }

    private void parseNotes(long offset, long size, List<Note> out) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        long p = offset, end = offset + size;
        while (p + 12 <= end) {
            int namesz = b.getInt((int) p), descsz = b.getInt((int) p + 4), type = b.getInt((int) p + 8);
            long name = p + 12, desc = name + align4(namesz);
            String owner = new String(image, (int) name, Math.max(0, namesz - 1), StandardCharsets.US_ASCII);
            byte[] d = new byte[descsz];
            System.arraycopy(image, (int) desc, d, 0, descsz);
            out.add(new Note(owner, type, d));
            p = desc + align4(descsz);
        }
    }

    private String cstring(long off) {
        int end = (int) off;
        while (end < image.length && image[end] != 0) {
            end++;
        }
        return new String(image, (int) off, end - (int) off, StandardCharsets.US_ASCII);
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }

    private static long u32(ByteBuffer b, int off) {
        return b.getInt(off) & 0xffffffffL;
    }
}
