package org.oxen.guests;

import org.oxen.elf.Elf32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.oxen.guests.GuestImages.Flavor;

/** The native images are multiboot (v1) ELF kernels loaded at 1 MiB. */
class NativeImageTest {

    static Stream<String> programs() {
        return GuestImages.names(Flavor.NATIVE).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void isAMultibootKernelAtOneMegabyte(String name) throws Exception {
        byte[] image = GuestImages.load(Flavor.NATIVE, name);
        Elf32 elf = Elf32.parse(image);
        assertEquals(Elf32.EM_386, elf.machine());
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int header = -1;
        for (int off = 0; off + 12 <= Math.min(image.length, 8192); off += 4) {
            if (b.getInt(off) == 0x1BADB002) {
                header = off;
                break;
            }
        }
        assertTrue(header >= 0, "no multiboot header in the first 8 KiB");
        int flags = b.getInt(header + 4);
        assertEquals(0, b.getInt(header) + flags + b.getInt(header + 8), "multiboot checksum");
        assertEquals(0, flags & 0x10000, "no a.out kludge: the ELF headers describe the load");
        long lowest = Long.MAX_VALUE;
        for (Elf32.ProgramHeader s : elf.programHeaders()) {
            if (s.type() == Elf32.PT_LOAD) {
                lowest = Math.min(lowest, s.paddr());
            }
        }
        assertEquals(0x100000L, lowest, "load address");
        assertTrue(elf.fileOffset(elf.entry()) >= 0, "entry point not in the loaded image");
    }
}
