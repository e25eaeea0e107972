package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.oxen.io.blkback.blkif.Blkif.RSP_OKAY;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.io.blkback.testing.BlkRig;
import org.oxen.io.blkback.testing.JavaBlkfront;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.vmm.api.Domain;

/**
 * Block throughput through blkback beside direct {@code FileChannel} I/O of the same file, in one
 * run, and the pause a frontend sees during a backend swap. Not part of the test suite:
 * {@code mvn -B -o test -pl bundles/org.oxen.io.blkback -Dtest=BlkbackBenchmark -Doxen.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Doxen.bench.mib=N} for the disk size, default
 * 64). A Java frontend inside a real domain (persistent grants, one page ring) issues 4 KiB
 * requests, sequential and random (the same offsets as the FileChannel peer), at queue depth 1
 * and 16; write rows end with one flush inside the timing (BLKIF_OP_FLUSH_DISKCACHE, and
 * {@code force(true)} for the peer). Prints one row per target, each the median of 3 rounds after
 * a warm-up round. Then 10 swaps during depth-1 writes: the longest time any request waited
 * (submission to response) around each swap.
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class BlkbackBenchmark {

    static final int MIB = Integer.getInteger("oxen.bench.mib", 64);
    static final int BLOCK = 4096;

    @Test
    void throughputBesideFileChannelAndSwapPause() throws Exception {
        Path dir = Files.createTempDirectory("blkbench");
        Path img = dir.resolve("bench.img");
        long size = (long) MIB << 20;
        new RawImageProvider().create(img, ImageSpec.ofSize(size)).close();
        int blocks = (int) (size / BLOCK);
        long[] seq = new long[blocks], rnd = new long[blocks];
        for (int i = 0; i < blocks; i++) seq[i] = (long) i * BLOCK;
        rnd = seq.clone();
        Random r = new Random(42);
        for (int i = blocks - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = rnd[i];
            rnd[i] = rnd[j];
            rnd[j] = t;
        }
        byte[] data = new byte[BLOCK * 16];
        r.nextBytes(data);
        try (BlkRig rig = new BlkRig(160)) {
            BlkbackComponent c = new BlkbackComponent();
            c.addProvider(new RawImageProvider());
            rig.addFactory(c, 1, 0);
            Domain d = rig.guest("bench");
            JavaBlkfront fe = rig.attach(d, new VbdDevices.Disk(51712, "xvda", "raw", img.toString(), false, false),
                    new JavaBlkfront.Options(0, true, true, 16, 1));
            if (!fe.awaitConnected(30_000)) throw new AssertionError("not connected");

            String[] names = { "seq write", "seq read", "rand read", "rand write" };
            long[][] orders = { seq, seq, rnd, rnd };
            boolean[] writes = { true, false, false, true };
            double[][] results = new double[names.length * 3][3];
            for (int round = 0; round < 4; round++) {
                for (int k = 0; k < names.length; k++) {
                    double ch = channel(img, orders[k], writes[k], data);
                    double b1 = blkback(fe, orders[k], writes[k], data, 1);
                    double b16 = blkback(fe, orders[k], writes[k], data, 16);
                    if (round > 0) {
                        results[k * 3][round - 1] = ch;
                        results[k * 3 + 1][round - 1] = b1;
                        results[k * 3 + 2][round - 1] = b16;
                    }
                }
            }
            System.out.printf("%n| request | target | MiB/s | IOPS | vs FileChannel |%n|---|---|---:|---:|---:|%n");
            for (int k = 0; k < names.length; k++) {
                double peer = median(results[k * 3]);
                row(names[k], "FileChannel (same file, depth 1)", peer, peer);
                row(names[k], "blkback, Java frontend, depth 1", median(results[k * 3 + 1]), peer);
                row(names[k], "blkback, Java frontend, depth 16", median(results[k * 3 + 2]), peer);
            }

            // swap pause: depth-1 writes while the factory leaves and a new one arrives
            long[] worst = new long[10];
            for (int s = 0; s < worst.length; s++) {
                BlkbackComponent next = new BlkbackComponent();
                next.addProvider(new RawImageProvider());
                long[] maxWait = { 0 };
                Thread io = new Thread(() -> {
                    try {
                        for (int i = 0; i < 3000; i++) {
                            long t0 = System.nanoTime();
                            assertEquals(RSP_OKAY, fe.write((i % blocks) * 8L, data, 0, BLOCK).await(60, TimeUnit.SECONDS));
                            maxWait[0] = Math.max(maxWait[0], System.nanoTime() - t0);
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                io.start();
                Thread.sleep(50);
                rig.xenbus.removeFactory(c);
                rig.addFactory(next, 2 + s, 0);
                c = next;
                io.join();
                worst[s] = maxWait[0];
            }
            Arrays.sort(worst);
            System.out.printf("%nswap pause (longest request wait around a swap, 10 swaps): median %.1f ms, min %.1f ms,"
                    + " max %.1f ms%n", worst[5] / 1e6, worst[0] / 1e6, worst[9] / 1e6);
        }
    }

    /** {@code -Doxen.bench.disks=N}: disks of the many-disk benchmark (default 16, 4 per domain). */
    static final int DISKS = Integer.getInteger("oxen.bench.disks", 16);
    /** {@code -Doxen.bench.diskMib=N}: the size of each of those disks (default 16). */
    static final int DISK_MIB = Integer.getInteger("oxen.bench.diskMib", 16);
    /** The many-disk benchmark's request: 11 segments, the most a direct blkif request carries. */
    static final int MANY_REQUEST = 11 * BLOCK;

    /**
     * Many disks busy at once: {@link #DISKS} raw disks with xl's {@code direct-io-safe} (O_DIRECT),
     * four per domain, each with a Java frontend keeping 8 sequential 44 KiB requests in flight,
     * all disks at once (one caller thread each), beside {@code FileChannel} with O_DIRECT from an
     * aligned buffer on the same files, one thread per file at depth 1, in the same rounds. Write
     * passes end with one flush per disk ({@code force(true)} per file). Prints the aggregate
     * MiB/s of each (median of 3 rounds after a warm-up round) and the most threads named {@code
     * blkback ...} alive during the blkback passes (service and I/O threads).
     */
    @Test
    void manyDisksBesideFileChannel() throws Exception {
        Path dir = Files.createTempDirectory("blkmany");
        int disks = DISKS, perDomain = 4;
        long size = (long) DISK_MIB << 20;
        int requests = (int) (size / MANY_REQUEST);
        Path[] files = new Path[disks];
        for (int i = 0; i < disks; i++) {
            files[i] = dir.resolve("d" + i + ".img");
            new RawImageProvider().create(files[i], ImageSpec.ofSize(size)).close();
        }
        byte[] data = new byte[MANY_REQUEST];
        new Random(7).nextBytes(data);
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(disks);
        try (BlkRig rig = new BlkRig(64 + 8 * ((disks + perDomain - 1) / perDomain))) {
            BlkbackComponent c = new BlkbackComponent();
            c.addProvider(new RawImageProvider());
            rig.addFactory(c, 1, 0);
            JavaBlkfront[] fes = new JavaBlkfront[disks];
            Domain d = null;
            for (int i = 0; i < disks; i++) {
                if (i % perDomain == 0) d = rig.guest("many" + i / perDomain);
                int k = i % perDomain;
                fes[i] = rig.attach(d, new VbdDevices.Disk(51712 + 16 * k, "xvd" + (char) ('a' + k), "raw",
                        files[i].toString(), false, false, true, true), new JavaBlkfront.Options(0, true, true, 8, 11));
            }
            for (JavaBlkfront fe : fes) if (!fe.awaitConnected(60_000)) throw new AssertionError("not connected");
            int[] mostThreads = { 0 };
            double[][] results = new double[4][3];
            for (int round = 0; round < 4; round++) {
                for (int w = 0; w < 2; w++) {
                    boolean write = w == 0;
                    double ch = aggregate(callers, disks, requests, k -> channelPass(files[k], requests, write, data));
                    double bb = aggregate(callers, disks, requests, k -> {
                        blkbackPass(fes[k], requests, write, data);
                        mostThreads[0] = Math.max(mostThreads[0], threads("blkback "));
                    });
                    if (round > 0) {
                        results[w * 2][round - 1] = ch;
                        results[w * 2 + 1][round - 1] = bb;
                    }
                }
            }
            System.out.printf("%n| request (%d disks of %d MiB, O_DIRECT) | target | MiB/s (all disks) | vs FileChannel |%n"
                    + "|---|---|---:|---:|%n", disks, DISK_MIB);
            String[] names = { "seq 44 KiB write", "seq 44 KiB read" };
            for (int w = 0; w < 2; w++) {
                double peer = median(results[w * 2]), b = median(results[w * 2 + 1]);
                System.out.printf("| %s | FileChannel O_DIRECT (a thread per file, depth 1) | %.0f | 1.00 |%n", names[w], peer);
                System.out.printf("| %s | blkback, Java frontends, 8 in flight per disk | %.0f | %.2f |%n", names[w], b, b / peer);
            }
            System.out.printf("%nmost threads named 'blkback ...' during the blkback passes: %d (%d disks)%n",
                    mostThreads[0], disks);
        } finally {
            callers.shutdownNow();
        }
    }

    interface DiskPass {
        void run(int disk) throws Exception;
    }

    /** MiB/s of {@code pass} run on every disk at once (one caller each), {@code requests} of 44 KiB per disk. */
    static double aggregate(java.util.concurrent.ExecutorService callers, int disks, int requests, DiskPass pass)
            throws Exception {
        java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < disks; i++) {
            int k = i;
            done.add(callers.submit(() -> {
                pass.run(k);
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> f : done) f.get(600, TimeUnit.SECONDS);
        return (double) disks * requests * MANY_REQUEST / (1 << 20) / ((System.nanoTime() - t0) / 1e9);
    }

    /** One file's pass straight from Java with O_DIRECT (an aligned direct buffer), depth 1. */
    static void channelPass(Path file, int requests, boolean write, byte[] data) throws Exception {
        // not ImageFiles.open: blkback holds the file's QEMU-style write lock meanwhile
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
            ByteBuffer b = ByteBuffer.allocateDirect(MANY_REQUEST + BLOCK).alignedSlice(BLOCK);
            b.limit(MANY_REQUEST);
            if (write) b.put(0, data, 0, MANY_REQUEST);
            for (int i = 0; i < requests; i++) {
                long off = (long) i * MANY_REQUEST;
                b.clear().limit(MANY_REQUEST);
                while (b.hasRemaining()) {
                    if (write) ch.write(b, off + b.position());
                    else ch.read(b, off + b.position());
                }
            }
            if (write) ch.force(true);
        }
    }

    /** One disk's pass through its frontend, 8 requests in flight, a flush after writes. */
    static void blkbackPass(JavaBlkfront fe, int requests, boolean write, byte[] data) throws Exception {
        int depth = 8;
        JavaBlkfront.Request[] inFlight = new JavaBlkfront.Request[depth];
        byte[][] bufs = new byte[depth][MANY_REQUEST];
        for (int i = 0; i < requests; i++) {
            int k = i % depth;
            if (inFlight[k] != null) assertEquals(RSP_OKAY, inFlight[k].await(60, TimeUnit.SECONDS));
            long sector = (long) i * MANY_REQUEST / 512;
            inFlight[k] = write ? fe.write(sector, data, 0, MANY_REQUEST) : fe.read(sector, bufs[k], 0, MANY_REQUEST);
        }
        for (JavaBlkfront.Request q : inFlight) if (q != null) assertEquals(RSP_OKAY, q.await(60, TimeUnit.SECONDS));
        if (write) assertEquals(RSP_OKAY, fe.flush().await(60, TimeUnit.SECONDS));
    }

    static int threads(String prefix) {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.isAlive() && t.getName().startsWith(prefix)) n++;
        return n;
    }

    static void row(String req, String target, double mibs, double peer) {
        System.out.printf("| %s | %s | %.0f | %,.0f | %.2f |%n", req, target, mibs, mibs * 256, mibs / peer);
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    /** MiB/s of 4 KiB requests at {@code offsets} straight on the file (one thread, depth 1). */
    static double channel(Path img, long[] offsets, boolean write, byte[] data) throws Exception {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(new byte[BLOCK]);
            if (write) b.put(0, data, 0, BLOCK);
            long t0 = System.nanoTime();
            for (long off : offsets) {
                b.clear();
                if (write) {
                    while (b.hasRemaining()) ch.write(b, off + b.position());
                } else {
                    while (b.hasRemaining()) ch.read(b, off + b.position());
                }
            }
            if (write) ch.force(true);
            return (double) offsets.length * BLOCK / (1 << 20) / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** MiB/s of 4 KiB requests at {@code offsets} through the frontend with {@code depth} in flight. */
    static double blkback(JavaBlkfront fe, long[] offsets, boolean write, byte[] data, int depth) throws Exception {
        JavaBlkfront.Request[] inFlight = new JavaBlkfront.Request[depth];
        byte[][] bufs = new byte[depth][BLOCK];
        long t0 = System.nanoTime();
        for (int i = 0; i < offsets.length; i++) {
            int k = i % depth;
            if (inFlight[k] != null) assertEquals(RSP_OKAY, inFlight[k].await(60, TimeUnit.SECONDS));
            inFlight[k] = write ? fe.write(offsets[i] / 512, data, 0, BLOCK) : fe.read(offsets[i] / 512, bufs[k], 0, BLOCK);
        }
        for (JavaBlkfront.Request q : inFlight) if (q != null) assertEquals(RSP_OKAY, q.await(60, TimeUnit.SECONDS));
        if (write) assertEquals(RSP_OKAY, fe.flush().await(60, TimeUnit.SECONDS));
        return (double) offsets.length * BLOCK / (1 << 20) / ((System.nanoTime() - t0) / 1e9);
    }
}
