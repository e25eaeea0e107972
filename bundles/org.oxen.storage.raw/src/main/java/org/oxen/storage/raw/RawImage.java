package org.oxen.storage.raw;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.ReadOnlyImageException;
import org.oxen.storage.api.StorageException;
import org.oxen.storage.api.io.ImageFiles;

/**
 * A raw image: virtual offset = file offset.
 *
 * <p>Design: positional {@link FileChannel} reads and writes straight into the caller's buffer
 * (no copy, no allocation); the virtual size is the file's length at open rounded up to a sector
 * (the tail past the end of the file reads as zeros, as in QEMU); flush is
 * {@code force(true)}. Java cannot punch holes, so discard writes zeros.
 *
 * <p>Locking: none needed. Positional channel I/O is thread-safe and moves no shared position;
 * {@code closed} is volatile, and close must not race with requests (the SPI's rule).
 */
public final class RawImage implements BlockImage {
    static final String FORMAT = "raw";
    private static final int ZERO_CHUNK = 64 * 1024;

    private final Path path;
    private final FileChannel ch;
    private final boolean readOnly;
    private final long size;
    private final int clusterSize;
    private volatile boolean closed;

    RawImage(Path path, FileChannel ch, boolean readOnly) throws IOException {
        this.path = path;
        this.ch = ch;
        this.readOnly = readOnly;
        long len = ch.size();
        this.size = (len + SECTOR_SIZE - 1) / SECTOR_SIZE * SECTOR_SIZE;
        this.clusterSize = blockSize(path);
    }

    private static int blockSize(Path path) {
        try {
            long b = Files.getFileStore(path).getBlockSize();
            if (b >= SECTOR_SIZE && b <= (1 << 21) && Long.bitCount(b) == 1) {
                return (int) b;
            }
        } catch (IOException | UnsupportedOperationException e) {
            // the file system does not say: the common page-sized block
        }
        return 4096;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int clusterSize() {
        return clusterSize;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public Map<String, String> details() {
        return Map.of();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        ensureOpen();
        ImageFiles.checkRange(path, "read", offset, dst.remaining(), size);
        ImageFiles.readFully(ch, dst, offset);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        ensureWritable();
        ImageFiles.checkRange(path, "write", offset, src.remaining(), size);
        ImageFiles.writeFully(ch, src, offset);
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        if (!readOnly) {
            ch.force(true);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        ensureWritable();
        ImageFiles.checkRange(path, "discard", offset, length, size);
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK, Math.max(1, length)));
        long end = offset + length;
        for (long p = offset; p < end; ) {
            int n = (int) Math.min(zeros.capacity(), end - p);
            zeros.clear().limit(n);
            ImageFiles.writeFully(ch, zeros, p);
            p += n;
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!readOnly) {
                ch.force(true);
            }
        } finally {
            ch.close();
        }
    }

    private void ensureOpen() throws StorageException {
        if (closed) {
            throw new StorageException(path, "the image is closed");
        }
    }

    private void ensureWritable() throws StorageException {
        ensureOpen();
        if (readOnly) {
            throw new ReadOnlyImageException(path, "opened read-only");
        }
    }

    @Override
    public String toString() {
        return "raw image " + path + " (" + size + " bytes" + (readOnly ? ", read-only" : "") + ")";
    }
}
