package org.oxen.storage.qcow2;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.CacheMode;
import org.oxen.storage.raw.RawImageProvider;

/**
 * The child process of {@link Qcow2CrashTest}: applies the deterministic operation sequence
 * {@link Op#of} to an image, printing {@code S i} before operation i starts and {@code F i} once a
 * flush after operation i has returned, until it is killed.
 *
 * <p>Usage: {@code CrashWriter <image> <seed> <ops> [<alignment>]}: with an alignment above 1 the
 * image is opened {@link CacheMode#DIRECT} ({@code O_DIRECT}) and every operation is aligned to it.
 */
public final class CrashWriter {
    /** One operation: a write of {@code len} random bytes (from {@code dataSeed}) or a discard, at {@code off}. */
    record Op(boolean discard, int off, int len, long dataSeed, boolean flushAfter) {
        /** Operation i of the sequence for {@code seed} on an image of {@code size} bytes. */
        static Op of(long seed, int i, int size) {
            return of(seed, i, size, 1);
        }

        /** The same, its offset and length rounded to multiples of {@code align} (a power of two dividing {@code size}). */
        static Op of(long seed, int i, int size, int align) {
            Random r = new Random(seed * 1_000_003L + i);
            int len = 1 + r.nextInt(r.nextInt(4) == 0 ? 200_000 : 70_000);
            int off = r.nextInt(size - len + 1);
            if (align > 1) {
                len = (len + align - 1) & -align;
                off = Math.min(off & -align, size - len);
            }
            return new Op(r.nextInt(6) == 0, off, len, r.nextLong(), r.nextInt(5) == 0);
        }

        byte[] data() {
            byte[] b = new byte[len];
            new Random(dataSeed).nextBytes(b);
            return b;
        }

        void applyTo(byte[] mirror) {
            if (discard) {
                Arrays.fill(mirror, off, off + len, (byte) 0);
            } else {
                System.arraycopy(data(), 0, mirror, off, len);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int ops = Integer.parseInt(args[2]);
        int align = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Qcow2ImageProvider qcow2 = new Qcow2ImageProvider(new RawImageProvider());
        try (BlockImage img = qcow2.open(image, AccessMode.READ_WRITE, align > 1 ? CacheMode.DIRECT : CacheMode.WRITEBACK)) {
            if (img.requestAlignment() != align) throw new IllegalStateException("alignment " + img.requestAlignment());
            int size = (int) img.size();
            for (int i = 0; i < ops; i++) {
                Op op = Op.of(seed, i, size, align);
                System.out.println("S " + i);
                System.out.flush();
                if (op.discard()) {
                    img.discard(op.off(), op.len());
                } else {
                    img.write(op.off(), ByteBuffer.wrap(op.data()));
                }
                if (op.flushAfter()) {
                    img.flush();
                    System.out.println("F " + i);
                    System.out.flush();
                }
            }
        }
        System.out.println("DONE");
    }
}
