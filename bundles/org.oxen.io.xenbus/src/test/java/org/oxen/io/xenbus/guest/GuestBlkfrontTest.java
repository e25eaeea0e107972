package org.oxen.io.xenbus.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.backend.BackendFactory;

/**
 * The kit's blkfront (C: handshake as Mini-OS's blkfront.c, blkif x86_32 requests over the kit's
 * ring.h) against a Java blkif backend over xenbus ({@link MemoryBlkBackend}, a disk in memory,
 * until blkback lands): the kit's {@code blktest} writes patterns across the disk, flushes, reads
 * everything back and verifies it; the disk holds the patterns afterwards (checked here, from
 * Java); and a backend swapped twice in the middle of the I/O (a better-ranked factory arriving,
 * then leaving) is followed by blkfront through Closing/Closed/Initialising, reconnecting and
 * resubmitting what was in flight, with the verification passing and the requests counted on
 * both sides: the first backend answers its ring while closing (blkfront must take those answers
 * before resubmitting: without that it ran them twice), the second abandons it (blkfront must
 * resubmit: without that the guest waited for answers forever).
 */
class GuestBlkfrontTest {

    static final String VBD = "vbd";
    /** The disk of the first test (-Doxen.blktest.mib=64 for issue 18's size; 16 keeps the suite fast). */
    static final int MIB = Integer.getInteger("oxen.blktest.mib", 16);

    /** The word blktest writes at word {@code word} of sector {@code sector}. */
    static int pattern(int seed, int sector, int word) {
        if (word == 0) return sector;
        if (word == 1) return seed;
        int x = sector * 0x9E3779B1 ^ word * 0x85EBCA77 ^ seed * 0xC2B2AE3D;
        return x ^ (x >>> 15);
    }

    private static void diskHolds(byte[] disk, int seed, int sectors) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(disk).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int s = 0; s < sectors; s++) {
            for (int w = 0; w < 128; w++) {
                int at = s * 512 + w * 4;
                if (b.getInt(at) != pattern(seed, s, w)) {
                    throw new AssertionError("disk sector " + s + " word " + w + ": " + Integer.toHexString(b.getInt(at)));
                }
            }
        }
    }

    private static BackendFactory memory(byte[] disk, boolean drainOnClose, AtomicLong served,
            AtomicReference<Throwable> failure) {
        return d -> new MemoryBlkBackend(d, disk, drainOnClose, served, failure);
    }

    @Test
    void blktestWritesReadsAndVerifiesTheWholeDiskThroughBlkfront() throws Exception {
        byte[] disk = new byte[MIB << 20];
        AtomicLong served = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (GuestDevices h = new GuestDevices(64L << 20, 2)) {
            h.addFactory(VBD, memory(disk, true, served, failure), 10L);
            Domain d = h.guest("blktest", "blk1", 16, "seed=7");
            String fe = h.device(d.id(), VBD, 768, Map.of("virtual-device", "768", "device-type", "disk",
                    "protocol", "x86_32-abi"), Map.of("mode", "w", "type", "memory", "dev", "xvda"));
            String out = GuestDevices.passes(d, 600);
            assertNull(failure.get(), () -> "backend: " + failure.get());
            assertTrue(out.contains("blktest: wrote " + (MIB << 10) + " KiB")
                    && out.contains("blktest: read and verified " + (MIB << 10) + " KiB"), out);
            Matcher m = Pattern.compile("blktest: (\\d+) requests, \\d+ responses, (\\d+) resubmitted, (\\d+) reconnects").matcher(out);
            assertTrue(m.find(), out);
            assertEquals(served.get(), Long.parseLong(m.group(1)), "requests the backend served (the disk each way + a flush)");
            assertEquals("0", m.group(3));
            diskHolds(disk, 7, disk.length / 512);
            assertEquals(Optional.of("6"), h.toolstack.read(fe + "/state"), "blkfront closed the device");
            assertEquals(Optional.of("x86_32-abi"), h.toolstack.read(fe + "/protocol"));
            out.lines().filter(l -> l.startsWith("blktest: ")).forEach(System.out::println);
        }
    }

    @Test
    void blkfrontReconnectsAndResubmitsWhenItsBackendIsSwappedUnderIO() throws Exception {
        byte[] disk = new byte[16 << 20];
        AtomicLong served = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (GuestDevices h = new GuestDevices(64L << 20, 2)) {
            // v1 answers what is on its ring before it is Closed, v2 abandons it
            BackendFactory v1 = memory(disk, true, served, failure);
            BackendFactory v2 = memory(disk, false, served, failure);
            h.addFactory(VBD, v1, 10L);
            Domain d = h.guest("blktest", "blk2", 16, "seed=3 passes=3 depth=16");
            h.device(d.id(), VBD, 768, Map.of("virtual-device", "768"), Map.of("mode", "w"));
            awaitServed(served, 300, d);
            // a better-ranked backend takes the device over in the middle of the I/O ...
            h.xenbus.addFactory(v2, Map.of(BackendFactory.DEVICE_TYPE, VBD, "service.ranking", 5, "service.id", 11L));
            awaitOutput(d, "reconnected (1)");
            long atSecond = served.get();
            awaitServed(served, atSecond + 300, d);
            // ... and leaves again: back to the first
            h.xenbus.removeFactory(v2);
            awaitOutput(d, "reconnected (2)");
            String out = GuestDevices.passes(d, 600);
            assertNull(failure.get(), () -> "backend: " + failure.get());
            Matcher m = Pattern.compile("blktest: (\\d+) requests, \\d+ responses, (\\d+) resubmitted, (\\d+) reconnects").matcher(out);
            assertTrue(m.find(), out);
            long submitted = Long.parseLong(m.group(1)), resubmitted = Long.parseLong(m.group(2));
            assertEquals("2", m.group(3), out);
            assertTrue(resubmitted > 0, "requests v2 abandoned were resubmitted: " + out);
            // each request ran exactly once: none lost, none run by the old backend and again by the new
            assertEquals(submitted, served.get(), "requests the backends served, for " + submitted + " submitted and "
                    + resubmitted + " resubmitted");
            assertEquals(3, out.lines().filter(l -> l.startsWith("blktest: read and verified 16384 KiB")).count(), out);
            diskHolds(disk, 5, disk.length / 512); // the last pass's seed
            out.lines().filter(l -> l.startsWith("blk")).forEach(System.out::println);
        }
    }

    private static void awaitServed(AtomicLong served, long n, Domain d) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (served.get() < n) {
            assertTrue(System.nanoTime() < end, "the backend served " + served.get() + ":\n" + d.consoleOutput());
            Thread.sleep(2);
        }
    }

    private static void awaitOutput(Domain d, String text) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!d.consoleOutput().contains(text)) {
            assertTrue(System.nanoTime() < end, "no \"" + text + "\":\n" + d.consoleOutput());
            Thread.sleep(5);
        }
    }
}
