package org.oxen.storage.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.StorageException;

/**
 * The file operations every format needs, in one place. Stateless; each method is safe from any
 * thread (positional I/O on a {@link FileChannel} does not move its position).
 */
public final class ImageFiles {
    private ImageFiles() {
    }

    /**
     * Opens {@code path} for {@code mode}. A read-write open takes the lock bytes a QEMU writer
     * takes (fcntl record locks, which conflict with QEMU's own) and refuses a file that another
     * writer (another process, or another image object of this JVM) or a QEMU reader refusing
     * writers holds.
     */
    public static FileChannel open(Path path, AccessMode mode) throws IOException {
        if (mode == AccessMode.READ_ONLY) {
            return FileChannel.open(path, StandardOpenOption.READ);
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        lockOrClose(ch, path);
        return ch;
    }

    /** Creates {@code path} (which must not exist) for reading and writing, locked. */
    public static FileChannel create(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.SPARSE);
        lockOrClose(ch, path);
        return ch;
    }

    /*
     * QEMU's image locking (block/file-posix.c): byte 100 + i is held (shared) by whoever has
     * permission i, byte 200 + i by whoever refuses to share it; permission 0 is consistent read,
     * 1 write, 3 resize. A writer checks that nobody writes (101) or refuses writers (201), then
     * holds what a QEMU writer holds. So qemu-img refuses an image oxen writes (unless -U), oxen
     * refuses one a QEMU writer or a QEMU reader that refuses writers has open, and two oxen
     * writers refuse each other. Read-only opens take no lock (Java cannot hold overlapping shared
     * locks from two channels of one process, as two overlays over one backing file would).
     */
    private static final long[] CHECKED_BYTES = {101, 201};
    private static final long[] WRITER_BYTES = {100, 101, 103, 201, 203};

    private static void lockOrClose(FileChannel ch, Path path) throws IOException {
        try {
            for (long b : CHECKED_BYTES) {
                FileLock probe = ch.tryLock(b, 1, false);
                if (probe == null) {
                    throw new StorageException(path, "is in use by another process (" + (b == 101
                            ? "a writer holds its write lock, byte 101" : "a reader refuses writers, byte 201") + ")");
                }
                probe.release();
            }
            for (long b : WRITER_BYTES) {
                if (ch.tryLock(b, 1, true) == null) {
                    throw new StorageException(path, "is in use by another process (lock byte " + b + ")");
                }
            }
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw new StorageException(path, "is already open for writing in this process");
        } catch (StorageException e) {
            ch.close();
            throw e;
        } catch (IOException e) {
            ch.close();
            throw new StorageException(path, "cannot be locked for writing: " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code dst.remaining()} bytes at file offset {@code pos} into {@code dst}. Bytes at or
     * past the end of the file read as zeros (a partly written last cluster is legal in qcow2).
     */
    public static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                zero(dst, dst.remaining());
                return;
            }
            pos += n;
        }
    }

    /** Writes all of {@code src} at file offset {@code pos}. */
    public static void writeFully(FileChannel ch, ByteBuffer src, long pos) throws IOException {
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }

    /** Puts {@code n} zero bytes into {@code dst} at its position, advancing it. */
    public static void zero(ByteBuffer dst, int n) {
        if (n > dst.remaining()) {
            throw new IllegalArgumentException("cannot zero " + n + " bytes into a buffer with "
                    + dst.remaining() + " remaining");
        }
        int p = dst.position();
        if (dst.hasArray()) {
            int a = dst.arrayOffset() + p;
            Arrays.fill(dst.array(), a, a + n, (byte) 0);
        } else {
            int i = 0;
            for (; i + 8 <= n; i += 8) {
                dst.putLong(p + i, 0L);
            }
            for (; i < n; i++) {
                dst.put(p + i, (byte) 0);
            }
        }
        dst.position(p + n);
    }

    /**
     * Refuses a request range outside {@code [0, size)}: an {@link IllegalArgumentException}
     * naming the file, the range and the size.
     */
    public static void checkRange(Path path, String what, long offset, long length, long size) {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new IllegalArgumentException(path + ": " + what + " of " + length + " bytes at offset "
                    + offset + " is outside the image (size " + size + ")");
        }
    }
}
