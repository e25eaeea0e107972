package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.io.blkback.blkif.Blkif.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.oxen.io.blkback.blkif.BlkifRequest;
import org.oxen.io.ring.ArrayPage;
import org.oxen.io.ring.BackRing;
import org.oxen.io.ring.FrontRing;
import org.oxen.io.ring.RingLayout;
import org.oxen.storage.api.BlockImage;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;

/**
 * {@link BlkifServer#stop()} returns only once the request being served is answered and pushed,
 * even when the stopping thread is interrupted: xenbus unmaps the ring right after it, and the
 * frontend takes the old ring's last answers once the backend is Closed, so a response pushed
 * later is a request it runs a second time on its next ring (BlkbackBundleSwapTest's flake had
 * that shape: blkback's connections counted 8 answers more than the frontend took). Before the
 * fix an interrupted stop() returned at once, with the request still in the image's flush.
 */
class BlkifServerStopTest {

    /** An image whose flush waits for the test. */
    static final class GatedImage implements BlockImage {
        final CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);

        @Override
        public void flush() throws IOException {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }

        @Override public Path path() { return Path.of("gated"); }
        @Override public String format() { return "raw"; }
        @Override public long size() { return 1 << 20; }
        @Override public int clusterSize() { return 4096; }
        @Override public boolean readOnly() { return false; }
        @Override public Map<String, String> details() { return Map.of(); }
        @Override public void read(long offset, ByteBuffer dst) { throw new UnsupportedOperationException(); }
        @Override public void write(long offset, ByteBuffer src) { throw new UnsupportedOperationException(); }
        @Override public void discard(long offset, long length) { throw new UnsupportedOperationException(); }
        @Override public void close() { }
    }

    static final class CountingPort implements EventPort {
        final AtomicInteger sends = new AtomicInteger();

        @Override public int port() { return 1; }
        @Override public int remoteDomain() { return 1; }
        @Override public int remotePort() { return 1; }
        @Override public boolean isOpen() { return true; }
        @Override public void send() { sends.incrementAndGet(); }
        @Override public void close() { }
    }

    @Test
    void anInterruptedStopWaitsForTheRequestBeingServedToBeAnsweredAndPushed() throws Exception {
        ArrayPage page = new ArrayPage();
        FrontRing front = FrontRing.init(new RingLayout(SLOT_SIZE, page), REQUEST_SIZE, RESPONSE_SIZE);
        BackRing back = new BackRing(new RingLayout(SLOT_SIZE, page), REQUEST_SIZE, RESPONSE_SIZE);
        GatedImage image = new GatedImage();
        BlkifServer.Limits limits = new BlkifServer.Limits(image.size() / 512, false, true, false, 0, false, 0);
        BlkifServer server = new BlkifServer("d1/51712", 1, 51712, null, null, back, image, limits, new VbdCounters(), why -> {
        }, 8, true, new BlkIoPool(2));
        byte[] flush = new byte[REQUEST_SIZE];
        flush[REQ_OPERATION] = (byte) OP_FLUSH_DISKCACHE;
        flush[REQ_ID] = 42;
        front.putRequest(flush);
        front.pushRequests();
        server.start(new CountingPort());
        assertTrue(image.entered.await(30, TimeUnit.SECONDS), "the server took the flush");

        stopInterrupted(server, page, image.release, 1, "the flush's response");
        assertEquals(1, server.answered());
        assertEquals(1, front.unconsumedResponses());
        byte[] rsp = new byte[RESPONSE_SIZE];
        front.takeResponse(rsp);
        assertEquals(42, rsp[RSP_ID]);
        assertEquals(OP_FLUSH_DISKCACHE, rsp[RSP_OPERATION]);
        assertEquals(RSP_OKAY, (short) ((rsp[RSP_STATUS] & 0xFF) | rsp[RSP_STATUS + 1] << 8));
    }

    /** An image whose reads and writes wait for the test, counting those inside. */
    static final class GatedIoImage implements BlockImage {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger inside = new AtomicInteger();
        final byte[] disk = new byte[1 << 20];

        private void gate() throws IOException {
            inside.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            gate();
            dst.put(disk, (int) offset, dst.remaining());
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            gate();
            src.get(disk, (int) offset, src.remaining());
        }

        @Override public void flush() { }
        @Override public Path path() { return Path.of("gated-io"); }
        @Override public String format() { return "raw"; }
        @Override public long size() { return disk.length; }
        @Override public int clusterSize() { return 4096; }
        @Override public boolean readOnly() { return false; }
        @Override public Map<String, String> details() { return Map.of(); }
        @Override public void discard(long offset, long length) { throw new UnsupportedOperationException(); }
        @Override public void close() { }
    }

    /** The frontend's granted pages: grant reference i is page i (copies only, as without feature-persistent). */
    static final class PageGrants implements GrantTables {
        final byte[][] pages;

        PageGrants(int n) {
            pages = new byte[n][4096];
        }

        @Override
        public GrantMapping map(int domid, int ref, boolean readOnly) throws GrantException {
            throw new GrantException(-1, "no mappings here");
        }

        @Override
        public void copyFrom(int domid, int ref, int offset, byte[] dst, int dstOffset, int length) {
            System.arraycopy(pages[ref], offset, dst, dstOffset, length);
        }

        @Override
        public void copyTo(int domid, int ref, int offset, byte[] src, int srcOffset, int length) {
            System.arraycopy(src, srcOffset, pages[ref], offset, length);
        }

        @Override
        public void copyFrom(int domid, int ref, int offset, ByteBuffer dst) {
            dst.put(pages[ref], offset, dst.remaining());
        }

        @Override
        public void copyTo(int domid, int ref, int offset, ByteBuffer src) {
            src.get(pages[ref], offset, src.remaining());
        }
    }

    /**
     * With requests at the disk on the I/O threads (a write and a read, both inside the image at
     * once), an interrupted stop() returns only after both are answered and pushed, keeping the
     * interrupt. Fails when stop() neither waits for the requests in flight nor joins the I/O
     * threads (the ring would be unmapped under their responses).
     */
    @Test
    void anInterruptedStopWaitsForTheRequestsAtTheDisk() throws Exception {
        ArrayPage page = new ArrayPage();
        FrontRing front = FrontRing.init(new RingLayout(SLOT_SIZE, page), REQUEST_SIZE, RESPONSE_SIZE);
        GatedIoImage image = new GatedIoImage();
        PageGrants grants = new PageGrants(2);
        java.util.Arrays.fill(grants.pages[0], (byte) 0x5A);
        BlkifServer server = twoRequests("d1/51712", page, front, image, grants, new VbdCounters(), new BlkIoPool(2));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (image.inside.get() < 2) {
            assertTrue(System.nanoTime() - end < 0, "the write and the read are inside the image together");
            Thread.sleep(1);
        }

        stopInterrupted(server, page, image.release, 2, "both responses");
        assertEquals(2, server.answered());
        assertEquals(2, front.unconsumedResponses());
        byte[] rsp = new byte[RESPONSE_SIZE];
        for (int i = 0; i < 2; i++) {
            front.takeResponse(rsp);
            assertEquals(RSP_OKAY, (short) ((rsp[RSP_STATUS] & 0xFF) | rsp[RSP_STATUS + 1] << 8));
        }
        byte[] sector0 = java.util.Arrays.copyOf(image.disk, 4096);
        assertArrayEquals(grants.pages[0], sector0, "the write reached the image");
    }

    /**
     * A server of the ring on {@code page} ({@code front} its frontend) given a write (grant 0 to
     * sector 0) then a read (sector 64 to grant 1) on {@code image}, with {@code pool}, started.
     */
    static BlkifServer twoRequests(String name, ArrayPage page, FrontRing front, GatedIoImage image, PageGrants grants,
            VbdCounters counters, BlkIoPool pool) {
        BackRing back = new BackRing(new RingLayout(SLOT_SIZE, page), REQUEST_SIZE, RESPONSE_SIZE);
        BlkifServer.Limits limits = new BlkifServer.Limits(image.size() / 512, false, true, false, 0, false, 0);
        BlkifServer server = new BlkifServer(name, 1, 51712, grants, null, back, image, limits, counters, why -> {
        }, 8, false, pool);
        byte[] req = new byte[REQUEST_SIZE];
        BlkifRequest.encodeDirect(req, OP_WRITE, 51712, 7, 0, 1, new int[] {0}, new int[] {0}, new int[] {7});
        front.putRequest(req);
        BlkifRequest.encodeDirect(req, OP_READ, 51712, 8, 64, 1, new int[] {1}, new int[] {0}, new int[] {7});
        front.putRequest(req);
        front.pushRequests();
        server.start(new CountingPort());
        return server;
    }

    static FrontRing ring(ArrayPage page) {
        return FrontRing.init(new RingLayout(SLOT_SIZE, page), REQUEST_SIZE, RESPONSE_SIZE);
    }

    /**
     * Two rings sharing a pool of two I/O threads, each with a write and a read submitted: ring
     * A's both inside its image (holding both threads), ring B's both waiting in the pool's queue.
     * Both rings are stopped at once from interrupted threads; each stop() returns only after its
     * own two requests are answered and pushed (B's had not even started), keeping the interrupt,
     * and the pool's threads end once both rings are detached. Fails when stop() does not wait
     * for the requests in flight (B's stop returns with nothing pushed, and detaching with
     * transfers queued is refused).
     */
    @Test
    void stopsOfSeveralRingsWaitForTheirRequestsInTheSharedPool() throws Exception {
        BlkIoPool pool = new BlkIoPool(2);
        ArrayPage pageA = new ArrayPage(), pageB = new ArrayPage();
        GatedIoImage imageA = new GatedIoImage(), imageB = new GatedIoImage();
        VbdCounters countersB = new VbdCounters();
        BlkifServer a = twoRequests("d1/51712", pageA, ring(pageA), imageA, new PageGrants(2), new VbdCounters(), pool);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (imageA.inside.get() < 2) {
            assertTrue(System.nanoTime() - end < 0, "ring A's write and read hold both pool threads");
            Thread.sleep(1);
        }
        BlkifServer b = twoRequests("d2/51712", pageB, ring(pageB), imageB, new PageGrants(2), countersB, pool);
        while (countersB.maxInFlight < 2) {
            assertTrue(System.nanoTime() - end < 0, "ring B's two requests submitted");
            Thread.sleep(1);
        }
        assertEquals(0, imageB.inside.get(), "ring B's requests wait in the pool");
        assertEquals(2, pool.alive());

        BlkifServer[] servers = { a, b };
        ArrayPage[] pages = { pageA, pageB };
        long[] pushedWhenStopReturned = { -1, -1 };
        boolean[] stillInterrupted = new boolean[2];
        Thread[] stoppers = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int k = i;
            stoppers[i] = new Thread(() -> {
                Thread.currentThread().interrupt();
                servers[k].stop();
                pushedWhenStopReturned[k] = pages[k].getIntAcquire(RingLayout.RSP_PROD);
                stillInterrupted[k] = Thread.currentThread().isInterrupted();
            });
            stoppers[i].start();
        }
        for (Thread t : stoppers) {
            while (t.isAlive() && t.getState() != Thread.State.WAITING) Thread.onSpinWait();
        }
        imageA.release.countDown();
        imageB.release.countDown();
        for (Thread t : stoppers) {
            t.join(30_000);
            assertFalse(t.isAlive());
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(2, pushedWhenStopReturned[i], "ring " + (char) ('A' + i) + "'s responses pushed before its stop() returned");
            assertTrue(stillInterrupted[i], "the stopping thread's interrupt is kept");
            assertEquals(2, servers[i].answered());
        }
        assertEquals(2, imageB.inside.get(), "ring B's requests went to its image");
        while (pool.alive() > 0) {
            assertTrue(System.nanoTime() - end < 0, "the pool's threads end with its last ring");
            Thread.sleep(1);
        }
    }

    /**
     * Stops {@code server} from a thread whose interrupt is set (xenbus's thread interrupted while
     * it disconnects); once that thread waits in stop() (or returned already: the bug), opens
     * {@code release}; checks that {@code responses} were pushed before stop() returned and the
     * interrupt was kept.
     */
    static void stopInterrupted(BlkifServer server, ArrayPage page, CountDownLatch release, int responses, String what)
            throws InterruptedException {
        AtomicLong pushedWhenStopReturned = new AtomicLong(-1);
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread stopper = new Thread(() -> {
            Thread.currentThread().interrupt();
            server.stop();
            pushedWhenStopReturned.set(page.getIntAcquire(RingLayout.RSP_PROD));
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        stopper.start();
        while (stopper.isAlive() && stopper.getState() != Thread.State.WAITING) Thread.onSpinWait();
        release.countDown();
        stopper.join(30_000);
        assertFalse(stopper.isAlive());
        assertEquals(responses, pushedWhenStopReturned.get(), what + " pushed before stop() returned");
        assertTrue(stillInterrupted.get(), "the stopping thread's interrupt is kept");
    }
}
