package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.io.blkback.blkif.Blkif.RSP_OKAY;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.io.blkback.testing.BlkRig;
import org.oxen.io.blkback.testing.JavaBlkfront;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.vmm.api.Domain;

/**
 * Several disks at once through blkback: vbds of one domain side by side, and many disks over
 * several domains, each with its own Java frontend in its domain, their data verified through
 * the ring and in the files.
 */
class BlkbackManyDisksTest {

    static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    BlkRig rig;
    BlkbackComponent blkback;

    @BeforeEach
    void start() throws Exception {
        start(VbdBackend.Settings.DEFAULT);
    }

    void start(VbdBackend.Settings settings) throws Exception {
        if (rig != null) rig.close();
        rig = new BlkRig(160);
        blkback = new BlkbackComponent(settings);
        blkback.addProvider(new RawImageProvider());
        rig.addFactory(blkback, 1, 0);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    static void ok(JavaBlkfront.Request r) throws Exception {
        assertEquals(RSP_OKAY, r.await(60, TimeUnit.SECONDS), r.toString());
    }

    /**
     * xvda and xvdb of one domain, each with its own frontend, ring, event channel and grants in
     * that domain: both connect, and writes then reads on both, interleaved, find each disk's own
     * data, through the ring and in its file (the second disk's first write timed out when each
     * frontend handed out the domain's grant references on its own, from the same first one).
     */
    @Test
    void twoDisksOfOneDomainEachKeepTheirOwnData() throws Exception {
        Domain d = rig.guest("twodisks");
        Path a = BlkbackTest.rawImage(dir, "a.img", 2 * MIB), b = BlkbackTest.rawImage(dir, "b.img", 2 * MIB);
        JavaBlkfront fa = rig.attach(d, new VbdDevices.Disk(51712, "xvda", "raw", a.toString(), false, false),
                JavaBlkfront.Options.DEFAULT);
        JavaBlkfront fb = rig.attach(d, new VbdDevices.Disk(51728, "xvdb", "raw", b.toString(), false, false),
                JavaBlkfront.Options.DEFAULT);
        assertTrue(fa.awaitConnected(30_000), "xvda connected");
        assertTrue(fb.awaitConnected(30_000), "xvdb connected");
        int chunk = 11 * 4096;
        byte[] da = BlkbackTest.pattern(1, chunk), db = BlkbackTest.pattern(2, chunk);
        for (int i = 0; i < 8; i++) {
            long sector = (long) i * chunk / 512;
            JavaBlkfront.Request wa = fa.write(sector, da, 0, chunk);
            JavaBlkfront.Request wb = fb.write(sector, db, 0, chunk);
            ok(wa);
            ok(wb);
        }
        ok(fa.flush());
        ok(fb.flush());
        for (int i = 0; i < 8; i++) {
            long sector = (long) i * chunk / 512;
            byte[] ra = new byte[chunk], rb = new byte[chunk];
            JavaBlkfront.Request qa = fa.read(sector, ra, 0, chunk);
            JavaBlkfront.Request qb = fb.read(sector, rb, 0, chunk);
            ok(qa);
            ok(qb);
            assertArrayEquals(da, ra, "xvda read back at sector " + sector);
            assertArrayEquals(db, rb, "xvdb read back at sector " + sector);
        }
        byte[] fileA = Files.readAllBytes(a), fileB = Files.readAllBytes(b);
        for (int i = 0; i < 8; i++) {
            assertArrayEquals(da, Arrays.copyOfRange(fileA, i * chunk, (i + 1) * chunk), "a.img chunk " + i);
            assertArrayEquals(db, Arrays.copyOfRange(fileB, i * chunk, (i + 1) * chunk), "b.img chunk " + i);
        }
        assertEquals(0, fa.unexpectedResponses() + fb.unexpectedResponses(), "no answer to an id not in flight");
    }

    /** Live threads named {@code prefix...}. */
    static int threads(String prefix) {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) n++;
        }
        return n;
    }

    /**
     * Sixteen disks over four domains (xvda..xvdd each), all busy at once with 8 writes in flight
     * each, then flushed and read back, with blkback's shared I/O pool at 2 threads: every disk
     * gets all its data through (none starved by the others, none stuck waiting for a thread),
     * verified through the ring and in its file; the I/O threads stay at 2 however many disks are
     * busy (one service thread per ring beside them, as Linux's one kthread per ring), where each
     * busy disk had 8 of its own; and they end once the last disk disconnects. Fails with the
     * pool's bound removed (a thread per submission while none is idle: up to 8 per disk).
     */
    @Test
    void sixteenDisksOverFourDomainsProgressOnTwoSharedIoThreads() throws Exception {
        start(VbdBackend.Settings.DEFAULT.withDepth(8).withIoThreads(2));
        int disks = 16, perDomain = 4, chunk = 4096, chunks = 64;
        int serviceBefore = threads("blkback d"), ioBefore = threads("blkback io");
        JavaBlkfront[] fes = new JavaBlkfront[disks];
        Path[] files = new Path[disks];
        for (int dom = 0; dom < disks / perDomain; dom++) {
            Domain d = rig.guest("many" + dom);
            for (int k = 0; k < perDomain; k++) {
                int i = dom * perDomain + k;
                files[i] = BlkbackTest.rawImage(dir, "m" + i + ".img", (long) chunks * chunk);
                fes[i] = rig.attach(d, new VbdDevices.Disk(51712 + 16 * k, "xvd" + (char) ('a' + k), "raw",
                        files[i].toString(), false, false), new JavaBlkfront.Options(0, true, true, 8, 1));
            }
        }
        for (JavaBlkfront fe : fes) assertTrue(fe.awaitConnected(60_000), "connected");
        int[] mostIo = { 0 };
        java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                mostIo[0] = Math.max(mostIo[0], threads("blkback io"));
                Thread.onSpinWait();
            }
        });
        sampler.start();
        java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(disks);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int i = 0; i < disks; i++) {
                int disk = i;
                done.add(ex.submit(() -> {
                    JavaBlkfront fe = fes[disk];
                    byte[] data = BlkbackTest.pattern(100 + disk, chunk * chunks);
                    JavaBlkfront.Request[] rs = new JavaBlkfront.Request[chunks];
                    for (int c = 0; c < chunks; c++) rs[c] = fe.write((long) c * chunk / 512, data, c * chunk, chunk);
                    for (JavaBlkfront.Request r : rs) ok(r);
                    ok(fe.flush());
                    byte[] back = new byte[data.length];
                    for (int c = 0; c < chunks; c++) rs[c] = fe.read((long) c * chunk / 512, back, c * chunk, chunk);
                    for (JavaBlkfront.Request r : rs) ok(r);
                    assertArrayEquals(data, back, "disk " + disk + " read back");
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) f.get(300, TimeUnit.SECONDS);
        } finally {
            ex.shutdownNow();
            sampling.set(false);
            sampler.join();
        }
        for (int i = 0; i < disks; i++) {
            assertArrayEquals(BlkbackTest.pattern(100 + i, chunk * chunks), Files.readAllBytes(files[i]), "file of disk " + i);
            assertEquals(0, fes[i].unexpectedResponses());
        }
        long served = blkback.devices().stream().filter(dv -> dv.counter("wr_req") == chunks).count();
        assertEquals(disks, served, "every disk's writes counted on its own device");
        assertEquals(0, ioBefore, "no I/O thread before the disks");
        assertTrue(mostIo[0] <= 2 && mostIo[0] >= 1, "I/O threads at most the pool's 2: " + mostIo[0]);
        assertEquals(disks, threads("blkback d") - serviceBefore, "one service thread per ring");

        rig.xenbus.removeFactory(blkback); // every device closes: the pool's threads end
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (blkback.ioThreadsAlive() > 0 || threads("blkback io") > 0) {
            assertTrue(System.nanoTime() - end < 0, "I/O threads left: " + threads("blkback io"));
            Thread.sleep(5);
        }
    }
}
