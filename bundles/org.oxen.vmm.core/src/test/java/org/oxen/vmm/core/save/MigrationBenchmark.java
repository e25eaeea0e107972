package org.oxen.vmm.core.save;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainSaveRestore;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * Benchmark (not in CI, {@code -Doxen.bench=true}): live migration between two hypervisors in
 * one JVM over a loopback TCP connection (as xl migrate's) for idle and busy counters
 * of 16, 64 and 256 MiB, and non-live save to and restore from a file. Downtime is from the
 * moment the source domain suspended (its SCHEDOP_shutdown; Domain-0 asked through the counter's
 * flag word, after the pre-copy rounds) to the target domain unpaused with everything in place
 * (its first instruction follows at once); total is from the first page sent to that moment.
 * "Busy" writes a word into each of 512 pages of a 2 MiB buffer per number. Prints one line per
 * case.
 */
class MigrationBenchmark {

    private static final Pattern FLAG = Pattern.compile("counter: suspend flag at 0x([0-9a-f]+)");

    @Test
    void migrationAndSaveRestoreFigures() throws Exception {
        assumeTrue(Boolean.getBoolean("oxen.bench"), "benchmark: -Doxen.bench=true");
        int[] sizes = java.util.Arrays.stream(System.getProperty("oxen.bench.sizes", "16,64,256").split(","))
                .mapToInt(Integer::parseInt).toArray();
        boolean hvm = Boolean.parseBoolean(System.getProperty("oxen.bench.hvm", "true"));
        for (int rep = 0; rep < Integer.getInteger("oxen.bench.reps", 2); rep++) {
            for (int mib : sizes) {
                for (boolean busy : new boolean[] {false, true}) {
                    migrate(mib, busy, rep);
                    if (hvm) migrateHvm(mib, busy, rep);
                }
                saveRestore(mib, rep);
                if (hvm) saveRestoreHvm(mib, rep);
            }
        }
    }

    /**
     * An HVM domain: idle, the kit's hvmcount (a line every 100 ms, HLT between PIT ticks); busy,
     * cpubench computing round after round. An HVM guest does not suspend itself: the source is
     * paused before the last copy, so downtime runs from that pause to the target unpaused.
     */
    private static Domain startHvm(Vmm vmm, int mib, boolean busy) throws Exception {
        Domain d = vmm.create(DomainConfig.builder("bench").type(org.oxen.vmm.api.DomainType.HVM)
                .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, busy ? "cpubench" : "hvmcount")).memoryMiB(mib)
                .cmdline(busy ? "loop=2000000 mix=3 repeat=0" : "count=0 every=10").build());
        String ready = busy ? "cpubench: flavor=native" : "hvmcount: 3";
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!d.consoleOutput().contains(ready)) {
            assertTrue(System.nanoTime() < end, d.consoleOutput());
            Thread.sleep(5);
        }
        return d;
    }

    private static void migrateHvm(int mib, boolean busy, int rep) throws Exception {
        Vmm a = org.oxen.vmm.core.hvm.HvmTestSupport.vmm(mib + 32, 1), b = org.oxen.vmm.core.hvm.HvmTestSupport.vmm(mib + 32, 1);
        try {
            Domain src = startHvm(a, mib, busy);
            Domain dst = migrate(a, b, src, () -> {
                a.pause(src.id());
                return System.nanoTime();
            }, String.format("HVM %4d MiB %-4s rep %d", mib, busy ? "busy" : "idle", rep));
            int lines = dst.consoleOutput().length();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (dst.consoleOutput().length() == lines || dst.consoleOutput().contains("RESULT: FAIL")) {
                assertTrue(System.nanoTime() < end && !dst.consoleOutput().contains("RESULT: FAIL"), dst.consoleOutput());
                Thread.sleep(5);
            }
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    private static void saveRestoreHvm(int mib, int rep) throws Exception {
        Vmm a = org.oxen.vmm.core.hvm.HvmTestSupport.vmm(mib + 32, 1);
        try {
            Domain src = startHvm(a, mib, false);
            a.pause(src.id());
            saveRestore(a, src, String.format("HVM %4d MiB rep %d", mib, rep), mib);
        } finally {
            a.shutdown();
        }
    }

    private static Domain start(Vmm vmm, int mib, String extra) throws Exception {
        Domain d = vmm.create(DomainConfig.builder("bench").kernel(GuestImages.load(GuestImages.Flavor.PV, "counter"))
                .memoryMiB(mib).cmdline("count=0 spin=20000 " + extra).build());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!FLAG.matcher(d.consoleOutput()).find() || !d.consoleOutput().contains("counter: 3\n")) {
            assertTrue(System.nanoTime() < end, d.consoleOutput());
            Thread.sleep(5);
        }
        return d;
    }

    /** Asks the counter to suspend through its flag word and waits until it has. */
    private static long suspend(Domain d) throws Exception {
        Matcher m = FLAG.matcher(d.consoleOutput());
        assertTrue(m.find());
        long va = Long.parseLong(m.group(1), 16);
        DomainImpl di = (DomainImpl) d;
        int pfn = (int) ((va - 0xC0000000L) >>> 12);
        long ma = ((long) di.memory().p2m(pfn) << 12) | (va & 0xFFF);
        di.ram().write32(ma, 1);
        assertTrue(d.awaitShutdown(30, TimeUnit.SECONDS), d.consoleOutput());
        assertEquals(ShutdownReason.SUSPEND, d.shutdownReason().orElseThrow());
        return System.nanoTime();
    }

    private static void migrate(int mib, boolean busy, int rep) throws Exception {
        Vmm a = new Vmm((mib + 32L) << 20, 1), b = new Vmm((mib + 32L) << 20, 1);
        try {
            Domain src = start(a, mib, busy ? "dirty=512" : "");
            Domain dst = migrate(a, b, src, () -> suspend(src),
                    String.format("%4d MiB %-4s rep %d", mib, busy ? "busy" : "idle", rep));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!dst.consoleOutput().contains("resumed after")) {
                assertTrue(System.nanoTime() < end, dst.consoleOutput());
                Thread.sleep(5);
            }
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    private static void saveRestore(int mib, int rep) throws Exception {
        Vmm a = new Vmm((mib + 32L) << 20, 1);
        try {
            Domain src = start(a, mib, "");
            suspend(src);
            saveRestore(a, src, String.format("%4d MiB rep %d", mib, rep), mib);
        } finally {
            a.shutdown();
        }
    }

    /** Stops the source before the last copy (a PV guest suspends itself, an HVM one is paused); returns when (ns). */
    @FunctionalInterface
    interface Stop {
        long stop() throws Exception;
    }

    /**
     * Migrates {@code src} live from {@code a} to {@code b} over a loopback socket and prints the
     * figures ("BENCH migrate {@code what}: ..."; downtime from the stop to the target unpaused);
     * returns the target's domain, running.
     */
    private static Domain migrate(Vmm a, Vmm b, Domain src, Stop stop, String what) throws Exception {
        java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        CompletableFuture<DomainSaveRestore.Restored> target = CompletableFuture.supplyAsync(() -> {
            try (server; java.net.Socket s = server.accept();
                    InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 20)) {
                return b.restore(in, n -> n);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        java.net.Socket sock = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.getLocalPort());
        sock.setTcpNoDelay(true);
        OutputStream out = new BufferedOutputStream(sock.getOutputStream(), 1 << 20);
        List<DomainSaveRestore.Round> rounds = new CopyOnWriteArrayList<>();
        long[] stopped = {0};
        long t0 = System.nanoTime();
        try (sock; out) {
            a.saveLive(src.id(), out, new byte[0], DomainSaveRestore.LiveOptions.DEFAULT, () -> {
                try {
                    stopped[0] = stop.stop();
                } catch (java.io.IOException | InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    throw new java.io.IOException(e);
                }
            }, rounds::add);
        }
        Domain dst = target.get(120, TimeUnit.SECONDS).domain();
        b.unpause(dst.id());
        long t1 = System.nanoTime();
        long pages = rounds.stream().mapToLong(DomainSaveRestore.Round::pagesSent).sum();
        System.out.printf("BENCH migrate %s: downtime %6.1f ms, total %7.1f ms, %d rounds, %d pages sent (%d in the last)%n",
                what, (t1 - stopped[0]) / 1e6, (t1 - t0) / 1e6, rounds.size(), pages, rounds.get(rounds.size() - 1).pagesSent());
        return dst;
    }

    /** Saves the stopped {@code src} of {@code a} to a file, destroys it, restores it and prints the figures. */
    private static void saveRestore(Vmm a, Domain src, String what, int mib) throws Exception {
        Path file = Files.createTempFile("oxen-save", ".bin");
        try {
            DomainSaveRestore.Saved s;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
                s = a.save(src.id(), out, new byte[0]);
            }
            a.destroy(src.id());
            DomainSaveRestore.Restored r;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
                r = a.restore(in, n -> n);
            }
            System.out.printf("BENCH save %s: save %7.1f ms (%6.1f MiB/s), restore %7.1f ms (%6.1f MiB/s), %d bytes%n",
                    what, s.nanos() / 1e6, mib / (s.nanos() / 1e9), r.nanos() / 1e6, mib / (r.nanos() / 1e9), s.bytes());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
