package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.io.blkback.blkif.Blkif.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.io.blkback.testing.BlkRig;
import org.oxen.io.blkback.testing.JavaBlkfront;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.BlockImageProvider;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.vmm.api.Domain;

/**
 * Several requests of one ring at the disk at once, and the ordering blkback keeps meanwhile,
 * through the real path (a Java frontend in a real guest domain, xenstore, xenbus, grant copies)
 * over a real raw file, seen by a {@link WatchedImage} the test puts between blkback and the file.
 */
class BlkbackQueueTest {

    static final int MIB = 1 << 20;
    /** How long an image call waits for another to join it: bounds a hang, never decides a pass. */
    static final long JOIN_NANOS = TimeUnit.SECONDS.toNanos(5);

    @TempDir
    Path dir;
    BlkRig rig;

    @AfterEach
    void stop() throws Exception {
        if (rig != null) rig.close();
    }

    /**
     * A raw image whose calls say what ran beside what: the most reads and writes inside it at
     * once, and, when {@code writesWait}, each write waits (at most {@link #JOIN_NANOS}) for
     * another call to enter the image, so a read or flush sent while a write is at the disk
     * overtakes it (what the ordering tests look for).
     */
    static final class WatchedImage implements BlockImage {
        final BlockImage file;
        final boolean writesWait;
        final AtomicInteger inside = new AtomicInteger(), mostInside = new AtomicInteger();
        final AtomicInteger writesInside = new AtomicInteger(), writesDone = new AtomicInteger();
        /** What a flush saw that it must not: a write still inside the image. */
        final AtomicReference<String> flushViolation = new AtomicReference<>();
        final List<Integer> writesDoneAtFlush = new ArrayList<>();
        volatile int entries;

        WatchedImage(BlockImage file, boolean writesWait) {
            this.file = file;
            this.writesWait = writesWait;
        }

        private void enter() {
            int n = inside.incrementAndGet();
            mostInside.accumulateAndGet(n, Math::max);
            entries++;
        }

        /** Waits until another call enters the image after this one did, or the bound passes. */
        private void awaitAnother(int seen) {
            long end = System.nanoTime() + JOIN_NANOS;
            while (entries == seen && System.nanoTime() - end < 0) Thread.onSpinWait();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            enter();
            try {
                file.read(offset, dst);
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            enter();
            int seen = entries;
            writesInside.incrementAndGet();
            try {
                if (writesWait) awaitAnother(seen);
                file.write(offset, src);
                writesDone.incrementAndGet();
            } finally {
                writesInside.decrementAndGet();
                inside.decrementAndGet();
            }
        }

        @Override
        public void flush() throws IOException {
            entries++;
            int w = writesInside.get();
            if (w != 0) flushViolation.compareAndSet(null, "a flush began with " + w + " write(s) still at the disk");
            synchronized (writesDoneAtFlush) {
                writesDoneAtFlush.add(writesDone.get());
            }
            file.flush();
        }

        @Override public Path path() { return file.path(); }
        @Override public String format() { return file.format(); }
        @Override public long size() { return file.size(); }
        @Override public int clusterSize() { return file.clusterSize(); }
        @Override public boolean readOnly() { return file.readOnly(); }
        @Override public Map<String, String> details() { return file.details(); }
        @Override public void discard(long offset, long length) throws IOException { file.discard(offset, length); }
        @Override public void close() throws IOException { file.close(); }
    }

    /** The raw provider, each image it opens watched. */
    static final class WatchingProvider implements BlockImageProvider {
        final RawImageProvider raw = new RawImageProvider();
        final boolean writesWait;
        volatile WatchedImage last;

        WatchingProvider(boolean writesWait) {
            this.writesWait = writesWait;
        }

        @Override public String format() { return raw.format(); }
        @Override public boolean recognizes(byte[] header, int length) { return raw.recognizes(header, length); }
        @Override public BlockImage create(Path path, ImageSpec spec) throws IOException { return raw.create(path, spec); }

        @Override
        public BlockImage open(Path path, AccessMode mode) throws IOException {
            WatchedImage w = new WatchedImage(raw.open(path, mode), writesWait);
            last = w;
            return w;
        }
    }

    WatchingProvider provider;

    /** A rig whose blkback allows {@code depth} requests at the disk, a raw disk attached to a guest. */
    JavaBlkfront connect(int depth, boolean writesWait, Path img) throws Exception {
        rig = new BlkRig(96);
        BlkbackComponent blkback = new BlkbackComponent(VbdBackend.Settings.DEFAULT.withDepth(depth).withInline(false));
        provider = new WatchingProvider(writesWait);
        blkback.addProvider(provider);
        rig.addFactory(blkback, 1, 0);
        try (BlockImage i = new RawImageProvider().create(img, ImageSpec.ofSize(4 * MIB))) {
            // created
        }
        Domain d = rig.guest("queue");
        JavaBlkfront fe = rig.attach(d, new VbdDevices.Disk(51712, "xvda", "raw", img.toString(), false, false),
                JavaBlkfront.Options.DEFAULT);
        assertTrue(fe.awaitConnected(20_000), "connected");
        return fe;
    }

    static byte[] pattern(long seed, int len) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void ok(JavaBlkfront.Request r) throws Exception {
        assertEquals(RSP_OKAY, r.await(30, TimeUnit.SECONDS), r.toString());
    }

    /**
     * Sixteen 4 KiB writes in flight at once, each waiting in the image for another request to
     * join it: with the ring's requests at the disk together, two or more are inside the image at
     * once and every write lands in the file. Fails with the queue depth at 1 (one request at a
     * time: never two inside; and each write waits out its bound).
     */
    @Test
    void requestsOfOneRingAreAtTheDiskTogether() throws Exception {
        Path img = dir.resolve("q.img");
        JavaBlkfront fe = connect(8, true, img);
        List<JavaBlkfront.Request> rs = new ArrayList<>();
        for (int i = 0; i < 16; i++) rs.add(fe.write(i * 64L, pattern(i, 4096), 0, 4096));
        for (JavaBlkfront.Request r : rs) ok(r);
        List<JavaBlkfront.Request> reads = new ArrayList<>();
        byte[][] back = new byte[16][4096];
        for (int i = 0; i < 16; i++) reads.add(fe.read(i * 64L, back[i], 0, 4096));
        for (JavaBlkfront.Request r : reads) ok(r);
        WatchedImage w = provider.last;
        assertTrue(w.mostInside.get() >= 2, "at most " + w.mostInside.get() + " request(s) inside the image at once");
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ)) {
            for (int i = 0; i < 16; i++) {
                assertArrayEquals(pattern(i, 4096), back[i], "read back " + i);
                ByteBuffer b = ByteBuffer.allocate(4096);
                ch.read(b, i * 64L * 512);
                assertArrayEquals(pattern(i, 4096), b.array(), "in the file " + i);
            }
        }
        assertEquals(16, w.writesDone.get());
    }

    /**
     * A flush (and a barrier) sent while writes are at the disk begins only after every one of
     * them is done: the writes wait in the image for another call to come, and none may be a
     * flush. Fails when the flush is sent to the disk without draining the requests in flight.
     */
    @Test
    void aFlushOrBarrierWaitsForTheWritesInFlight() throws Exception {
        Path img = dir.resolve("f.img");
        JavaBlkfront fe = connect(8, true, img);
        WatchedImage w = provider.last;
        for (int round = 0; round < 2; round++) {
            List<JavaBlkfront.Request> rs = new ArrayList<>();
            for (int i = 0; i < 3; i++) rs.add(fe.write(round * 1024L + i * 64L, pattern(i, 8192), 0, 8192));
            JavaBlkfront.Request f = round == 0 ? fe.flush() : fe.barrier();
            for (JavaBlkfront.Request r : rs) ok(r);
            ok(f);
        }
        assertNull(w.flushViolation.get());
        // a barrier flushes before and after its (empty) data: each saw every write before it done
        assertEquals(List.of(3, 6, 6), w.writesDoneAtFlush);
    }

    /**
     * A read sent while a write to the same sectors is at the disk reads what the write wrote:
     * the write waits in the image for another call, and the read must not be that call. Fails
     * without the overlap check (the read goes to the disk beside the write and finds zeros).
     */
    @Test
    void aReadOverlappingAWriteInFlightSeesItsData() throws Exception {
        Path img = dir.resolve("o.img");
        JavaBlkfront fe = connect(8, true, img);
        byte[] data = pattern(7, 4096);
        byte[] back = new byte[4096];
        JavaBlkfront.Request wr = fe.write(100, data, 0, 4096);
        JavaBlkfront.Request rd = fe.read(100, back, 0, 4096);
        ok(wr);
        ok(rd);
        assertArrayEquals(data, back);
        assertEquals(1, provider.last.mostInside.get(), "the overlapping read waited for the write");
    }
}
