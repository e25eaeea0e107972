package org.oxen.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.raw.RawImageProvider;

/**
 * oxen creates and writes qcow2 images (random writes and discards against a mirror); qemu-img
 * check finds no error or leak and qemu-img compare matches the mirror. Small clusters with wide
 * refcounts make the refcount table grow several times.
 */
class Qcow2WriteTest {
    static long headerLong(Path img, int offset) throws java.io.IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(img)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8);
            ch.read(b, offset);
            return b.getLong(0);
        }
    }

    private final Qcow2ImageProvider qcow2 = new Qcow2ImageProvider(new RawImageProvider());

    @TempDir
    Path dir;

    @ParameterizedTest(name = "compat={0} cluster_size={1} refcount_bits={2}")
    @CsvSource({
        "1.1, 65536, 16, 8388608, 400, false",
        "0.10, 65536, 16, 8388608, 400, false",
        "1.1, 4096, 1, 4194304, 600, false",
        "1.1, 512, 64, 4194304, 1500, true",
        "1.1, 2097152, 8, 16777216, 60, false",
        "0.10, 512, 16, 1048576, 800, false",
    })
    void randomWritesAndDiscardsPassQemuImgCheckAndCompare(String compat, int cs, int bits, int size, int ops,
            boolean tableGrows) throws Exception {
        Path img = dir.resolve("w.qcow2");
        byte[] mirror = new byte[size];
        Random r = new Random(size ^ cs ^ bits);
        ImageSpec spec = ImageSpec.ofSize(size).withOption("compat", compat).withOption("cluster_size", "" + cs)
                .withOption("refcount_bits", "" + bits);
        try (BlockImage q = qcow2.create(img, spec)) {
            assertEquals(size, q.size());
            assertEquals(cs, q.clusterSize());
            QemuImg.Result locked = QemuImg.check(img);
            assertTrue(locked.exit() != 0 && locked.out().contains("lock"), "oxen's lock keeps qemu-img out: " + locked);
            QemuImg.assertClean(img, true); // created metadata is synced before create returns
            if (tableGrows) { // fill it: more clusters than the first refcount table covers
                r.nextBytes(mirror);
                q.write(0, java.nio.ByteBuffer.wrap(mirror));
            }
            Workload.run(q, mirror, r, ops, true);
            Workload.verify(q, mirror);
        }
        // 512-byte clusters with 64-bit refcounts: a table cluster covers 2 MiB of file, so it must have grown
        assertEquals(tableGrows, headerLong(img, 48) != cs, "refcount table at " + headerLong(img, 48));
        QemuImg.assertClean(img);
        QemuImg.assertSame(Workload.writeRaw(dir, "mirror.raw", mirror), img);
        String info = QemuImg.ok("qemu-img", "info", "--output=json", img.toString());
        assertTrue(info.contains("\"compat\": \"" + compat + "\""), info);
        assertTrue(info.contains("\"cluster-size\": " + cs), info);
        // reopened, it reads the same and takes more writes
        try (BlockImage q = qcow2.open(img, AccessMode.READ_WRITE)) {
            Workload.verify(q, mirror);
            Workload.run(q, mirror, r, ops / 4, true);
        }
        QemuImg.assertClean(img);
        QemuImg.assertSame(Workload.writeRaw(dir, "mirror2.raw", mirror), img);
    }

    /** Four threads write and read back disjoint quarters of one image at once (the image's lock). */
    @org.junit.jupiter.api.Test
    void concurrentRequestsFromSeveralThreads() throws Exception {
        Path img = dir.resolve("mt.qcow2");
        int size = 8 << 20;
        byte[] mirror = new byte[size];
        try (BlockImage q = qcow2.create(img, ImageSpec.ofSize(size).withOption("cluster_size", "4096"))) {
            java.util.List<Thread> threads = new java.util.ArrayList<>();
            java.util.List<Throwable> failures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            for (int t = 0; t < 4; t++) {
                int base = t * size / 4;
                Thread th = new Thread(() -> {
                    try {
                        Random r = new Random(base);
                        for (int i = 0; i < 300; i++) {
                            int len = 1 + r.nextInt(20_000);
                            int off = base + r.nextInt(size / 4 - len);
                            byte[] d = new byte[len];
                            r.nextBytes(d);
                            q.write(off, java.nio.ByteBuffer.wrap(d));
                            synchronized (mirror) {
                                System.arraycopy(d, 0, mirror, off, len);
                            }
                            byte[] back = new byte[len];
                            q.read(off, java.nio.ByteBuffer.wrap(back));
                            org.junit.jupiter.api.Assertions.assertArrayEquals(d, back);
                            if (i % 50 == 0) {
                                q.flush();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            assertTrue(failures.isEmpty(), "no thread failed: " + failures);
            Workload.verify(q, mirror);
        }
        QemuImg.assertClean(img);
        QemuImg.assertSame(Workload.writeRaw(dir, "mt.raw", mirror), img);
    }
}
