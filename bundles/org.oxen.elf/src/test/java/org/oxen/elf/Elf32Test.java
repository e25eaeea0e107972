package org.oxen.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The reader on a hand-made image: what it returns, and a clear ElfException for every bad range. */
class Elf32Test {

    static final int NOTE_OFF = 0x100, LOAD_OFF = 0x200, STR_OFF = 0x300, SH_OFF = 0x340;

    /** ELF header, PT_LOAD (0x200..0x210 at va 0xC0000000), PT_NOTE ("Xen" type 6 "linux"), 3 sections. */
    static byte[] image() {
        ByteBuffer b = ByteBuffer.allocate(SH_OFF + 3 * 40).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1});
        b.putShort(16, (short) Elf32.ET_EXEC).putShort(18, (short) Elf32.EM_386).putInt(24, 0xC0000004)
                .putInt(28, 52).putInt(32, SH_OFF).putShort(40, (short) 52).putShort(42, (short) 32)
                .putShort(44, (short) 2).putShort(46, (short) 40).putShort(48, (short) 3).putShort(50, (short) 2);
        // PT_LOAD
        b.putInt(52, Elf32.PT_LOAD).putInt(56, LOAD_OFF).putInt(60, 0xC0000000).putInt(64, 0x100000)
                .putInt(68, 0x10).putInt(72, 0x1000).putInt(76, 5);
        // PT_NOTE
        b.putInt(84, Elf32.PT_NOTE).putInt(88, NOTE_OFF).putInt(100, 24);
        b.putInt(NOTE_OFF, 4).putInt(NOTE_OFF + 4, 6).putInt(NOTE_OFF + 8, 6);
        b.put(NOTE_OFF + 12, (byte) 'X').put(NOTE_OFF + 13, (byte) 'e').put(NOTE_OFF + 14, (byte) 'n');
        b.put(NOTE_OFF + 16, (byte) 'l').put(NOTE_OFF + 17, (byte) 'i').put(NOTE_OFF + 18, (byte) 'n')
                .put(NOTE_OFF + 19, (byte) 'u').put(NOTE_OFF + 20, (byte) 'x');
        // .shstrtab: "\0.note\0.shstrtab\0"
        byte[] str = "\0.note\0.shstrtab\0".getBytes();
        for (int i = 0; i < str.length; i++) b.put(STR_OFF + i, str[i]);
        int s1 = SH_OFF + 40, s2 = SH_OFF + 80;
        b.putInt(s1, 1).putInt(s1 + 4, Elf32.SHT_NOTE).putInt(s1 + 16, NOTE_OFF).putInt(s1 + 20, 24);
        b.putInt(s2, 7).putInt(s2 + 4, 3).putInt(s2 + 16, STR_OFF).putInt(s2 + 20, str.length);
        return b.array();
    }

    @Test
    void readsHeaderSegmentsSectionsAndNotes() throws Exception {
        Elf32 e = Elf32.parse(image());
        assertEquals(Elf32.ET_EXEC, e.type());
        assertEquals(Elf32.EM_386, e.machine());
        assertEquals(0xC0000004L, e.entry());
        assertEquals(2, e.programHeaders().size());
        Elf32.ProgramHeader load = e.programHeaders().get(0);
        assertEquals(new Elf32.ProgramHeader(Elf32.PT_LOAD, LOAD_OFF, 0xC0000000L, 0x100000, 0x10, 0x1000, 5), load);
        assertEquals(List.of("", ".note", ".shstrtab"), e.sections().stream().map(Elf32.Section::name).toList());
        List<Elf32.Note> seg = e.segmentNotes();
        assertEquals(1, seg.size());
        assertEquals("Xen", seg.get(0).name());
        assertEquals(6, seg.get(0).type());
        assertEquals("linux", seg.get(0).string());
        assertArrayEquals(seg.get(0).desc(), e.sectionNotes().get(0).desc());
        assertEquals(LOAD_OFF + 4, e.fileOffset(0xC0000004L));
        assertEquals(-1, e.fileOffset(0xC0000010L), "past filesz is not file-backed");
    }

    @Test
    void badRangesAreClearErrors() {
        byte[] f = image();
        assertTrue(msg(Arrays.copyOf(f, 20)).contains("not an ELF"));
        byte[] elf64 = f.clone();
        elf64[4] = 2;
        assertTrue(msg(elf64).contains("only ELF32"));
        byte[] be = f.clone();
        be[5] = 2;
        assertTrue(msg(be).contains("little-endian"));
        assertTrue(msg(Arrays.copyOf(f, SH_OFF + 50)).contains("section headers lie outside the file"));
        byte[] seg = f.clone();
        ByteBuffer.wrap(seg).order(ByteOrder.LITTLE_ENDIAN).putInt(68, 0x7FFF0000);
        assertTrue(msg(seg).contains("segment 0 extends beyond the end of the file"), msg(seg));
        byte[] ph = f.clone();
        ByteBuffer.wrap(ph).order(ByteOrder.LITTLE_ENDIAN).putInt(28, f.length - 10);
        assertTrue(msg(ph).contains("program headers lie outside the file"), msg(ph));
        byte[] name = f.clone();
        ByteBuffer.wrap(name).order(ByteOrder.LITTLE_ENDIAN).putInt(SH_OFF + 40, 500);
        assertTrue(msg(name).contains("name lies outside"), msg(name));
    }

    @Test
    void aMalformedNoteIsAnElfException() throws Exception {
        byte[] f = image();
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(NOTE_OFF + 4, 1000); // descsz past the segment
        Elf32 e = Elf32.parse(f);
        ElfException x = assertThrows(ElfException.class, e::segmentNotes);
        assertTrue(x.getMessage().contains("malformed ELF note at file offset 0x100"), x.getMessage());
    }

    /** Random corruption: a parsed image or an ElfException, never another exception. */
    @Test
    void corruptionNeverEscapesAsAnotherException() {
        Random r = new Random(12);
        for (int i = 0; i < 5000; i++) {
            byte[] f = image();
            for (int k = 0; k < 1 + r.nextInt(4); k++) f[r.nextInt(f.length)] = (byte) r.nextInt(256);
            try {
                Elf32 e = Elf32.parse(f);
                e.segmentNotes();
                e.sectionNotes();
            } catch (ElfException expected) {
                // fine
            }
        }
    }

    private static String msg(byte[] f) {
        return assertThrows(ElfException.class, () -> Elf32.parse(f)).getMessage();
    }
}
