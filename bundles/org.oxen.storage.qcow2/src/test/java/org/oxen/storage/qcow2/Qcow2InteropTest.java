package org.oxen.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageFormatException;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.api.ReadOnlyImageException;
import org.oxen.storage.raw.RawImageProvider;

/**
 * Images qemu-img and qemu-io make (v2 and v3, zero clusters, discards, compressed clusters,
 * backing chains, snapshots, a dirty bit) read in oxen exactly as qemu-img convert -O raw reads
 * them; after oxen writes to them, qemu-img check is clean and qemu-img compare matches.
 */
class Qcow2InteropTest {
    private static final int MIB = 1 << 20;
    private final Qcow2ImageProvider qcow2 = new Qcow2ImageProvider(new RawImageProvider());

    @TempDir
    Path dir;

    /** What QEMU reads from an image: qemu-img convert -O raw. */
    private byte[] qemuRaw(Path image) throws Exception {
        Path out = dir.resolve("qemu-" + System.nanoTime() + ".raw");
        QemuImg.ok("qemu-img", "convert", "-O", "raw", image.toString(), out.toString());
        byte[] b = Files.readAllBytes(out);
        Files.delete(out);
        return b;
    }

    private static byte[] readAll(BlockImage img) throws Exception {
        byte[] b = new byte[(int) img.size()];
        img.read(0, ByteBuffer.wrap(b));
        return b;
    }

    /** A random 4 MiB disk with a zero MiB in the middle (convert leaves it unallocated). */
    private byte[] source() {
        byte[] b = Workload.random(42, 4 * MIB);
        Arrays.fill(b, MIB, 2 * MIB, (byte) 0);
        return b;
    }

    @ParameterizedTest(name = "compat={0}")
    @ValueSource(strings = {"0.10", "1.1"})
    void qemuWrittenImagesReadAsQemuReadsThemAndTakeOxenWrites(String compat) throws Exception {
        byte[] src = source();
        Path raw = Workload.writeRaw(dir, "src.raw", src);
        Path img = dir.resolve("q.qcow2");
        QemuImg.ok("qemu-img", "convert", "-O", "qcow2", "-o", "compat=" + compat, raw.toString(), img.toString());
        QemuImg.ok("qemu-io", "-f", "qcow2", "-c", "write -P 0xab 100k 64k", "-c", "write -z 1M 192k",
                "-c", "write -z 3M 64k", "-c", "discard 2M 128k", "-c", "write -P 0x5c 2500k 1k", img.toString());
        byte[] want = qemuRaw(img);
        try (BlockImage q = qcow2.open(img, AccessMode.READ_ONLY)) {
            assertEquals(4 * MIB, q.size());
            assertArrayEquals(want, readAll(q));
        }
        byte[] mirror = want.clone();
        try (BlockImage q = qcow2.open(img, AccessMode.READ_WRITE)) {
            Workload.run(q, mirror, new Random(7), 300, true);
            Workload.verify(q, mirror);
        }
        QemuImg.assertClean(img);
        QemuImg.assertSame(Workload.writeRaw(dir, "mirror.raw", mirror), img);
    }

    @Test
    void compressedClustersReadAndAreCopiedOnWrite() throws Exception {
        byte[] src = source();
        for (int i = 2 * MIB; i < 3 * MIB; i++) {
            src[i] = (byte) (i / 4096); // compressible
        }
        Path raw = Workload.writeRaw(dir, "src.raw", src);
        Path img = dir.resolve("c.qcow2");
        QemuImg.ok("qemu-img", "convert", "-c", "-O", "qcow2", "-o", "cluster_size=4096", raw.toString(), img.toString());
        String check = QemuImg.ok("qemu-img", "check", "--output=json", img.toString());
        assertTrue(check.matches("(?s).*\"compressed-clusters\": [1-9].*"), "qemu-img wrote compressed clusters: " + check);
        try (BlockImage q = qcow2.open(img, AccessMode.READ_ONLY)) {
            assertArrayEquals(src, readAll(q));
            // small reads at odd offsets inside compressed clusters
            for (int off : new int[] {2 * MIB + 1, 2 * MIB + 4095, 3 * MIB - 10, 123}) {
                ByteBuffer b = ByteBuffer.allocateDirect(9);
                q.read(off, b);
                for (int k = 0; k < 9; k++) {
                    assertEquals(src[off + k], b.get(k), "byte " + (off + k));
                }
            }
        }
        byte[] mirror = src.clone();
        try (BlockImage q = qcow2.open(img, AccessMode.READ_WRITE)) {
            Workload.run(q, mirror, new Random(8), 400, true);
            Workload.verify(q, mirror);
        }
        QemuImg.assertClean(img);
        QemuImg.assertSame(Workload.writeRaw(dir, "mirror.raw", mirror), img);
    }

    @ParameterizedTest(name = "compat={0}")
    @ValueSource(strings = {"0.10", "1.1"})
    void backingChainsReadThroughAndOverlaysCopyOnWrite(String compat) throws Exception {
        byte[] base = Workload.random(5, 2 * MIB);
        Path baseRaw = Workload.writeRaw(dir, "base.raw", base);
        Path mid = dir.resolve("mid.qcow2");
        QemuImg.ok("qemu-img", "create", "-f", "qcow2", "-o", "compat=" + compat, "-b", "base.raw", "-F", "raw",
                mid.toString(), "3M");
        QemuImg.ok("qemu-io", "-f", "qcow2", "-c", "write -P 0x11 64k 64k", "-c", "write -P 0x22 2100k 8k",
                mid.toString());
        Path top = dir.resolve("top.qcow2");
        QemuImg.ok("qemu-img", "create", "-f", "qcow2", "-o", "compat=" + compat + ",cluster_size=16384", "-b",
                mid.toString(), "-F", "qcow2", top.toString(), "4M");
        byte[] want = qemuRaw(top);
        byte[] midBefore = Files.readAllBytes(mid);
        try (BlockImage q = qcow2.open(top, AccessMode.READ_ONLY)) {
            assertEquals(4 * MIB, q.size());
            assertArrayEquals(want, readAll(q));
        }
        byte[] mirror = want.clone();
        try (BlockImage q = qcow2.open(top, AccessMode.READ_WRITE)) {
            Workload.run(q, mirror, new Random(9), 300, true);
            // a discard over backed data reads zeros (v3: zero clusters; v2: zeros written)
            q.discard(0, 2 * MIB);
            Arrays.fill(mirror, 0, 2 * MIB, (byte) 0);
            Workload.verify(q, mirror);
        }
        QemuImg.assertClean(top);
        QemuImg.assertSame(Workload.writeRaw(dir, "mirror.raw", mirror), top);
        assertArrayEquals(midBefore, Files.readAllBytes(mid), "the backing image is never written");
        assertArrayEquals(base, Files.readAllBytes(baseRaw), "the backing image is never written");
    }

    @Test
    void oxenCreatedOverlaysWorkInQemu() throws Exception {
        byte[] base = Workload.random(6, 2 * MIB);
        Workload.writeRaw(dir, "base.raw", base);
        Path top = dir.resolve("ov.qcow2");
        byte[] mirror = Arrays.copyOf(base, 3 * MIB);
        try (BlockImage q = qcow2.create(top, ImageSpec.ofSize(3 * MIB).withBacking("base.raw", "raw"))) {
            Workload.verify(q, mirror);
            Workload.run(q, mirror, new Random(10), 200, true);
        }
        String info = QemuImg.ok("qemu-img", "info", "--output=json", top.toString());
        assertTrue(info.contains("\"backing-filename-format\": \"raw\"") && info.contains("\"backing-filename\": \"base.raw\""),
                info);
        QemuImg.assertClean(top);
        QemuImg.assertSame(Workload.writeRaw(dir, "mirror.raw", mirror), top);
        IllegalArgumentException noBase = assertThrows(IllegalArgumentException.class, () -> qcow2.create(
                dir.resolve("x.qcow2"), ImageSpec.ofSize(MIB).withOption("cluster_size", "1000")));
        assertTrue(noBase.getMessage().contains("cluster_size=1000"), noBase.getMessage());
        assertTrue(!Files.exists(dir.resolve("x.qcow2")), "a refused create leaves no file");
        Exception missing = assertThrows(java.io.IOException.class, () -> qcow2.create(dir.resolve("y.qcow2"),
                ImageSpec.ofSize(MIB).withBacking("nonexistent.raw", "raw")));
        assertTrue(missing.getMessage().contains("nonexistent.raw"), missing.getMessage());
    }

    @Test
    void snapshottedAndDirtyImagesOpenReadOnlyOnly() throws Exception {
        byte[] src = source();
        Path raw = Workload.writeRaw(dir, "src.raw", src);
        Path snap = dir.resolve("s.qcow2");
        QemuImg.ok("qemu-img", "convert", "-O", "qcow2", raw.toString(), snap.toString());
        QemuImg.ok("qemu-img", "snapshot", "-c", "s1", snap.toString());
        QemuImg.ok("qemu-io", "-f", "qcow2", "-c", "write -P 0x77 0 64k", snap.toString());
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> qcow2.open(snap, AccessMode.READ_WRITE));
        assertTrue(e.getMessage().contains("1 internal snapshot") && e.getMessage().contains("read-only"), e.getMessage());
        try (BlockImage q = qcow2.open(snap, AccessMode.READ_ONLY)) {
            assertArrayEquals(qemuRaw(snap), readAll(q));
            assertThrows(ReadOnlyImageException.class, () -> q.write(0, ByteBuffer.allocate(512)));
        }

        Path dirty = dir.resolve("d.qcow2");
        QemuImg.ok("qemu-img", "convert", "-O", "qcow2", "-o", "lazy_refcounts=on", raw.toString(), dirty.toString());
        // clean, a lazy-refcounts image is written with exact refcounts (the bit only permits laziness)
        byte[] lazy = qemuRaw(dirty);
        try (BlockImage q = qcow2.open(dirty, AccessMode.READ_WRITE)) {
            Workload.run(q, lazy, new Random(12), 100, true);
        }
        QemuImg.assertClean(dirty);
        QemuImg.assertSame(Workload.writeRaw(dir, "lazy.raw", lazy), dirty);
        byte[] want = qemuRaw(dirty);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dirty,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).putLong(0, 1L), 72); // the dirty bit, as an unclean QEMU exit leaves it
        }
        ImageFormatException d = assertThrows(ImageFormatException.class, () -> qcow2.open(dirty, AccessMode.READ_WRITE));
        assertTrue(d.getMessage().contains("dirty bit") && d.getMessage().contains("qemu-img check -r all"), d.getMessage());
        try (BlockImage q = qcow2.open(dirty, AccessMode.READ_ONLY)) {
            assertArrayEquals(want, readAll(q));
        }
    }
}
