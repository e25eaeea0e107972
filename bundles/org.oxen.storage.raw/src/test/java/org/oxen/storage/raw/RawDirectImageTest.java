package org.oxen.storage.raw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.CacheMode;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.api.StorageException;

/**
 * Raw images opened {@link CacheMode#DIRECT}: the file descriptor really has {@code O_DIRECT}
 * (read back from {@code /proc/self/fdinfo}), aligned I/O from aligned direct buffers reaches the
 * file, unaligned requests and heap buffers are refused naming the file, the request and the
 * alignment (and change nothing), and a completed flush survives the writer being killed with SIGKILL.
 */
class RawDirectImageTest {
    private static final int MIB = 1 << 20;
    /** O_DIRECT on x86-64 and aarch64 Linux, as /proc/PID/fdinfo prints flags (octal). */
    private static final int O_DIRECT = 040000;
    private final RawImageProvider provider = new RawImageProvider();

    @TempDir
    Path dir;

    private Path image(String name, int bytes) throws IOException {
        Path f = dir.resolve(name);
        provider.create(f, ImageSpec.ofSize(bytes)).close();
        return f;
    }

    /** The open flags of this process's descriptors for {@code file} (-1 when none is open). */
    private static int openFlags(Path file) throws IOException {
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

    @Test
    void alignedIoFromDirectBuffersGoesThroughAnODirectDescriptor() throws Exception {
        Path f = image("d.raw", 4 * MIB);
        byte[] mirror = new byte[4 * MIB];
        Random r = new Random(7);
        try (BlockImage img = provider.open(f, AccessMode.READ_WRITE, CacheMode.DIRECT)) {
            assertEquals(CacheMode.DIRECT, img.cacheMode());
            int align = img.requestAlignment();
            assertEquals(Files.getFileStore(f).getBlockSize(), align);
            assertTrue(img.clusterSize() >= align);
            int flags = openFlags(f);
            assertTrue(flags >= 0 && (flags & O_DIRECT) != 0, "the image's descriptor has O_DIRECT: flags 0" + Integer.toOctalString(flags));
            for (int i = 0; i < 64; i++) {
                int len = align * (1 + r.nextInt(32));
                int off = align * r.nextInt((mirror.length - len) / align);
                byte[] data = new byte[len];
                r.nextBytes(data);
                System.arraycopy(data, 0, mirror, off, len);
                ByteBuffer src = ByteBuffer.allocateDirect(len + align).alignedSlice(align).put(data).flip();
                img.write(off, src);
                assertEquals(0, src.remaining());
            }
            ByteBuffer all = ByteBuffer.allocateDirect(mirror.length + align).alignedSlice(align);
            img.read(0, all);
            byte[] got = new byte[mirror.length];
            all.flip().get(got);
            assertArrayEquals(mirror, got);
            ByteBuffer part = ByteBuffer.allocateDirect(4 * align).alignedSlice(align).limit(3 * align);
            img.read(align, part);
            byte[] three = new byte[3 * align];
            part.flip().get(three);
            assertArrayEquals(Arrays.copyOfRange(mirror, align, 4 * align), three);
            img.discard(2L * align, align);
            Arrays.fill(mirror, 2 * align, 3 * align, (byte) 0);
            img.flush();
        }
        assertArrayEquals(mirror, Files.readAllBytes(f));
        try (BlockImage img = provider.open(f, AccessMode.READ_WRITE)) {
            assertEquals(CacheMode.WRITEBACK, img.cacheMode());
            assertEquals(1, img.requestAlignment());
            assertEquals(0, openFlags(f) & O_DIRECT, "a WRITEBACK open has no O_DIRECT");
        }
    }

    @Test
    void unalignedRequestsAreRefusedNamingFileRequestAndAlignmentAndChangeNothing() throws Exception {
        Path f = image("u.raw", MIB);
        byte[] before = Files.readAllBytes(f);
        try (BlockImage img = provider.open(f, AccessMode.READ_WRITE, CacheMode.DIRECT)) {
            int align = img.requestAlignment();
            ByteBuffer one = ByteBuffer.allocateDirect(2 * align).alignedSlice(align).put(0, (byte) 1);
            IllegalArgumentException off = assertThrows(IllegalArgumentException.class, () -> img.write(512, one));
            assertTrue(off.getMessage().startsWith(f.toString()) && off.getMessage().contains("write of " + align
                    + " bytes at offset 512") && off.getMessage().contains("aligned to " + align), off.getMessage());
            IllegalArgumentException len = assertThrows(IllegalArgumentException.class,
                    () -> img.read(0, one.duplicate().limit(512)));
            assertTrue(len.getMessage().contains("read of 512 bytes at offset 0") && len.getMessage().contains("O_DIRECT"),
                    len.getMessage());
            ByteBuffer skewed = ByteBuffer.allocateDirect(3 * align).alignedSlice(align).position(8).limit(8 + align).slice();
            IllegalArgumentException addr = assertThrows(IllegalArgumentException.class, () -> img.write(0, skewed));
            assertTrue(addr.getMessage().contains("direct buffer") && addr.getMessage().contains("8 bytes past a multiple of "
                    + align), addr.getMessage());
            assertEquals(align, skewed.remaining(), "a refused request moved nothing");
            IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
                    () -> img.write(0, ByteBuffer.wrap(new byte[align]).put(0, (byte) 1)));
            assertTrue(heap.getMessage().contains("heap buffer") && heap.getMessage().contains("direct buffers aligned to " + align),
                    heap.getMessage());
            assertThrows(IllegalArgumentException.class, () -> img.discard(512, align));
        }
        assertArrayEquals(before, Files.readAllBytes(f), "refused requests changed nothing");
    }

    @Test
    void aFileWhoseLengthIsNoMultipleOfTheBlockIsRefusedAtOpenAndQcowStyleFormatsSayTheyCannot() throws Exception {
        Path f = dir.resolve("odd.raw");
        Files.write(f, new byte[5000]);
        StorageException e = assertThrows(StorageException.class, () -> provider.open(f, AccessMode.READ_ONLY, CacheMode.DIRECT));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("length 5000")
                && e.getMessage().contains("O_DIRECT"), e.getMessage());
        provider.open(f, AccessMode.READ_WRITE).close(); // the refused open released the file's lock
        assertTrue(provider.cacheModes().contains(CacheMode.DIRECT));
    }

    /** The child: opens the image DIRECT, writes block i with the byte i+1, flushes after every 8th and says so. */
    public static final class FlushedWriter {
        public static void main(String[] args) throws Exception {
            Path f = Path.of(args[0]);
            try (BlockImage img = new RawImageProvider().open(f, AccessMode.READ_WRITE, CacheMode.DIRECT)) {
                int align = img.requestAlignment();
                ByteBuffer b = ByteBuffer.allocateDirect(2 * align).alignedSlice(align);
                int blocks = (int) (img.size() / align);
                for (int i = 0; ; i = (i + 1) % blocks) {
                    b.clear();
                    while (b.hasRemaining()) b.put((byte) (i + 1));
                    img.write((long) i * align, b.flip());
                    if (i % 8 == 7) {
                        img.flush();
                        System.out.println("flushed " + i);
                        System.out.flush();
                    }
                    if (i == blocks - 1) break;
                }
                Thread.sleep(600_000); // the parent kills us first
            }
        }
    }

    @Test
    void everyBlockWrittenBeforeACompletedFlushSurvivesSigkill() throws Exception {
        int blocks = 256;
        int align = (int) Files.getFileStore(dir).getBlockSize();
        Path f = image("k.raw", blocks * align);
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), FlushedWriter.class.getName(),
                f.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int lastFlushed = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String line; (line = out.readLine()) != null; ) {
                lastFlushed = Integer.parseInt(line.substring("flushed ".length()));
                if (lastFlushed >= blocks / 2) {
                    // SIGKILL by kill(1) mid-run: the writer is still writing blocks past this flush
                    assertEquals(0, new ProcessBuilder("kill", "-KILL", "" + child.pid()).start().waitFor());
                    break;
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        assertTrue(lastFlushed >= blocks / 2, "the writer flushed past half the image before it was killed: " + lastFlushed);
        byte[] disk = Files.readAllBytes(f);
        for (int i = 0; i <= lastFlushed; i++) {
            for (int j = 0; j < align; j++) {
                if (disk[i * align + j] != (byte) (i + 1)) {
                    throw new AssertionError("block " + i + " (flushed by 'flushed " + lastFlushed + "') has byte "
                            + disk[i * align + j] + " at " + j + ", not " + (i + 1));
                }
            }
        }
    }
}
