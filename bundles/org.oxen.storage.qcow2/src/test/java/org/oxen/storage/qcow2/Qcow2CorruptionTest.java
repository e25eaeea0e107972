package org.oxen.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ImageFormatException;
import org.oxen.storage.api.ReadOnlyImageException;
import org.oxen.storage.api.StorageException;
import org.oxen.storage.raw.RawImageProvider;

/**
 * Corrupt images get a clear error naming what and where, never a crash: each damage QEMU's
 * docs and check know, then random damage to the metadata of a real image.
 */
class Qcow2CorruptionTest {
    private static final int MIB = 1 << 20;
    private final Qcow2ImageProvider qcow2 = new Qcow2ImageProvider(new RawImageProvider());

    @TempDir
    Path dir;

    /** A qemu-img image: 64 KiB clusters, header 0, refcount table 0x10000, block 0x20000, L1 0x30000, data from 0. */
    private Path image(String compat) throws Exception {
        Path raw = Workload.writeRaw(dir, "src.raw", Workload.random(3, 2 * MIB));
        Path img = dir.resolve("c-" + compat + ".qcow2");
        Files.deleteIfExists(img);
        QemuImg.ok("qemu-img", "convert", "-O", "qcow2", "-o", "compat=" + compat, raw.toString(), img.toString());
        return img;
    }

    private static void poke(Path img, long offset, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(bytes, offset);
        }
    }

    private static void pokeLong(Path img, long offset, long v) throws IOException {
        poke(img, offset, ByteBuffer.allocate(8).putLong(0, v));
    }

    private static void pokeInt(Path img, long offset, int v) throws IOException {
        poke(img, offset, ByteBuffer.allocate(4).putInt(0, v));
    }

    private static long peekLong(Path img, long offset) throws IOException {
        return Qcow2WriteTest.headerLong(img, (int) offset);
    }

    private void refused(Path img, String... fragments) {
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> qcow2.open(img, AccessMode.READ_ONLY));
        assertTrue(e.getMessage().startsWith(img.toString() + ": "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
        }
    }

    @Test
    void damagedHeadersAreRefusedNamingFieldAndOffset() throws Exception {
        Path img = image("1.1");
        byte[] good = Files.readAllBytes(img);

        pokeInt(img, 0, 0x12345678);
        refused(img, "not a qcow2 image", "magic 0x12345678 at offset 0");

        Files.write(img, good);
        pokeLong(img, 40, 0x4000000L);
        refused(img, "L1 table at 0x4000000", "runs past the end of the file");

        Files.write(img, good);
        pokeLong(img, 40, 0x10000L);
        refused(img, "the L1 table (0x10000..", "overlaps the refcount table");

        Files.write(img, good);
        pokeInt(img, 96, 7);
        refused(img, "refcount_order 7 (offset 96)");

        Files.write(img, good);
        pokeInt(img, 20, 30);
        refused(img, "cluster_bits 30 (offset 20)");

        Files.write(img, good);
        pokeLong(img, 72, 1L << 5);
        refused(img, "unsupported incompatible feature bit 5");

        Files.write(img, good);
        pokeInt(img, 32, 1);
        refused(img, "encrypted", "crypt_method 1");

        Files.write(img, good);
        pokeInt(img, 36, 0);
        refused(img, "L1 table is too small");

        Files.write(img, good);
        pokeLong(img, 0x30000, (1L << 63) | 0x10000); // L1[0] -> the refcount table
        refused(img, "L1 table entry 0", "overlaps the refcount table");

        Files.write(img, good);
        pokeLong(img, 0x10000, 0x20100); // a misaligned refcount block
        refused(img, "refcount table entry 0", "misaligned");

        Files.write(img, good);
        Files.write(img, new byte[50]);
        refused(img, "too short (50 bytes)");

        Files.write(img, good);
        try (BlockImage q = qcow2.open(img, AccessMode.READ_ONLY)) {
            assertEquals(2 * MIB, q.size()); // and the pristine copy still opens
        }
    }

    @Test
    void aDataClusterOverMetadataIsCaughtAndTheImageMarkedCorruptAsQemuDoes() throws Exception {
        Path img = image("1.1");
        long l2 = peekLong(img, 0x30000) & 0x00FFFFFFFFFFFE00L;
        pokeLong(img, l2, (1L << 63) | 0x30000L); // virtual cluster 0 -> the L1 table
        try (BlockImage q = qcow2.open(img, AccessMode.READ_WRITE)) {
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> q.write(100, ByteBuffer.allocate(10)));
            assertTrue(e.getMessage().contains("virtual offset 0x0") && e.getMessage().contains("0x30000")
                    && e.getMessage().contains("the L1 table") && e.getMessage().contains("marked corrupt"), e.getMessage());
            assertTrue(q.readOnly());
            ReadOnlyImageException ro = assertThrows(ReadOnlyImageException.class,
                    () -> q.write(MIB, ByteBuffer.allocate(10)));
            assertTrue(ro.getMessage().contains("corruption found"), ro.getMessage());
        }
        assertTrue(QemuImg.ok("qemu-img", "info", "--output=json", img.toString()).contains("\"corrupt\": true"));
        ImageFormatException again = assertThrows(ImageFormatException.class, () -> qcow2.open(img, AccessMode.READ_WRITE));
        assertTrue(again.getMessage().contains("marked corrupt"), again.getMessage());
        qcow2.open(img, AccessMode.READ_ONLY).close();
    }

    @Test
    void aZeroFlagInAVersion2ImageIsCorruption() throws Exception {
        Path img = image("0.10");
        long l2 = peekLong(img, 0x30000) & 0x00FFFFFFFFFFFE00L;
        pokeLong(img, l2, peekLong(img, l2) | 1);
        try (BlockImage q = qcow2.open(img, AccessMode.READ_ONLY)) {
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> q.read(0, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains("zero flag") && e.getMessage().contains("version 2"), e.getMessage());
            q.read(MIB, ByteBuffer.allocate(512)); // the rest still reads
        }
    }

    @Test
    void garbageInACompressedClusterIsAnErrorNotACrash() throws Exception {
        Path raw = Workload.writeRaw(dir, "z.raw", new byte[MIB]);
        byte[] text = new byte[MIB];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) ('a' + i % 7);
        }
        Files.write(raw, text);
        Path img = dir.resolve("z.qcow2");
        QemuImg.ok("qemu-img", "convert", "-c", "-O", "qcow2", raw.toString(), img.toString());
        long l2 = peekLong(img, 0x30000) & 0x00FFFFFFFFFFFE00L;
        long desc = peekLong(img, l2);
        assertTrue((desc & (1L << 62)) != 0, "cluster 0 is compressed");
        long coff = desc & ((1L << 54) - 1);
        byte[] junk = new byte[64];
        new Random(1).nextBytes(junk);
        poke(img, coff, ByteBuffer.wrap(junk));
        try (BlockImage q = qcow2.open(img, AccessMode.READ_ONLY)) {
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> q.read(0, ByteBuffer.allocate(4096)));
            assertTrue(e.getMessage().contains("compressed cluster at 0x" + Long.toHexString(coff)), e.getMessage());
        }
    }

    /**
     * 150 images, each with a few random bytes of metadata changed (header, tables, an L2 table):
     * opening, reading everything, writing and flushing either work or fail with a
     * StorageException; nothing else escapes (no index errors, no out-of-memory, no hang).
     */
    @Test
    void randomMetadataDamageNeverCrashes() throws Exception {
        Path raw = Workload.writeRaw(dir, "f.raw", Workload.random(11, MIB));
        Path pristine = dir.resolve("pristine.qcow2");
        QemuImg.ok("qemu-img", "convert", "-O", "qcow2", "-o", "cluster_size=4096", raw.toString(), pristine.toString());
        byte[] good = Files.readAllBytes(pristine);
        Path img = dir.resolve("fuzz.qcow2");
        Random r = new Random(2024);
        int refused = 0;
        for (int round = 0; round < 150; round++) {
            byte[] b = good.clone();
            int damage = 1 + r.nextInt(4);
            for (int k = 0; k < damage; k++) {
                int at = r.nextInt(6 * 4096); // header, refcount table, block, L1, the L2 tables
                b[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : b[at] ^ (1 << r.nextInt(8)));
            }
            Files.write(img, b);
            try (BlockImage q = qcow2.open(img, AccessMode.READ_WRITE)) {
                ByteBuffer all = ByteBuffer.allocate((int) Math.min(q.size(), 4 * MIB));
                q.read(0, all);
                q.write(r.nextInt(MIB - 5000), ByteBuffer.allocate(5000));
                q.discard(0, Math.min(q.size(), 64 * 1024));
                q.flush();
            } catch (StorageException expected) {
                refused++;
            } catch (Throwable t) {
                fail("round " + round + ": " + t, t);
            }
        }
        assertTrue(refused > 25, "much damage is noticed: " + refused + " of 150");
    }
}
