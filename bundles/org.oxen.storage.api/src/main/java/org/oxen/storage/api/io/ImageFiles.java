package org.oxen.storage.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.CacheMode;
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
        return open(path, mode, CacheMode.WRITEBACK);
    }

    /**
     * Opens {@code path} for {@code mode} as {@link #open(Path, AccessMode)} does, with
     * {@code O_DIRECT} when {@code cache} is {@link CacheMode#DIRECT}: the channel then takes only
     * requests aligned to the file system's block size ({@link #checkAligned}).
     *
     * @throws StorageException the file system or the JDK refuses {@code O_DIRECT}
     */
    public static FileChannel open(Path path, AccessMode mode, CacheMode cache) throws IOException {
        List<OpenOption> options = new ArrayList<>(3);
        options.add(StandardOpenOption.READ);
        if (mode == AccessMode.READ_WRITE) options.add(StandardOpenOption.WRITE);
        if (cache == CacheMode.DIRECT) options.add(directOption(path));
        FileChannel ch;
        try {
            ch = FileChannel.open(path, options.toArray(new OpenOption[0]));
        } catch (UnsupportedOperationException e) {
            throw new StorageException(path, "cannot be opened with O_DIRECT here: " + e.getMessage(), e);
        } catch (IOException e) {
            if (cache != CacheMode.DIRECT || e instanceof NoSuchFileException) throw e;
            throw new StorageException(path, "cannot be opened with O_DIRECT (does its file system take it?): " + e, e);
        }
        if (mode == AccessMode.READ_WRITE) lockOrClose(ch, path);
        return ch;
    }

    /**
     * The JDK's {@code O_DIRECT} open option, {@code com.sun.nio.file.ExtendedOpenOption.DIRECT}
     * (module jdk.unsupported), looked up through the platform class loader: a bundle's class
     * loader sees {@code com.sun.*} only if the framework exports it, which OSGi does not promise.
     */
    private static OpenOption directOption(Path path) throws StorageException {
        try {
            Class<?> c = Class.forName("com.sun.nio.file.ExtendedOpenOption", false, ClassLoader.getPlatformClassLoader());
            for (Object o : c.getEnumConstants()) {
                if (((Enum<?>) o).name().equals("DIRECT")) return (OpenOption) o;
            }
        } catch (ClassNotFoundException e) {
            // below
        }
        throw new StorageException(path, "cannot be opened with O_DIRECT: this JDK has no "
                + "com.sun.nio.file.ExtendedOpenOption.DIRECT (module jdk.unsupported)");
    }

    /**
     * The alignment {@code O_DIRECT} I/O on {@code path}'s file system needs, as the JDK checks it:
     * the file store's block size.
     */
    public static int directAlignment(Path path) throws IOException {
        long b = Files.getFileStore(path).getBlockSize();
        if (b < 512 || b > (1 << 21) || Long.bitCount(b) != 1) {
            throw new StorageException(path, "its file system's block size " + b + " is no alignment for O_DIRECT");
        }
        return (int) b;
    }

    /**
     * Refuses a request an {@code O_DIRECT} channel cannot take: an offset or length that is not a
     * multiple of {@code alignment}, a heap buffer, or a direct buffer whose address at its
     * position is not a multiple of {@code alignment}. The {@link IllegalArgumentException} names
     * the file, the request and what is wrong. (Heap buffers are refused rather than handed to the
     * JDK, whose aligned bounce buffer for them fails in {@code Util.free} on Java 17 once its
     * buffer cache is full.)
     */
    public static void checkAligned(Path path, String what, long offset, ByteBuffer buf, int alignment) {
        int length = buf.remaining();
        checkAligned(path, what, offset, length, alignment);
        if (!buf.isDirect()) {
            throw new IllegalArgumentException(path + ": " + what + " of " + length + " bytes at offset " + offset
                    + " from a heap buffer: an image opened with O_DIRECT (cache mode DIRECT) takes direct buffers aligned to "
                    + alignment + " bytes");
        }
        if (buf.alignmentOffset(buf.position(), alignment) != 0) {
            throw new IllegalArgumentException(path + ": " + what + " of " + length + " bytes at offset " + offset
                    + " from a direct buffer whose address at its position is " + buf.alignmentOffset(buf.position(), alignment)
                    + " bytes past a multiple of " + alignment + ", as O_DIRECT (cache mode DIRECT) requires");
        }
    }

    /** Refuses an offset or length that is not a multiple of {@code alignment}, as {@link #checkAligned(Path, String, long, ByteBuffer, int)}. */
    public static void checkAligned(Path path, String what, long offset, long length, int alignment) {
        if ((offset | length) % alignment != 0) {
            throw new IllegalArgumentException(path + ": " + what + " of " + length + " bytes at offset " + offset
                    + " is not aligned to " + alignment + " bytes, as the image is opened with O_DIRECT (cache mode DIRECT)");
        }
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
