package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.io.blkback.blkif.Blkif.*;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.io.blkback.blkif.BlkifRequest;
import org.oxen.io.blkback.testing.BlkRig;
import org.oxen.io.blkback.testing.JavaBlkfront;
import org.oxen.io.ring.ArrayPage;
import org.oxen.io.ring.BackRing;
import org.oxen.io.ring.FrontRing;
import org.oxen.io.ring.RingLayout;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.vmm.api.Domain;

/**
 * A kick that finds the ring idle is served on the notifying thread (the frontend's vcpu), before
 * its event hypercall returns; flushes, a notifier whose interrupt is set, and the rest of a batch
 * past the budget go to the service thread. Through a Java frontend inside a real domain (the
 * notifying thread is the test's: {@code submit} returns after the domain's event send), and on a
 * bare ring for the budget.
 */
class BlkbackInlineTest {

    @TempDir
    Path dir;
    BlkRig rig;
    BlkbackComponent blkback;

    @BeforeEach
    void start() throws Exception {
        rig = new BlkRig(64);
        blkback = new BlkbackComponent(VbdBackend.Settings.DEFAULT.withInline(true));
        blkback.addProvider(new RawImageProvider());
        rig.addFactory(blkback, 1, 0);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    /** Answered, served on a notifying thread, handed to the service thread (blkback's counters). */
    long[] counts() {
        long[] t = blkback.serviceTimes();
        return new long[] {t[9], t[11], t[12]};
    }

    /** A raw image attached to a new domain, its frontend connected and blkback's thread parked. */
    JavaBlkfront connected(Path img) throws Exception {
        try (BlockImage i = new RawImageProvider().create(img, ImageSpec.ofSize(1 << 20))) {
            // created
        }
        Domain d = rig.guest("inline");
        JavaBlkfront fe = rig.attach(d, new VbdDevices.Disk(51712, "xvda", "raw", img.toString(), false, false),
                JavaBlkfront.Options.DEFAULT);
        assertTrue(fe.awaitConnected(20_000), "connected");
        // the service thread scanned the ring at bind and spun once before parking: from then on
        // nobody holds the ring, and a kick finds it idle
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (blkback.serviceTimes()[4] == 0) {
            assertTrue(System.nanoTime() < end, "blkback's service thread never waited for a kick");
            Thread.sleep(1);
        }
        return fe;
    }

    static byte[] pattern(long seed, int len) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] fileBytes(Path img, long off, int len) throws Exception {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(len);
            ch.read(b, off);
            return b.array();
        }
    }

    /**
     * A write, then a read, are answered before the frontend's kick returns (the response is on
     * the ring when {@code submit} comes back, counted as served on the notifying thread); the
     * flush after them is left to blkback's service thread (an fsync would hold the vcpu's pCPU)
     * and answered there. Fails with blkback's inline service off ({@code Settings.inline}) or
     * with flushes served inline.
     */
    @Test
    void aKickFindingTheRingIdleIsAnsweredBeforeItReturnsAndAFlushGoesToTheServiceThread() throws Exception {
        Path img = dir.resolve("inline.img");
        JavaBlkfront fe = connected(img);
        long[] before = counts();
        byte[] data = pattern(1, 3 * 4096);
        JavaBlkfront.Request w = fe.write(16, data, 0, data.length);
        long[] after = counts();
        assertEquals(before[0] + 1, after[0], "the write was answered before the kick returned");
        assertEquals(before[1] + 1, after[1], "on the notifying thread");
        assertEquals(before[2], after[2], "nothing handed to the service thread");
        assertEquals(RSP_OKAY, w.await(20, TimeUnit.SECONDS));
        assertArrayEquals(data, fileBytes(img, 16 * 512, data.length), "the image holds the write");

        byte[] back = new byte[data.length];
        JavaBlkfront.Request r = fe.read(16, back, 0, back.length);
        assertEquals(before[0] + 2, counts()[0], "the read was answered before the kick returned");
        assertEquals(RSP_OKAY, r.await(20, TimeUnit.SECONDS));
        assertArrayEquals(data, back);

        long[] beforeFlush = counts();
        JavaBlkfront.Request f = fe.flush();
        assertEquals(beforeFlush[1], counts()[1], "the flush is not served on the notifying thread");
        assertEquals(RSP_OKAY, f.await(20, TimeUnit.SECONDS));
        long[] end = counts();
        assertEquals(beforeFlush[0] + 1, end[0], "the service thread answered the flush");
        assertEquals(beforeFlush[2] + 1, end[2], "handed over once");
        assertEquals(0, fe.unexpectedResponses());
    }

    /**
     * A kick from a thread whose interrupt is set is left to the service thread: FileChannel I/O
     * on an interrupted thread closes the channel (ClosedByInterruptException), which would break
     * the image for good. The write succeeds, the interrupt is kept, and the disk goes on working.
     * Fails without the check (the write is refused and every later request with it).
     */
    @Test
    void anInterruptedNotifierLeavesTheRequestToTheServiceThread() throws Exception {
        Path img = dir.resolve("intr.img");
        JavaBlkfront fe = connected(img);
        long[] before = counts();
        byte[] data = pattern(2, 2 * 4096);
        Thread.currentThread().interrupt();
        JavaBlkfront.Request w;
        try {
            w = fe.write(40, data, 0, data.length);
        } finally {
            assertTrue(Thread.interrupted(), "the notifier's interrupt is kept");
        }
        assertEquals(RSP_OKAY, w.await(20, TimeUnit.SECONDS), "the write succeeded");
        long[] after = counts();
        assertEquals(before[1], after[1], "not served on the interrupted thread");
        assertEquals(before[2] + 1, after[2], "handed to the service thread");
        byte[] back = new byte[data.length];
        assertEquals(RSP_OKAY, fe.read(40, back, 0, back.length).await(20, TimeUnit.SECONDS));
        assertArrayEquals(data, back);
        byte[] more = pattern(3, 4096);
        assertEquals(RSP_OKAY, fe.write(80, more, 0, more.length).await(20, TimeUnit.SECONDS), "the image still works");
        assertArrayEquals(more, fileBytes(img, 80 * 512, more.length));
    }

    /** A server on a bare 4-page ring (128 slots) with no grants: only refused requests can be served. */
    static final class BareRing {
        final ArrayPage[] pages = {new ArrayPage(), new ArrayPage(), new ArrayPage(), new ArrayPage()};
        final FrontRing front = FrontRing.init(new RingLayout(SLOT_SIZE, pages), REQUEST_SIZE, RESPONSE_SIZE);
        final VbdCounters counters = new VbdCounters();
        final BlkifServerStopTest.CountingPort port = new BlkifServerStopTest.CountingPort();
        final BlkifServer server = new BlkifServer("d1/51712", 1, 51712, null, null,
                new BackRing(new RingLayout(SLOT_SIZE, pages), REQUEST_SIZE, RESPONSE_SIZE),
                new BlkifServerStopTest.GatedImage(), new BlkifServer.Limits(2048, false, true, false, 0, false, 0),
                counters, why -> {
                }, 8, true, new BlkIoPool(2));

        BareRing() throws InterruptedException {
            server.start(port);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (counters.spinNanos == 0) { // past its first scan of the ring: spun, then parks
                assertTrue(System.nanoTime() < end, "the service thread never waited for a kick");
                Thread.sleep(1);
            }
        }

        void awaitAnswered(long n) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (counters.answered < n) {
                assertTrue(System.nanoTime() < end, "the service thread answered " + counters.answered);
                Thread.sleep(1);
            }
        }

        /** Takes {@code n} responses: ids 0..n-1 in order, each with {@code status}. */
        void takeResponses(int n, int status) throws Exception {
            byte[] rsp = new byte[RESPONSE_SIZE];
            assertEquals(n, front.unconsumedResponses());
            for (int id = 0; id < n; id++) {
                front.takeResponse(rsp);
                assertEquals(id, rsp[RSP_ID] & 0xFF, "answered in ring order");
                assertEquals(status, (short) ((rsp[RSP_STATUS] & 0xFF) | rsp[RSP_STATUS + 1] << 8));
            }
        }
    }

    /**
     * A notifying thread serves at most {@link BlkifServer#INLINE_SEGMENTS} segments a kick and
     * leaves the rest of the ring to the service thread, which answers every request in ring
     * order: 128 requests of 11 segments each (refused, each segment's first sector after its
     * last: no grant or image touched), 1,408 segments. Fails with the budget removed (the
     * notifier serves all 128).
     */
    @Test
    void aNotifierServesItsBudgetAndTheServiceThreadTheRest() throws Exception {
        BareRing b = new BareRing();
        int n = b.front.size();
        assertEquals(128, n);
        byte[] slot = new byte[REQUEST_SIZE];
        int[] grefs = new int[11], first = new int[11], last = new int[11];
        Arrays.fill(first, 5);
        Arrays.fill(last, 2);
        for (int id = 0; id < n; id++) {
            BlkifRequest.encodeDirect(slot, OP_READ, 0, id, 0, 11, grefs, first, last);
            b.front.putRequest(slot);
        }
        b.front.pushRequests();
        b.server.onEvent(b.port);
        assertEquals((BlkifServer.INLINE_SEGMENTS + 10) / 11, b.counters.inlineRequests,
                "the notifier served its budget's requests");
        assertEquals(1, b.counters.handOffs, "and handed the ring over");
        b.awaitAnswered(n);
        b.server.stop();
        assertEquals(n, b.server.answered());
        assertEquals(n, b.counters.errors, "each refused: its segments are out of their page");
        b.takeResponses(n, RSP_ERROR);
    }

    /**
     * A kick whose requests spend the budget exactly and leave the ring empty is no hand-off:
     * four indirect requests of 256 segments (refused: this connection offers no indirect
     * segments). Fails when the budget is checked after a request rather than before the next
     * (the service thread was woken for an empty ring at every 1 MiB request batch of four).
     */
    @Test
    void aBudgetSpentOnAnEmptiedRingHandsNothingOver() throws Exception {
        BareRing b = new BareRing();
        byte[] slot = new byte[REQUEST_SIZE];
        for (int id = 0; id < 4; id++) {
            BlkifRequest.encodeIndirect(slot, OP_WRITE, 0, id, 0, 256, new int[] {7}, 1);
            b.front.putRequest(slot);
        }
        b.front.pushRequests();
        b.server.onEvent(b.port);
        assertEquals(4, b.counters.inlineRequests, "all four on the notifier");
        assertEquals(4, b.counters.answered);
        assertEquals(0, b.counters.handOffs, "nothing left for the service thread");
        b.server.stop();
        b.takeResponses(4, RSP_EOPNOTSUPP);
    }
}
