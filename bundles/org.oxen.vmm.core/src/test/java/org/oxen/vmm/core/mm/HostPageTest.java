package org.oxen.vmm.core.mm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.Ram;

/** The hypervisor's view of one frame by host address: every offset checked against the frame first. */
class HostPageTest {

    @Test
    void offsetsOutsideTheFrameAreRefusedBeforeAnyAccess() {
        Ram ram = new Ram(4 * 4096);
        ram.write32(2 * 4096, 0x11223344); // the next frame's first dword
        ram.write8(4096 - 1, 0x55);       // the previous frame's last byte
        HostPage page = new HostPage(ram, 4096);
        assertThrows(IndexOutOfBoundsException.class, () -> page.getInt(4096), "the next frame");
        assertThrows(IndexOutOfBoundsException.class, () -> page.getInt(4094), "a dword crossing the end");
        assertThrows(IndexOutOfBoundsException.class, () -> page.getByte(-1), "the previous frame");
        assertThrows(IndexOutOfBoundsException.class, () -> page.put(4000, new byte[100], 0, 100));
        assertThrows(IndexOutOfBoundsException.class, () -> page.get(0, ByteBuffer.allocateDirect(4097)));
        assertThrows(IllegalArgumentException.class, () -> page.getIntAcquire(2), "acquire needs an aligned dword");
        assertThrows(IllegalArgumentException.class, () -> new HostPage(ram, 4 * 4096), "not a page of the RAM");
        assertEquals(0x11223344, ram.read32(2 * 4096), "nothing written outside");
        assertEquals(0x55, ram.read8(4096 - 1));
    }

    @Test
    void bytesMoveThroughHeapAndDirectBuffersAndCopiesAreOwnPages() {
        Ram ram = new Ram(2 * 4096);
        HostPage page = new HostPage(ram, 4096);
        byte[] data = new byte[4096];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 13 + 1);
        page.put(0, ByteBuffer.allocateDirect(4096).put(data).flip());
        assertEquals(data[100] & 0xFF, ram.read8(4096 + 100));
        ByteBuffer big = ByteBuffer.allocateDirect(4093).order(ByteOrder.BIG_ENDIAN);
        page.get(3, big);
        assertEquals(4093, big.position());
        byte[] back = new byte[4093];
        big.flip().get(back);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 3, 4096), back, "a direct buffer of either order");
        page.putInt(8, 0xCAFEF00D);
        assertEquals(0xCAFEF00D, page.getIntAcquire(8));
        page.putInt(9, 0x01020304);
        assertEquals(0x01020304, page.getInt(9), "unaligned plain dwords");
        HostPage copy = page.copy();
        page.putByte(0, 0x77);
        assertEquals(data[0] & 0xFF, copy.getByte(0), "a copy does not follow the frame");
        HostPage.copy(page, 0, page, 1, 64); // overlapping, as memmove
        assertEquals(0x77, page.getByte(1));
        assertEquals(data[1] & 0xFF, page.getByte(2));
    }

    /**
     * Session 16: a Domain-0 view that outlives its RAM's owner (the hypervisor stopped while a
     * backend still holds a mapping) throws naming the RAM, never touches the released memory;
     * a detached copy is a private page of its own (no RAM, no mapping) and goes on working.
     */
    @Test
    void aViewOfAReleasedRamThrowsNamingItAndADetachedCopyIsItsOwnPage() {
        Ram ram = new Ram(4 * 4096, "the hypervisor's machine memory");
        HostPage page = new HostPage(ram, 2 * 4096);
        page.putInt(16, 0x5EED);
        HostPage copy = page.copy();
        long base = ram.directAddress(0, false);
        ram.release();
        for (org.junit.jupiter.api.function.Executable use : java.util.List.<org.junit.jupiter.api.function.Executable>of(
                () -> page.getInt(16), () -> page.putByte(0, 1), () -> page.get(0, new byte[8], 0, 8),
                () -> page.getIntAcquire(16), () -> page.putIntRelease(16, 1), () -> page.copy(),
                () -> HostPage.copy(copy, 0, page, 0, 8))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, use);
            String at = "the hypervisor's machine memory (16 KiB of guest RAM at 0x" + Long.toHexString(base)
                    + ") was released by its owner: a Domain-0 view's access at 0x20";
            assertEquals(at, e.getMessage().substring(0, Math.min(at.length(), e.getMessage().length())));
        }
        assertEquals(0x5EED, copy.getInt(16), "a detached copy is its own page");
        copy.putInt(16, 7);
        assertEquals(7, copy.getInt(16));
    }

}
