package org.oxen.x86.api;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.oxen.x86.host.HostMemory;
import org.oxen.x86.host.RawMemory;

class RamTest {

    private static final long MIB = 1 << 20;

    /**
     * Session 16: a RAM's owner releases it when it ends; its pages go back to the host at once,
     * not at a GC. The test holds {@code ram} strongly throughout, so the Cleaner cannot have
     * run: whatever the process gives back is the release's doing.
     */
    @Test
    void aReleasedRamGivesItsPagesBackAtOnceAndRefusesEveryUseByName() {
        Ram ram = new Ram(256 * MIB, "machine 7");
        byte[] page = new byte[4096];
        java.util.Arrays.fill(page, (byte) 0x5A);
        for (long a = 0; a < 64 * MIB; a += 4096) {
            ram.load(a, page, 0, page.length);
        }
        long p = ram.directAddress(0x5000, true);
        assertEquals(64 * MIB, ram.committedBytes());
        assertEquals(64 * MIB, ram.residentBytes());
        long rssBefore = HostMemory.processResidentBytes();

        assertTrue(ram.release());
        assertTrue(ram.isReleased());
        long rssAfter = HostMemory.processResidentBytes();
        assertEquals(0, ram.residentBytes(), "every page given back by the release itself");
        assertEquals(0, ram.committedBytes());
        assertTrue(rssBefore - rssAfter >= 60 * MIB, "the process's VmRSS falls by the RAM's 64 MiB: "
                + (rssBefore >> 20) + " MiB -> " + (rssAfter >> 20) + " MiB");
        assertFalse(ram.release(), "a second release is nothing");

        String name = "machine 7 (256 MiB of guest RAM at 0x";
        for (org.junit.jupiter.api.function.Executable use : java.util.List.<org.junit.jupiter.api.function.Executable>of(
                () -> ram.read8(0x1000), () -> ram.read32(0x1000), () -> ram.read64(64 * MIB - 8),
                () -> ram.write8(0x1000, 1), () -> ram.write32(0x1000, 1), () -> ram.write64(0x1000, 1),
                () -> ram.directAddress(0x5000, false), () -> ram.load(0, page, 0, 16),
                () -> ram.copyOut(0, page, 0, 16), () -> ram.compareAndSet32(0, 0, 1),
                () -> ram.readVolatile32(0), () -> ram.decommit(0x5000), () -> ram.zeroPage(0x5000),
                () -> ram.watchWrites(5))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, use);
            assertTrue(e.getMessage().startsWith(name) && e.getMessage().contains("was released by its owner"),
                    e.getMessage());
        }
        assertEquals("machine 7 (256 MiB of guest RAM at 0x" + Long.toHexString(p - 0x5000)
                + ") was released by its owner: read at 0x1234 after the release",
                assertThrows(IllegalStateException.class, () -> ram.read16(0x1234)).getMessage());
        // a raw address a protocol-breaking holder kept never faults: the range stays reserved
        assertEquals(0, RawMemory.getInt(p), "reads zeros, not SIGSEGV");
        assertEquals(256 * MIB, ram.size());
    }

    @Test
    void aLargeRamCommitsOnlyThePagesWritten() {
        Ram ram = new Ram(1L << 30);
        assertEquals(0, ram.committedBytes(), "a fresh RAM holds no pages");
        assertEquals(0, ram.read32(0x1234_5678), "untouched RAM reads as zeros");
        assertEquals(0L, ram.read64(0x3FFF_FFF8L));
        assertEquals(0, ram.committedBytes(), "reads commit nothing");
        // a 16 MiB "domain" scattered over the whole gigabyte, one word per page
        for (long page = 0; page < 4096; page++) {
            long a = page * 0x40000L + 0x7F8;
            ram.write32(a, (int) page ^ 0x5A5A5A5A);
        }
        assertEquals(16L << 20, ram.committedBytes());
        for (long page = 0; page < 4096; page++) {
            assertEquals((int) page ^ 0x5A5A5A5A, ram.read32(page * 0x40000L + 0x7F8));
        }
        assertTrue(ram.isCommitted(0x40000L));
        assertFalse(ram.isCommitted(0x41000L));
    }

    @Test
    void accessesAcrossPagesAndTheEnd() {
        Ram ram = new Ram(3 * 4096);
        ram.write64(4096 - 3, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, ram.read64(4096 - 3));
        assertEquals(0x55667788, ram.read32(4096 - 3));
        assertEquals(0x11, ram.read8(4096 + 4));
        assertEquals(2 * 4096, ram.committedBytes());
        ram.write32(3 * 4096 - 2, 0xAABBCCDD);
        assertEquals(0xCCDD, ram.read16(3 * 4096 - 2), "the bytes inside the RAM are written");
        assertEquals(0xFFFFCCDD, ram.read32(3 * 4096 - 2), "beyond the end reads all ones");
        assertEquals(0xFF, ram.read8(-1));
    }

    @Test
    void directAddressesAreThePageAndStayIt() {
        Ram ram = new Ram(1 << 20);
        long p = ram.directAddress(0x5000, false);
        assertNotEquals(0, p);
        assertEquals(0, ram.committedBytes(), "a page handed out for reads commits nothing");
        assertEquals(p, ram.directAddress(0x5000, true));
        assertEquals(4096, ram.committedBytes(), "a page handed out for writes is committed");
        ram.write32(0x5010, 0xDEADBEEF);
        assertEquals(0xDEADBEEF, RawMemory.getInt(p + 0x10), "later writes land in the page the TLB holds");
        RawMemory.putInt(p + 0xFFC, 0x12345678);
        assertEquals(0x12345678, ram.read32(0x5FFC), "and stores through the address are the RAM's");
        assertEquals(p + 0x1000, ram.directAddress(0x6000, false), "one mapping: pages are contiguous");
        assertEquals(0, ram.directAddress(1 << 20, false), "outside the RAM");
        assertEquals(0, ram.directAddress(-4096, false));
        assertEquals(0, ram.directAddress(0x5001, false), "not a page address");
        ram.zeroPage(0x5000);
        assertEquals(0, ram.read32(0x5010));
        assertEquals(p, ram.directAddress(0x5000, false), "zeroing keeps the page");
    }

    /** Issue 16: a 1 GiB RAM with 16 MiB touched holds about 16 MiB by the host kernel's count, and gives it back. */
    @Test
    void theHostHoldsWhatTheGuestTouchedAndGetsItBack() {
        Ram ram = new Ram(1L << 30);
        long resident0 = ram.residentBytes();
        assertEquals(0, resident0, "a fresh RAM: nothing mapped");
        for (long a = 256L << 20; a < (272L << 20); a += 4096) {
            ram.write32(a + 0x7F8, (int) a);
        }
        assertEquals(16L << 20, ram.committedBytes());
        assertEquals(16L << 20, ram.residentBytes(), "mincore: the 16 MiB written");
        for (long a = 256L << 20; a < (264L << 20); a += 4096) {
            assertTrue(ram.decommit(a));
        }
        assertEquals(8L << 20, ram.committedBytes());
        assertEquals(8L << 20, ram.residentBytes(), "mincore: half given back");
        assertEquals(0, ram.read32((256L << 20) + 0x7F8), "a decommitted page reads zeros");
        assertEquals((int) (264L << 20), ram.read32((264L << 20) + 0x7F8));
    }

    @Test
    void loadSpansPages() {
        Ram ram = new Ram(4 * 4096);
        byte[] data = new byte[6000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        ram.load(4000, data, 0, data.length);
        for (int i = 0; i < data.length; i++) {
            assertEquals(data[i] & 0xFF, ram.read8(4000 + i), "byte " + i);
        }
        assertEquals(3 * 4096, ram.committedBytes());
        ram.load(4 * 4096 - 2, data, 0, 4);
        assertEquals(data[1] & 0xFF, ram.read8(4 * 4096 - 1));
    }

    @Test
    void racingWritersToAFreshPageAllLand() throws InterruptedException {
        for (int round = 0; round < 200; round++) {
            Ram ram = new Ram(64 * 4096);
            CountDownLatch go = new CountDownLatch(1);
            Thread[] ts = new Thread[4];
            for (int t = 0; t < ts.length; t++) {
                int id = t;
                ts[t] = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int pg = 0; pg < 64; pg++) {
                        ram.write32(pg * 4096L + id * 4, id + 1);
                    }
                });
                ts[t].start();
            }
            go.countDown();
            for (Thread t : ts) {
                t.join();
            }
            for (int pg = 0; pg < 64; pg++) {
                for (int id = 0; id < ts.length; id++) {
                    assertEquals(id + 1, ram.read32(pg * 4096L + id * 4), "round " + round + " page " + pg);
                }
            }
            assertEquals(64 * 4096, ram.committedBytes());
        }
    }

    /** Write watching: every write path reports an armed page once, then lets writes through. */
    @Test
    void anArmedPageIsReportedOnceByEveryWritePath() {
        Ram ram = new Ram(1L << 20);
        java.util.List<Long> reported = new java.util.ArrayList<>();
        ram.setWriteListener(reported::add);
        assertTrue(ram.directWrite(0x5000, false), "nothing armed: write tags allowed");
        Runnable[] writers = {
            () -> ram.write8(0x5001, 1), () -> ram.write16(0x5002, 2), () -> ram.write32(0x5004, 3),
            () -> ram.write64(0x5008, 4), () -> ram.load(0x5010, new byte[] {5}, 0, 1), () -> ram.zeroPage(0x5000),
            () -> ram.compareAndSet32(0x5000, 0, 7), () -> ram.testAndSetBit32(0x5004, 3),
            () -> assertTrue(ram.directWrite(0x5000, true)),
        };
        for (int k = 0; k < writers.length; k++) {
            reported.clear();
            assertFalse(ram.watchWrites(5), "writer " + k + ": page 5 was not armed");
            assertTrue(ram.isWatched(5));
            assertFalse(ram.directWrite(0x5000, false), "writer " + k + ": an armed page gets no write tag on a read fill");
            writers[k].run();
            writers[k].run();
            assertEquals(java.util.List.of(5L), reported, "writer " + k + " reported once");
            assertFalse(ram.isWatched(5));
            assertTrue(ram.directWrite(0x5000, false));
        }
        reported.clear();
        ram.watchWrites(6);
        ram.write32(0x5000, 1);                 // another page: nothing
        ram.read32(0x6000);                     // a read: nothing
        assertTrue(ram.unwatchWrites(6));
        ram.write32(0x6000, 1);                 // disarmed without a report
        assertEquals(java.util.List.of(), reported);
        assertThrows(IllegalArgumentException.class, () -> ram.watchWrites(256));
    }

    @Test
    void badSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Ram(0));
        assertThrows(IllegalArgumentException.class, () -> new Ram(4097));
    }

    @Test
    void aDecommittedPageReadsAsZerosAndHoldsNoMemory() {
        Ram ram = new Ram(6L << 30);
        long high = 5L << 30; // above 4 GiB
        ram.write64(high + 8, 0x1122334455667788L);
        long page = ram.directAddress(high, true);
        assertEquals(4096, ram.committedBytes());
        assertTrue(ram.decommit(high));
        assertFalse(ram.decommit(high), "already given back");
        assertEquals(0, ram.committedBytes());
        assertEquals(0, ram.residentBytes(), "the host holds nothing of it");
        assertEquals(0L, ram.read64(high + 8), "the next user sees zeros");
        assertEquals(0L, RawMemory.getLong(page + 8), "at the same address");
        assertFalse(ram.isCommitted(high));
        assertThrows(IllegalArgumentException.class, () -> ram.decommit(high + 1));
        assertThrows(IllegalArgumentException.class, () -> ram.decommit(6L << 30));
    }
}
