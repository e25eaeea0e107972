package org.oxen.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A qcow2 image's file opened with {@code O_DIRECT}, taking any request: what is already aligned
 * (offset and length multiples of the file system's block, a direct buffer whose address is one)
 * goes straight to the O_DIRECT channel, as a guest's aligned data cluster read or write from
 * blkback's aligned slot buffer does; anything else (the header's fields, L1 and refcount-table
 * entries, metadata clusters cached in heap arrays, compressed clusters at byte offsets, a data
 * request into a heap buffer) goes through one aligned bounce buffer: the blocks it touches are
 * read, and for a write patched and written back whole (read-modify-write, zeros past the end of
 * the file), as QEMU's block layer pads unaligned requests for {@code cache=none}
 * (bdrv_co_do_pwritev's head and tail alignment). So every qcow2 structure keeps its one code
 * path for both cache modes, and {@code force} is the durability point exactly as with the page
 * cache. A write whose last block lies past the end of the file grows the file to a whole block.
 *
 * <p>Design/Locking: the bounce buffer is used under its own monitor, so concurrent unaligned
 * requests are serialised (a read-modify-write of one block must not interleave with another's);
 * the qcow2 image calls in under its own lock anyway. Aligned requests take no lock (positional
 * channel I/O is thread-safe). The channel position of the relative read/write methods is
 * guarded by this object's monitor. Nothing is allocated per request.
 */
final class AlignedChannel extends FileChannel {

    private final Path path;
    private final FileChannel direct;
    private final int alignment;
    private final ByteBuffer bounce;
    private long position;
    private final AtomicLong straight = new AtomicLong(), padded = new AtomicLong();

    /**
     * @param direct the file opened with {@code O_DIRECT}
     * @param alignment what O_DIRECT needs on its file system (the block size, a power of two)
     */
    AlignedChannel(Path path, FileChannel direct, int alignment) {
        if (alignment < 1 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException(path + ": O_DIRECT alignment " + alignment + " is not a power of two");
        }
        this.path = path;
        this.direct = direct;
        this.alignment = alignment;
        int bytes = Math.max(64 * 1024, 2 * alignment);
        this.bounce = ByteBuffer.allocateDirect(bytes + alignment).alignedSlice(alignment);
    }

    /** The alignment of requests that go straight to the file. */
    int alignment() {
        return alignment;
    }

    /** Requests that went straight to the O_DIRECT file, and those through the bounce buffer (tests). */
    long straightRequests() {
        return straight.get();
    }

    long paddedRequests() {
        return padded.get();
    }

    private boolean aligned(ByteBuffer b, long pos) {
        return ((pos | b.remaining()) & (alignment - 1)) == 0 && b.isDirect()
                && b.alignmentOffset(b.position(), alignment) == 0;
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
        if (pos < 0) throw new IllegalArgumentException(path + ": read at negative offset " + pos);
        if (!dst.hasRemaining()) return 0;
        if (aligned(dst, pos)) {
            straight.incrementAndGet();
            return direct.read(dst, pos);
        }
        synchronized (bounce) {
            padded.incrementAndGet();
            long start = pos & -alignment;
            int skip = (int) (pos - start);
            int n = Math.min(dst.remaining(), bounce.capacity() - skip);
            int got = readBlocks(start, skip + n);
            if (got <= skip) return -1;
            int avail = Math.min(n, got - skip);
            bounce.limit(skip + avail).position(skip);
            dst.put(bounce);
            return avail;
        }
    }

    @Override
    public int write(ByteBuffer src, long pos) throws IOException {
        if (pos < 0) throw new IllegalArgumentException(path + ": write at negative offset " + pos);
        if (!src.hasRemaining()) return 0;
        if (aligned(src, pos)) {
            straight.incrementAndGet();
            return direct.write(src, pos);
        }
        synchronized (bounce) {
            padded.incrementAndGet();
            long start = pos & -alignment;
            int skip = (int) (pos - start);
            int n = Math.min(src.remaining(), bounce.capacity() - skip);
            int span = roundUp(skip + n);
            if (skip != 0 || n != span) {
                int got = readBlocks(start, skip + n);
                for (int i = Math.max(got, 0); i < span; i++) bounce.put(i, (byte) 0);
            }
            bounce.limit(span).position(skip);
            int lim = src.limit();
            src.limit(src.position() + n);
            bounce.put(src);
            src.limit(lim);
            bounce.position(0);
            while (bounce.hasRemaining()) direct.write(bounce, start + bounce.position());
            return n;
        }
    }

    /**
     * Reads the whole blocks covering {@code [start, start + bytes)} into the bounce buffer (its
     * limit the rounded-up length); returns the bytes the file had there (fewer at its end).
     * Holds the bounce buffer's monitor.
     */
    private int readBlocks(long start, int bytes) throws IOException {
        bounce.clear().limit(roundUp(bytes));
        int got = 0;
        while (bounce.hasRemaining()) {
            int r = direct.read(bounce, start + got);
            if (r <= 0) break;
            got += r;
            if ((r & (alignment - 1)) != 0) break; // the end of a file whose length is no whole block
        }
        return got;
    }

    private int roundUp(int bytes) {
        return (bytes + alignment - 1) & -alignment;
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        int n = read(dst, position);
        if (n > 0) position += n;
        return n;
    }

    @Override
    public synchronized long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            while (dsts[i].hasRemaining()) {
                int n = read(dsts[i]);
                if (n < 0) return total == 0 ? -1 : total;
                total += n;
            }
        }
        return total;
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        int n = write(src, position);
        position += n;
        return n;
    }

    @Override
    public synchronized long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            while (srcs[i].hasRemaining()) total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public synchronized long position() {
        return position;
    }

    @Override
    public synchronized FileChannel position(long newPosition) {
        if (newPosition < 0) throw new IllegalArgumentException(path + ": position " + newPosition);
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        return direct.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        direct.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        direct.force(metaData);
    }

    @Override
    public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
        return direct.transferTo(pos, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long pos, long count) throws IOException {
        return direct.transferFrom(src, pos, count);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long pos, long size) throws IOException {
        return direct.map(mode, pos, size);
    }

    @Override
    public FileLock lock(long pos, long size, boolean shared) throws IOException {
        return direct.lock(pos, size, shared);
    }

    @Override
    public FileLock tryLock(long pos, long size, boolean shared) throws IOException {
        return direct.tryLock(pos, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        direct.close();
    }
}
