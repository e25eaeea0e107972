package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.io.blkback.blkif.Blkif.*;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.io.blkback.testing.BlkRig;
import org.oxen.io.blkback.testing.JavaBlkfront;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.qcow2.Qcow2ImageProvider;
import org.oxen.storage.raw.RawImageProvider;
import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.api.Domain;

/**
 * blkback driven through the real path: a Java frontend inside a real guest domain (its own
 * pages, grant table and event channel) does the xenstore handshake with the backend xenbus
 * bound to the toolstack's vbd directories, then reads and writes through the ring; the image
 * file is checked directly.
 */
class BlkbackTest {

    static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    BlkRig rig;
    BlkbackComponent blkback;

    @BeforeEach
    void start() throws Exception {
        rig = new BlkRig(96);
        blkback = new BlkbackComponent();
        RawImageProvider raw = new RawImageProvider();
        blkback.addProvider(raw);
        blkback.addProvider(new Qcow2ImageProvider(raw));
        rig.addFactory(blkback, 1, 0);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    Path rawImage(String name, long size) throws Exception {
        return rawImage(dir, name, size);
    }

    /** A new raw image of {@code size} bytes named {@code name} in {@code dir}. */
    static Path rawImage(Path dir, String name, long size) throws Exception {
        Path p = dir.resolve(name);
        try (BlockImage i = new RawImageProvider().create(p, ImageSpec.ofSize(size))) {
            return p;
        }
    }

    static byte[] pattern(long seed, int len) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The raw image {@code img} attached to {@code d} as xvda (51712), its Java frontend connected. */
    JavaBlkfront connectedRaw(Domain d, Path img) throws Exception {
        JavaBlkfront fe = rig.attach(d, new VbdDevices.Disk(51712, "xvda", "raw", img.toString(), false, false),
                JavaBlkfront.Options.DEFAULT);
        assertTrue(fe.awaitConnected(20_000), "connected");
        return fe;
    }

    static void ok(JavaBlkfront.Request r) throws Exception {
        assertEquals(RSP_OKAY, r.await(20, TimeUnit.SECONDS), r.toString());
    }

    /**
     * Backend requests in the trace: with the backend class traced, each request blkback answers
     * is one TRC_OXEN_BLKBACK_REQUEST record in Domain-0's buffer naming the frontend's domain,
     * the device, the operation, the segments and the status; with tracing off, none.
     */
    @Test
    void eachAnsweredRequestIsATraceRecord() throws Exception {
        Path img = rawImage("t.img", MIB);
        Domain d = rig.guest("blkt");
        JavaBlkfront fe = connectedRaw(d, img);
        rig.vmm.trace().drain((b, ns, ev, x, n) -> { });
        rig.vmm.trace().enable(Trace.TRC_OXEN_BACKEND);
        byte[] data = pattern(3, 3 * 4096);
        ok(fe.write(8, data, 0, data.length));
        ok(fe.read(8, new byte[4096], 0, 4096));
        ok(fe.flush());
        rig.vmm.trace().enable(0);
        ok(fe.read(0, new byte[512], 0, 512));
        List<int[]> recs = new ArrayList<>();
        int host = rig.vmm.trace().buffers() - 1;
        rig.vmm.trace().drain((b, ns, ev, x, n) -> {
            if (ev == Trace.TRC_OXEN_BLKBACK_REQUEST) {
                assertEquals(host, b, "written from blkback's thread: Domain-0's buffer");
                recs.add(java.util.Arrays.copyOf(x, n));
            }
        });
        assertEquals(3, recs.size(), "three requests while traced, none after");
        assertArrayEquals(new int[] {d.id(), 51712, OP_WRITE, 3, RSP_OKAY}, recs.get(0));
        assertArrayEquals(new int[] {d.id(), 51712, OP_READ, 1, RSP_OKAY}, recs.get(1));
        assertEquals(OP_FLUSH_DISKCACHE, recs.get(2)[2]);
        assertEquals(RSP_OKAY, recs.get(2)[4]);
    }

    @Test
    void handshakeAsLinuxBlkbackThenVerifiedIo() throws Exception {
        Path img = rawImage("d.img", 8 * MIB);
        Domain d = rig.guest("blk1");
        JavaBlkfront fe = connectedRaw(d, img);
        String be = VbdDevices.backendPath(d.id(), 51712);
        String fp = VbdDevices.frontendPath(d.id(), 51712);
        assertEquals("4", rig.read(be + "/state"));
        // the frontend writes its own Connected after its connected() reaction has returned
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"4".equals(rig.read(fp + "/state")) && System.nanoTime() < until) {
            Thread.sleep(2);
        }
        assertEquals("4", rig.read(fp + "/state"));
        assertEquals(Long.toString(8 * MIB / 512), rig.read(be + "/sectors"));
        assertEquals("0", rig.read(be + "/info"));
        assertEquals("512", rig.read(be + "/sector-size"));
        assertEquals("1", rig.read(be + "/feature-flush-cache"));
        assertEquals("1", rig.read(be + "/feature-barrier"));
        assertEquals("1", rig.read(be + "/feature-discard"));
        assertEquals("1", rig.read(be + "/feature-persistent"));
        assertEquals("256", rig.read(be + "/feature-max-indirect-segments"));
        assertEquals("4", rig.read(be + "/max-ring-page-order"));
        assertEquals("x86_32-abi", rig.read(fp + "/protocol"));
        assertEquals(8 * MIB / 512, fe.sectors());

        // write the whole disk in 44 KiB requests (11 segments), read it back, compare with the file
        int chunk = 11 * 4096;
        byte[] disk = pattern(1, 8 * MIB);
        for (int off = 0; off < disk.length; off += chunk) {
            ok(fe.write(off / 512, disk, off, Math.min(chunk, disk.length - off)));
        }
        ok(fe.flush());
        byte[] back = new byte[disk.length];
        for (int off = 0; off < disk.length; off += chunk) {
            ok(fe.read(off / 512, back, off, Math.min(chunk, disk.length - off)));
        }
        assertArrayEquals(disk, back, "read back through the ring");
        assertArrayEquals(disk, fileBytes(img), "the image file holds what was written");

        // sub-page segments: 3 sectors at an odd sector
        byte[] small = pattern(2, 3 * 512);
        ok(fe.write(4097, small, 0, small.length));
        byte[] got = new byte[small.length];
        ok(fe.read(4097, got, 0, got.length));
        assertArrayEquals(small, got);

        // indirect: 32 pages in one request
        byte[] big = pattern(3, 32 * 4096);
        ok(fe.write(1000, big, 0, big.length));
        byte[] bigBack = new byte[big.length];
        ok(fe.read(1000, bigBack, 0, bigBack.length));
        assertArrayEquals(big, bigBack, "indirect read and write");

        // barrier and discard
        ok(fe.barrier());
        ok(fe.discard(1000, 64));
        ok(fe.read(1000, bigBack, 0, 64 * 512));
        for (int i = 0; i < 64 * 512; i++) assertEquals(0, bigBack[i], "discarded bytes read as zero");

        org.oxen.vmm.api.backend.BackendStatistics.Device st = blkback.devices().get(0);
        assertEquals(d.id(), st.domid());
        assertTrue(st.connected());
        assertEquals(0, st.counter("errors"));
        assertTrue(st.counter("wr_sect") >= 8 * MIB / 512 && st.counter("rd_sect") >= 8 * MIB / 512, st.toString());
        assertEquals(0, fe.unexpectedResponses());
    }

    @Test
    void readOnlyDiskRefusesWritesFlushesAndDiscards() throws Exception {
        Path img = rawImage("ro.img", 1 * MIB);
        byte[] content = pattern(7, MIB);
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(content), 0);
        }
        Domain d = rig.guest("ro");
        JavaBlkfront fe = rig.attach(d, new VbdDevices.Disk(51728, "xvdb", "raw", img.toString(), true, false),
                JavaBlkfront.Options.DEFAULT);
        assertTrue(fe.awaitConnected(20_000), "connected");
        String be = VbdDevices.backendPath(d.id(), 51728);
        assertEquals("r", rig.read(be + "/mode"));
        assertEquals(Integer.toString(VDISK_READONLY), rig.read(be + "/info"));
        assertEquals("0", rig.read(be + "/feature-flush-cache"));
        assertEquals("0", rig.read(be + "/feature-discard"));
        byte[] got = new byte[8192];
        ok(fe.read(8, got, 0, got.length));
        assertArrayEquals(java.util.Arrays.copyOfRange(content, 4096, 4096 + 8192), got);
        assertEquals(RSP_ERROR, fe.write(8, new byte[4096], 0, 4096).await(20, TimeUnit.SECONDS), "write refused");
        assertEquals(RSP_EOPNOTSUPP, fe.flush().await(20, TimeUnit.SECONDS), "no flush on a read-only disk");
        assertEquals(RSP_EOPNOTSUPP, fe.discard(0, 8).await(20, TimeUnit.SECONDS), "no discard on a read-only disk");
        assertArrayEquals(content, fileBytes(img), "the file is unchanged");
        ok(fe.read(8, got, 0, got.length));
        assertEquals(1, blkback.devices().get(0).counter("errors"));
    }

    @Test
    void multiPageRingWithoutPersistentGrantsOnQcow2NoDiscard() throws Exception {
        Path img = dir.resolve("d.qcow2");
        new Qcow2ImageProvider().create(img, ImageSpec.ofSize(4 * MIB)).close();
        Domain d = rig.guest("q");
        JavaBlkfront fe = rig.attach(d, new VbdDevices.Disk(51712, "xvda", "qcow2", img.toString(), false, false, false),
                new JavaBlkfront.Options(2, false, false, 64, 11));
        assertTrue(fe.awaitConnected(20_000), "connected");
        String fp = VbdDevices.frontendPath(d.id(), 51712);
        assertEquals("2", rig.read(fp + "/ring-page-order"));
        assertTrue(rig.read(fp + "/ring-ref3") != null && rig.read(fp + "/ring-ref") == null, "four ring refs");
        assertEquals("0", rig.read(fp + "/feature-persistent"));
        String be = VbdDevices.backendPath(d.id(), 51712);
        assertEquals("0", rig.read(be + "/discard-enable"), "xl's no-discard");
        assertEquals("0", rig.read(be + "/feature-discard"));
        assertEquals(RSP_EOPNOTSUPP, fe.discard(0, 8).await(20, TimeUnit.SECONDS), "discard not offered");
        // 64 requests in flight at once: more than one page of ring holds (32)
        byte[] disk = writeFlushReadBack(fe, 11, 4 * MIB);
        assertEquals(0, blkback.devices().get(0).counter("errors"));
        assertEquals(0, fe.unexpectedResponses());
        rig.close();
        rig = new BlkRig(16); // the image closed cleanly: it opens and reads back outside blkback
        try (BlockImage i = new Qcow2ImageProvider().open(img, org.oxen.storage.api.AccessMode.READ_ONLY)) {
            ByteBuffer b = ByteBuffer.allocate(disk.length);
            i.read(0, b);
            assertArrayEquals(disk, b.array());
        }
    }

    @Test
    void blockDetachClosesTheDeviceThroughTheFrontendThenRemovesIt() throws Exception {
        Path img = rawImage("det.img", MIB);
        Domain d = rig.guest("det");
        JavaBlkfront fe = connectedRaw(d, img);
        byte[] data = pattern(5, 4096);
        ok(fe.write(0, data, 0, data.length));
        assertEquals(1, blkback.devices().size());
        // xl block-detach: online=0 and Closing; the frontend follows to Closed, then the backend
        assertTrue(VbdDevices.closes(rig.toolstack, d.id(), 51712, 10_000), "closed through the frontend");
        String be = VbdDevices.backendPath(d.id(), 51712);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"6".equals(rig.read(be + "/state"))) {
            assertTrue(System.nanoTime() < end, "backend Closed: " + rig.read(be + "/state"));
            Thread.sleep(2);
        }
        Thread.sleep(200);
        assertEquals("6", rig.read(be + "/state"), "an offline device is not prepared for reconnect");
        VbdDevices.remove(rig.toolstack, d.id(), 51712);
        end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!blkback.devices().isEmpty()) {
            assertTrue(System.nanoTime() < end, "the backend let go of the removed device");
            Thread.sleep(2);
        }
        assertEquals(null, rig.read(be + "/state"));
        assertArrayEquals(data, java.util.Arrays.copyOf(fileBytes(img), 4096), "the write reached the file");
    }

    /**
     * xl's {@code direct-io-safe}: the toolstack writes {@code direct-io-safe = 1}; blkback opens the
     * raw image with O_DIRECT and offers its block as {@code sector-size}; aligned I/O reaches the
     * file, and a request not aligned to the block is answered with an error and changes nothing.
     * A qcow2 disk with the same flag is opened with O_DIRECT too (its data and metadata through
     * the provider's aligned path), the block its sector size, aligned I/O verified and an
     * unaligned write refused; a raw file whose length is no multiple of the block stays on the
     * page cache with 512-byte sectors.
     */
    @Test
    void directIoSafeOpensRawAndQcow2ImagesWithODirectAndOffersTheBlockAsSectorSize() throws Exception {
        Path img = rawImage("direct.img", MIB);
        Path q = dir.resolve("direct.qcow2");
        new Qcow2ImageProvider().create(q, ImageSpec.ofSize(MIB)).close();
        Domain d = rig.guest("dio");
        JavaBlkfront fe = rig.attach(d, new VbdDevices.Disk(51712, "xvda", "raw", img.toString(), false, false, true, true),
                JavaBlkfront.Options.DEFAULT);
        assertTrue(fe.awaitConnected(20_000), "connected");
        String be = VbdDevices.backendPath(d.id(), 51712);
        assertEquals("1", rig.read(be + "/direct-io-safe"));
        String block = Long.toString(java.nio.file.Files.getFileStore(img).getBlockSize());
        assertEquals(block, rig.read(be + "/sector-size"), "the O_DIRECT block is the guest's sector size");
        assertEquals(block, rig.read(be + "/physical-sector-size"));
        byte[] disk = writeFlushReadBack(fe, 21, MIB);
        assertEquals(RSP_ERROR, fe.write(1, new byte[512], 0, 512).await(20, TimeUnit.SECONDS),
                "one sector inside a block: not aligned for O_DIRECT");
        assertArrayEquals(disk, fileBytes(img), "the file holds the aligned writes and nothing of the refused one");
        assertEquals(1, blkback.devices().get(0).counter("errors"));

        Domain d2 = rig.guest("dioq");
        JavaBlkfront qf = rig.attach(d2, new VbdDevices.Disk(51712, "xvda", "qcow2", q.toString(), false, false, true, true),
                JavaBlkfront.Options.DEFAULT);
        assertTrue(qf.awaitConnected(20_000), "qcow2 connected");
        assertEquals(block, rig.read(VbdDevices.backendPath(d2.id(), 51712) + "/sector-size"), "qcow2 with O_DIRECT");
        writeFlushReadBack(qf, 22, MIB);
        assertEquals(RSP_ERROR, qf.write(1, disk, 0, 512).await(20, TimeUnit.SECONDS), "not aligned for O_DIRECT");

        // a raw file O_DIRECT cannot serve (its length no multiple of the block): the page cache, as Xen's backends
        Path odd = dir.resolve("odd.img");
        java.nio.file.Files.write(odd, new byte[MIB + 512]);
        Domain d3 = rig.guest("dioodd");
        JavaBlkfront of = rig.attach(d3, new VbdDevices.Disk(51712, "xvda", "raw", odd.toString(), false, false, true, true),
                JavaBlkfront.Options.DEFAULT);
        assertTrue(of.awaitConnected(20_000), "an odd-sized direct-io-safe disk connects");
        assertEquals("512", rig.read(VbdDevices.backendPath(d3.id(), 51712) + "/sector-size"));
        ok(of.write(2048, disk, 0, 512)); // the last sector
        assertArrayEquals(java.util.Arrays.copyOf(disk, 512), java.util.Arrays.copyOfRange(fileBytes(odd), MIB, MIB + 512));
    }

    /**
     * Writes {@code bytes} of pattern {@code seed} from sector 0 as 4 KiB requests all in flight
     * at once, flushes, reads it back the same way and checks it; returns the pattern.
     */
    static byte[] writeFlushReadBack(JavaBlkfront fe, long seed, int bytes) throws Exception {
        byte[] disk = pattern(seed, bytes);
        JavaBlkfront.Request[] rs = new JavaBlkfront.Request[disk.length / 4096];
        for (int i = 0; i < rs.length; i++) rs[i] = fe.write(i * 8L, disk, i * 4096, 4096);
        for (JavaBlkfront.Request r : rs) ok(r);
        ok(fe.flush());
        byte[] back = new byte[disk.length];
        for (int i = 0; i < rs.length; i++) rs[i] = fe.read(i * 8L, back, i * 4096, 4096);
        for (JavaBlkfront.Request r : rs) ok(r);
        assertArrayEquals(disk, back);
        return disk;
    }

    static byte[] fileBytes(Path p) throws Exception {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) ch.size());
            while (b.hasRemaining() && ch.read(b) >= 0) {
            }
            return b.array();
        }
    }
}
