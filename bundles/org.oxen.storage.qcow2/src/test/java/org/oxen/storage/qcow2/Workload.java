package org.oxen.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.oxen.storage.api.BlockImage;

/** Random writes and discards applied to an image and to an in-memory mirror, then compared. */
final class Workload {
    private Workload() {
    }

    /**
     * {@code ops} random requests: writes of 1 byte to 3 clusters at any offset (a third of them
     * whole aligned clusters), discards when {@code discards}, a flush now and then; heap and
     * direct buffers alternate.
     */
    static void run(BlockImage img, byte[] mirror, Random r, int ops, boolean discards) throws IOException {
        int cs = img.clusterSize();
        for (int i = 0; i < ops; i++) {
            int kind = r.nextInt(10);
            if (discards && kind == 0) {
                int len = 1 + r.nextInt(3 * cs);
                int off = r.nextInt(mirror.length - len + 1);
                img.discard(off, len);
                Arrays.fill(mirror, off, off + len, (byte) 0);
                continue;
            }
            if (kind == 1) {
                img.flush();
            }
            int len;
            int off;
            if (kind < 5) {
                len = cs;
                off = r.nextInt(mirror.length / cs) * cs;
            } else {
                len = 1 + r.nextInt(Math.min(3 * cs, mirror.length));
                off = r.nextInt(mirror.length - len + 1);
            }
            byte[] data = new byte[len];
            r.nextBytes(data);
            if (r.nextInt(4) == 0) {
                Arrays.fill(data, (byte) 0); // zeros written explicitly are data too
            }
            System.arraycopy(data, 0, mirror, off, len);
            ByteBuffer src = (i & 1) == 0 ? ByteBuffer.wrap(data)
                    : ByteBuffer.allocateDirect(len).put(data).flip();
            img.write(off, src);
            assertEquals(0, src.remaining(), "write consumed the buffer");
        }
    }

    /** Reads the whole image in odd-sized pieces and compares it with the mirror. */
    static void verify(BlockImage img, byte[] mirror) throws IOException {
        assertEquals(mirror.length, img.size());
        byte[] got = new byte[mirror.length];
        int piece = 3 * img.clusterSize() + 123;
        for (int off = 0; off < got.length; off += piece) {
            int n = Math.min(piece, got.length - off);
            ByteBuffer b = ByteBuffer.wrap(got, off, n);
            img.read(off, b);
            assertEquals(off + n, b.position());
        }
        for (int i = 0; i < got.length; i++) {
            if (got[i] != mirror[i]) {
                assertArrayEquals(Arrays.copyOfRange(mirror, i, Math.min(i + 64, got.length)),
                        Arrays.copyOfRange(got, i, Math.min(i + 64, got.length)), "first difference at byte " + i);
            }
        }
    }

    static Path writeRaw(Path dir, String name, byte[] mirror) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, mirror);
        return p;
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
