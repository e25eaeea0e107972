package org.oxen.storage.qcow2;

import static org.oxen.storage.qcow2.Qcow2Layout.hex;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.oxen.storage.api.ImageFormatException;
import org.oxen.storage.api.io.ImageFiles;

/**
 * Compressed clusters (deflate, compression type 0): the L2 descriptor's layout, reading and
 * inflating one cluster, and which host clusters a compressed range touches (each is counted
 * once per compressed cluster touching it, as QEMU counts them).
 *
 * <p>Descriptor (x = 62 - (cluster_bits - 8)): bits 0..x-1 the host byte offset, bits x..61 the
 * number of additional 512-byte sectors. The data is raw deflate without a zlib header; inflation
 * stops when one cluster has come out (QEMU's compressed data may be followed by padding).
 *
 * <p>Locking: none; used under the owning image's lock. The last inflated cluster is kept, so
 * sequential small reads of one compressed cluster inflate it once; nothing is allocated per
 * read.
 */
final class Compressed implements Closeable {
    private final Path path;
    private final FileChannel ch;
    private final int clusterBits;
    private final int clusterSize;
    private final int offsetBits;
    private final Inflater inflater = new Inflater(true);
    private final byte[] in;
    private final ByteBuffer inView;
    private final byte[] out;
    private long cachedEntry;

    Compressed(Path path, FileChannel ch, int clusterBits) {
        this.path = path;
        this.ch = ch;
        this.clusterBits = clusterBits;
        this.clusterSize = 1 << clusterBits;
        this.offsetBits = 62 - (clusterBits - 8);
        this.in = new byte[2 * clusterSize];
        this.inView = ByteBuffer.wrap(in);
        this.out = new byte[clusterSize];
    }

    private long hostOffset(long entry) {
        return entry & ((1L << offsetBits) - 1);
    }

    private long sectors(long entry) {
        return ((entry >>> offsetBits) & ((1L << (clusterBits - 8)) - 1)) + 1;
    }

    long firstHostCluster(long entry) {
        return (hostOffset(entry) & ~511L) >>> clusterBits;
    }

    long lastHostCluster(long entry) {
        return ((hostOffset(entry) & ~511L) + sectors(entry) * 512 - 1) >>> clusterBits;
    }

    /** Copies {@code n} bytes at {@code off} of the cluster {@code entry} describes into {@code dst}. */
    void read(long entry, int off, int n, ByteBuffer dst) throws IOException {
        if (entry != cachedEntry) {
            cachedEntry = 0;
            inflate(entry);
            cachedEntry = entry;
        }
        dst.put(out, off, n);
    }

    private void inflate(long entry) throws IOException {
        long coff = hostOffset(entry);
        int len = (int) (sectors(entry) * 512 - (coff & 511));
        if (coff < clusterSize) {
            throw new ImageFormatException(path, "compressed cluster descriptor " + hex(entry)
                    + " points into the header cluster (" + hex(coff) + ")");
        }
        inView.clear().limit(len);
        ImageFiles.readFully(ch, inView, coff);
        inflater.reset();
        inflater.setInput(in, 0, len);
        int done = 0;
        try {
            while (done < clusterSize) {
                int k = inflater.inflate(out, done, clusterSize - done);
                if (k == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                done += k;
            }
        } catch (DataFormatException e) {
            throw new ImageFormatException(path, "compressed cluster at " + hex(coff) + " (" + len
                    + " bytes, descriptor " + hex(entry) + ") is not valid deflate data: " + e.getMessage());
        }
        if (done != clusterSize) {
            throw new ImageFormatException(path, "compressed cluster at " + hex(coff) + " (" + len
                    + " bytes, descriptor " + hex(entry) + ") inflates to " + done + " bytes, not the "
                    + clusterSize + "-byte cluster");
        }
    }

    @Override
    public void close() {
        inflater.end();
    }
}
