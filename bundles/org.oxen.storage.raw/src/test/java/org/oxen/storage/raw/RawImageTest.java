package org.oxen.storage.raw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.api.ReadOnlyImageException;
import org.oxen.storage.api.StorageException;

class RawImageTest {
    private static final long MIB = 1 << 20;
    private final RawImageProvider provider = new RawImageProvider();

    @TempDir
    Path dir;

    @Test
    void createIsSparseAndReadsZeros() throws Exception {
        Path f = dir.resolve("disk.raw");
        try (BlockImage img = provider.create(f, ImageSpec.ofSize(64 * MIB))) {
            assertEquals(64 * MIB, img.size());
            assertEquals(64 * MIB, Files.size(f));
            assertEquals("raw", img.format());
            assertFalse(img.readOnly());
            ByteBuffer b = ByteBuffer.allocate(8192);
            img.read(32 * MIB - 100, b);
            assertEquals(8192, b.position());
            assertArrayEquals(new byte[8192], b.array());
        }
        // allocated 512-byte blocks, as stat counts them: a sparse file has almost none
        Process p = new ProcessBuilder("stat", "-c", "%b", f.toString()).start();
        long blocks = Long.parseLong(new String(p.getInputStream().readAllBytes()).trim());
        assertEquals(0, p.waitFor());
        assertTrue(blocks * 512 <= 64 * 1024, "a new raw image allocates at most 64 KiB, has " + blocks * 512);
    }

    @Test
    void writesReadBackAtUnalignedOffsetsWithHeapAndDirectBuffers() throws Exception {
        Path f = dir.resolve("d.raw");
        Random r = new Random(1);
        byte[] mirror = new byte[(int) (4 * MIB)];
        try (BlockImage img = provider.create(f, ImageSpec.ofSize(4 * MIB))) {
            for (int i = 0; i < 200; i++) {
                int len = 1 + r.nextInt(20000);
                int off = r.nextInt(mirror.length - len);
                byte[] data = new byte[len];
                r.nextBytes(data);
                System.arraycopy(data, 0, mirror, off, len);
                ByteBuffer src = (i % 2 == 0) ? ByteBuffer.wrap(data) : ByteBuffer.allocateDirect(len).put(data).flip();
                img.write(off, src);
                assertEquals(0, src.remaining());
            }
            ByteBuffer all = ByteBuffer.allocateDirect(mirror.length);
            img.read(0, all);
            byte[] got = new byte[mirror.length];
            all.flip().get(got);
            assertArrayEquals(mirror, got);
            img.flush();
        }
        assertArrayEquals(mirror, Files.readAllBytes(f));
        try (BlockImage img = provider.open(f, AccessMode.READ_ONLY)) {
            assertTrue(img.readOnly());
            ByteBuffer b = ByteBuffer.allocate(1000);
            img.read(12345, b);
            byte[] want = new byte[1000];
            System.arraycopy(mirror, 12345, want, 0, 1000);
            assertArrayEquals(want, b.array());
            assertThrows(ReadOnlyImageException.class, () -> img.write(0, ByteBuffer.allocate(512)));
            assertThrows(ReadOnlyImageException.class, () -> img.discard(0, 512));
        }
    }

    @Test
    void discardReadsAsZeros() throws Exception {
        Path f = dir.resolve("z.raw");
        try (BlockImage img = provider.create(f, ImageSpec.ofSize(MIB))) {
            byte[] ones = new byte[(int) MIB];
            java.util.Arrays.fill(ones, (byte) 0x5a);
            img.write(0, ByteBuffer.wrap(ones));
            img.discard(1000, 200_000);
            ByteBuffer b = ByteBuffer.allocate((int) MIB);
            img.read(0, b);
            for (int i = 0; i < MIB; i++) {
                assertEquals(i >= 1000 && i < 201_000 ? 0 : 0x5a, b.get(i), "byte " + i);
            }
        }
    }

    @Test
    void rangesOutsideTheImageAreRefusedNamingFileAndRange() throws Exception {
        Path f = dir.resolve("r.raw");
        try (BlockImage img = provider.create(f, ImageSpec.ofSize(MIB))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> img.read(MIB - 511, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("offset 1048065")
                    && e.getMessage().contains("size 1048576"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> img.write(-1, ByteBuffer.allocate(1)));
            assertThrows(IllegalArgumentException.class, () -> img.discard(0, MIB + 1));
        }
        assertEquals(MIB, Files.size(f), "a refused request changed nothing");
    }

    @Test
    void aTailShorterThanASectorReadsAsZeros() throws Exception {
        Path f = dir.resolve("odd.raw");
        byte[] content = new byte[1000];
        java.util.Arrays.fill(content, (byte) 7);
        Files.write(f, content);
        try (BlockImage img = provider.open(f, AccessMode.READ_ONLY)) {
            assertEquals(1024, img.size());
            ByteBuffer b = ByteBuffer.allocate(1024);
            img.read(0, b);
            for (int i = 0; i < 1024; i++) {
                assertEquals(i < 1000 ? 7 : 0, b.get(i));
            }
        }
    }

    @Test
    void aSecondWriterIsRefusedAndCreateNeverOverwrites() throws Exception {
        Path f = dir.resolve("l.raw");
        try (BlockImage img = provider.create(f, ImageSpec.ofSize(MIB))) {
            StorageException e = assertThrows(StorageException.class, () -> provider.open(f, AccessMode.READ_WRITE));
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("already open for writing"),
                    e.getMessage());
            provider.open(f, AccessMode.READ_ONLY).close();
        }
        assertThrows(FileAlreadyExistsException.class, () -> provider.create(f, ImageSpec.ofSize(MIB)));
        provider.open(f, AccessMode.READ_WRITE).close();
        IllegalArgumentException opt = assertThrows(IllegalArgumentException.class,
                () -> provider.create(dir.resolve("o.raw"), ImageSpec.ofSize(MIB).withOption("cluster_size", "4096")));
        assertTrue(opt.getMessage().contains("cluster_size"), opt.getMessage());
        assertFalse(Files.exists(dir.resolve("o.raw")));
    }

    @Test
    void aClosedImageSaysSo() throws IOException {
        BlockImage img = provider.create(dir.resolve("c.raw"), ImageSpec.ofSize(MIB));
        img.close();
        img.close();
        StorageException e = assertThrows(StorageException.class, () -> img.read(0, ByteBuffer.allocate(1)));
        assertTrue(e.getMessage().contains("closed"));
    }
}
