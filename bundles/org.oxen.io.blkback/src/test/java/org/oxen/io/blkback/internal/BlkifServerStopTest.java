package org.oxen.io.blkback.internal;

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
import org.oxen.io.ring.ArrayPage;
import org.oxen.io.ring.BackRing;
import org.oxen.io.ring.FrontRing;
import org.oxen.io.ring.RingLayout;
import org.oxen.storage.api.BlockImage;
import org.oxen.vmm.api.EventPort;

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
        }, 8, true);
        byte[] flush = new byte[REQUEST_SIZE];
        flush[REQ_OPERATION] = (byte) OP_FLUSH_DISKCACHE;
        flush[REQ_ID] = 42;
        front.putRequest(flush);
        front.pushRequests();
        server.start(new CountingPort());
        assertTrue(image.entered.await(30, TimeUnit.SECONDS), "the server took the flush");

        AtomicLong pushedWhenStopReturned = new AtomicLong(-1);
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread stopper = new Thread(() -> {
            Thread.currentThread().interrupt(); // xenbus's thread interrupted while it disconnects
            server.stop();
            pushedWhenStopReturned.set(page.getIntAcquire(RingLayout.RSP_PROD));
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        stopper.start();
        // the stopper either returned already (the bug) or waits in stop() for the server thread
        while (stopper.isAlive() && stopper.getState() != Thread.State.WAITING) Thread.onSpinWait();
        image.release.countDown();
        stopper.join(30_000);
        assertFalse(stopper.isAlive());
        assertEquals(1, pushedWhenStopReturned.get(), "the flush's response was pushed before stop() returned");
        assertTrue(stillInterrupted.get(), "the stopping thread's interrupt is kept");
        assertEquals(1, server.answered());
        assertEquals(1, front.unconsumedResponses());
        byte[] rsp = new byte[RESPONSE_SIZE];
        front.takeResponse(rsp);
        assertEquals(42, rsp[RSP_ID]);
        assertEquals(OP_FLUSH_DISKCACHE, rsp[RSP_OPERATION]);
        assertEquals(RSP_OKAY, (short) ((rsp[RSP_STATUS] & 0xFF) | rsp[RSP_STATUS + 1] << 8));
    }
}
