package org.oxen.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.CacheMode;
import org.oxen.storage.raw.RawImageProvider;

/**
 * qcow2 images opened {@link CacheMode#DIRECT}: the descriptor has {@code O_DIRECT} (read back
 * from {@code /proc/self/fdinfo}); block-aligned requests of every kind of buffer allocate
 * clusters, L2 tables and refcount blocks (and grow the refcount table) on images qemu-img made;
 * aligned data from aligned direct buffers goes straight to the file while metadata goes through
 * the aligned bounce path; afterwards {@code qemu-img check} is clean and {@code qemu-img compare}
 * matches a raw copy, before and after reopening; unaligned requests are refused.
 */
class Qcow2DirectTest {
    /** O_DIRECT on x86-64 and aarch64 Linux, as /proc/PID/fdinfo prints flags (octal). */
    static final int O_DIRECT = 040000;
    private final Qcow2ImageProvider qcow2 = new Qcow2ImageProvider(new RawImageProvider());

    @TempDir
    Path dir;

    /** The open flags of this process's descriptors for {@code file} (-1 when none is open). */
    static int openFlags(Path file) throws IOException {
        Path real = file.toRealPath();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (!Files.readSymbolicLink(fd).equals(real)) continue;
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                    if (line.startsWith("flags:")) return Integer.parseInt(line.substring(6).trim(), 8);
                }
            }
        }
        return -1;
    }

    /** A buffer of {@code data}: heap, aligned direct or misaligned direct, by {@code kind}. */
    static ByteBuffer buffer(byte[] data, int kind, int align) {
        return switch (kind) {
            case 0 -> ByteBuffer.wrap(data);
            case 1 -> ByteBuffer.allocateDirect(data.length + align).alignedSlice(align).put(data).flip();
            default -> ByteBuffer.allocateDirect(data.length + 2 * align + 8).alignedSlice(align).position(8).slice()
                    .put(data).flip();
        };
    }

    /**
     * {@code ops} block-aligned writes (a third whole clusters, where clusters are at least a
     * block), discards and flushes on {@code img}, applied to {@code mirror} too.
     */
    static void alignedWorkload(BlockImage img, byte[] mirror, Random r, int ops) throws IOException {
        int a = img.requestAlignment(), cs = img.clusterSize(), blocks = mirror.length / a;
        for (int i = 0; i < ops; i++) {
            int kind = r.nextInt(10);
            int len, off;
            if (kind < 3 && cs >= a) {
                len = cs;
                off = r.nextInt(mirror.length / cs) * cs;
            } else {
                int n = 1 + r.nextInt(Math.min(blocks, Math.max(3, 3 * cs / a)));
                len = n * a;
                off = r.nextInt(blocks - n + 1) * a;
            }
            if (kind == 9) {
                img.discard(off, len);
                Arrays.fill(mirror, off, off + len, (byte) 0);
                continue;
            }
            if (kind == 8) img.flush();
            byte[] data = new byte[len];
            r.nextBytes(data);
            System.arraycopy(data, 0, mirror, off, len);
            ByteBuffer src = buffer(data, i % 3, a);
            img.write(off, src);
            assertEquals(0, src.remaining());
        }
    }

    /** Reads the image back in block-aligned pieces of every buffer kind and compares. */
    static void verify(BlockImage img, byte[] mirror) throws IOException {
        int a = img.requestAlignment();
        int piece = 3 * Math.max(img.clusterSize(), a) + a;
        for (int off = 0, k = 0; off < mirror.length; off += piece, k++) {
            int n = Math.min(piece, mirror.length - off);
            ByteBuffer b = buffer(new byte[n], k % 3, a);
            b.clear().limit(n);
            img.read(off, b);
            assertEquals(n, b.position());
            byte[] got = new byte[n];
            b.flip().get(got);
            assertArrayEquals(Arrays.copyOfRange(mirror, off, off + n), got, "bytes at " + off);
        }
    }

    @ParameterizedTest(name = "compat={0} cluster_size={1} refcount_bits={2}")
    @CsvSource({
        "1.1, 65536, 16, 8388608, 300",
        "0.10, 65536, 16, 8388608, 300",
        "1.1, 4096, 1, 4194304, 400",
        "1.1, 512, 64, 4194304, 400",
        "1.1, 2097152, 8, 16777216, 40",
    })
    void alignedIoThroughAnODirectDescriptorLeavesAnImageQemuImgFindsClean(String compat, int cs, int bits, int size,
            int ops) throws Exception {
        Path img = dir.resolve("d.qcow2");
        QemuImg.ok("qemu-img", "create", "-q", "-f", "qcow2", "-o",
                "compat=" + compat + ",cluster_size=" + cs + ",refcount_bits=" + bits, img.toString(), "" + size);
        byte[] mirror = new byte[size];
        Random r = new Random(size ^ cs ^ bits);
        int align = (int) Files.getFileStore(img).getBlockSize();
        try (BlockImage q = qcow2.open(img, AccessMode.READ_WRITE, CacheMode.DIRECT)) {
            assertEquals(CacheMode.DIRECT, q.cacheMode());
            assertEquals(align, q.requestAlignment(), "the file system's block");
            int flags = openFlags(img);
            assertTrue(flags >= 0 && (flags & O_DIRECT) != 0, "the image's descriptor has O_DIRECT: flags 0"
                    + Integer.toOctalString(flags));
            if (cs == 512) { // fill it: more clusters than the first refcount table covers
                r.nextBytes(mirror);
                q.write(0, buffer(mirror, 1, align));
            }
            alignedWorkload(q, mirror, r, ops);
            verify(q, mirror);
            AlignedChannel ch = (AlignedChannel) ((Qcow2Image) q).channel();
            assertTrue(ch.paddedRequests() > 0, "metadata went through the bounce buffer");
            if (cs >= align) assertTrue(ch.straightRequests() > ops / 4, "aligned data went straight to the file: "
                    + ch.straightRequests() + " requests");

            byte[] before = Files.readAllBytes(img);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> q.write(512, ByteBuffer.allocateDirect(512)), "half a block");
            assertTrue(e.getMessage().contains(img.toString()) && e.getMessage().contains("aligned to " + align), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> q.read(align, ByteBuffer.allocate(align + 512)));
            assertArrayEquals(before, Files.readAllBytes(img), "the refused requests changed nothing");
        }
        QemuImg.assertClean(img);
        QemuImg.assertSame(Workload.writeRaw(dir, "mirror.raw", mirror), img);
        try (BlockImage q = qcow2.open(img, AccessMode.READ_WRITE, CacheMode.DIRECT)) {
            verify(q, mirror);
            alignedWorkload(q, mirror, r, ops / 4);
            verify(q, mirror);
        }
        QemuImg.assertClean(img);
        QemuImg.assertSame(Workload.writeRaw(dir, "mirror2.raw", mirror), img);
        try (BlockImage q = qcow2.open(img, AccessMode.READ_ONLY)) {
            verify(q, mirror); // and through the page cache, the same
        }
    }

    /** The provider offers DIRECT, and the page-cache open of the same file has no O_DIRECT. */
    @Test
    void theProviderOffersDirectAndWritebackStaysOnThePageCache() throws Exception {
        assertTrue(qcow2.cacheModes().contains(CacheMode.DIRECT));
        Path img = dir.resolve("w.qcow2");
        QemuImg.ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "1M");
        try (BlockImage q = qcow2.open(img, AccessMode.READ_WRITE, CacheMode.WRITEBACK)) {
            assertEquals(CacheMode.WRITEBACK, q.cacheMode());
            assertEquals(1, q.requestAlignment());
            assertEquals(0, openFlags(img) & O_DIRECT);
        }
    }
}
