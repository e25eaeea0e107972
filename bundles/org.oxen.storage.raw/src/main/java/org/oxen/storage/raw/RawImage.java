package org.oxen.storage.raw;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.CacheMode;
import org.oxen.storage.api.ReadOnlyImageException;
import org.oxen.storage.api.StorageException;
import org.oxen.storage.api.io.ImageFiles;

/**
 * A raw image: virtual offset = file offset.
 *
 * <p>Design: positional {@link FileChannel} reads and writes straight into the caller's buffer
 * (no copy, no allocation); the virtual size is the file's length at open rounded up to a sector
 * (the tail past the end of the file reads as zeros, as in QEMU); flush is
 * {@code force(true)}. Java cannot punch holes, so discard writes zeros. Opened
 * {@link CacheMode#DIRECT}, the channel has {@code O_DIRECT}: every request must be aligned to the
 * file system's block size ({@link #requestAlignment()}, checked before the channel is asked, so
 * the error names the image), the file's length must be a multiple of it, and discard writes its
 * zeros from an aligned direct buffer.
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
    private final CacheMode cache;
    /** 1 through the page cache; the file system's block size with O_DIRECT. */
    private final int alignment;
    private volatile boolean closed;

    /** {@code ch} was opened for {@code cache} ({@link ImageFiles#open(Path, org.oxen.storage.api.AccessMode, CacheMode)}). */
    RawImage(Path path, FileChannel ch, boolean readOnly, CacheMode cache) throws IOException {
        this.path = path;
        this.ch = ch;
        this.readOnly = readOnly;
        this.cache = cache;
        long len = ch.size();
        if (cache == CacheMode.DIRECT) {
            this.alignment = ImageFiles.directAlignment(path);
            if (len % alignment != 0) {
                throw new StorageException(path, "its length " + len + " is not a multiple of " + alignment
                        + " bytes, the block size O_DIRECT (cache mode DIRECT) reads and writes in");
            }
        } else {
            this.alignment = 1;
        }
        this.size = (len + SECTOR_SIZE - 1) / SECTOR_SIZE * SECTOR_SIZE;
        this.clusterSize = Math.max(blockSize(path), alignment);
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
    public CacheMode cacheMode() {
        return cache;
    }

    @Override
    public int requestAlignment() {
        return alignment;
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
        if (alignment > 1) ImageFiles.checkAligned(path, "read", offset, dst, alignment);
        ImageFiles.readFully(ch, dst, offset);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        ensureWritable();
        ImageFiles.checkRange(path, "write", offset, src.remaining(), size);
        if (alignment > 1) ImageFiles.checkAligned(path, "write", offset, src, alignment);
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
        if (alignment > 1) ImageFiles.checkAligned(path, "discard", offset, length, alignment);
        int chunk = (int) Math.min(ZERO_CHUNK, Math.max(alignment, length));
        ByteBuffer zeros = ByteBuffer.allocateDirect(chunk + alignment - 1).alignedSlice(alignment);
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
        return "raw image " + path + " (" + size + " bytes" + (readOnly ? ", read-only" : "")
                + (cache == CacheMode.DIRECT ? ", O_DIRECT" : "") + ")";
    }
}
