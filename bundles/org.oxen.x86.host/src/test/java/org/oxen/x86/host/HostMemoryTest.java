package org.oxen.x86.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Guest RAM outside the heap through the real system calls: mmap, touch, mincore, madvise, munmap. */
class HostMemoryTest {

    private static final long MIB = 1 << 20;

    @Test
    void reservedMemoryReadsZerosAndIsCommittedOnlyWhereTouched() {
        long size = 1024 * MIB;
        long base = HostMemory.reserve(size);
        try {
            assertEquals(0, base % HostMemory.PAGE_SIZE, "page-aligned");
            assertEquals(0, HostMemory.residentBytes(base, size), "nothing resident before a touch");
            assertEquals(0, RawMemory.getLong(base + 512 * MIB), "reads zeros");
            // 16 MiB touched from the middle, one write per page
            long start = base + 256 * MIB;
            for (long a = start; a < start + 16 * MIB; a += HostMemory.PAGE_SIZE) {
                RawMemory.putInt(a + 8, (int) a);
            }
            long resident = HostMemory.residentBytes(base, size);
            // the read above may map the shared zero page; nothing else is touched
            assertTrue(resident >= 16 * MIB && resident <= 16 * MIB + 2 * HostMemory.PAGE_SIZE,
                    "16 MiB touched of 1 GiB, resident " + resident);
            assertEquals(16 * MIB, HostMemory.residentBytes(start, 16 * MIB));
            assertEquals((int) (start + 4096), RawMemory.getInt(start + 4096 + 8), "what was written");

            HostMemory.decommit(start, 8 * MIB);
            assertEquals(8 * MIB, HostMemory.residentBytes(start, 16 * MIB), "half given back");
            assertEquals(0, RawMemory.getInt(start + 4096 + 8), "a decommitted page reads zeros");
            assertEquals((int) (start + 8 * MIB), RawMemory.getInt(start + 8 * MIB + 8), "the rest kept");
        } finally {
            HostMemory.release(base, size);
        }
    }

    @Test
    void copiesAndAtomicsWorkOnHostMemory() {
        long base = HostMemory.reserve(HostMemory.PAGE_SIZE);
        try {
            byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
            RawMemory.copyFromArray(data, 2, base + 100, 6);
            assertEquals(0x06050403, RawMemory.getInt(base + 100));
            byte[] back = new byte[8];
            RawMemory.copyToArray(base + 101, back, 1, 4);
            assertEquals(4, back[1]);
            assertEquals(7, back[4]);
            assertTrue(RawMemory.compareAndSetInt(base + 100, 0x06050403, 42));
            assertEquals(42, RawMemory.getIntVolatile(base + 100));
            assertThrows(IndexOutOfBoundsException.class, () -> RawMemory.copyToArray(base, back, 5, 4));
        } finally {
            HostMemory.release(base, HostMemory.PAGE_SIZE);
        }
    }

    @Test
    void hostFailuresNameTheCallTheArgumentsAndErrno() {
        long base = HostMemory.reserve(2 * HostMemory.PAGE_SIZE);
        try {
            HostException e = assertThrows(HostException.class, () -> HostMemory.decommit(base + 1, 4096));
            assertTrue(e.getMessage().startsWith("madvise(0x" + Long.toHexString(base + 1) + ", 4096 bytes, MADV_DONTNEED): Invalid argument"),
                    e.getMessage());
        } finally {
            HostMemory.release(base, 2 * HostMemory.PAGE_SIZE);
        }
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> HostMemory.reserve(0));
        assertEquals("HostMemory.reserve: bytes must be positive, was 0", size.getMessage());
        HostException huge = assertThrows(HostException.class, () -> HostMemory.reserve(Long.MAX_VALUE));
        assertTrue(huge.getMessage().startsWith("mmap(NULL, " + Long.MAX_VALUE + " bytes"), huge.getMessage());
    }
}
