package org.oxen.storage.api;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An open disk image: the guest-visible ("virtual") bytes {@code [0, size())} of one image file
 * (and, for formats with backing files, the chain below it).
 *
 * <p><b>Requests.</b> {@link #read} and {@link #write} move exactly {@code buffer.remaining()}
 * bytes between the buffer (heap or direct) and the virtual offset, and advance the buffer's
 * position by that much; a request may span any number of sectors or clusters and need not be
 * aligned (unless the image was opened {@link CacheMode#DIRECT}: see {@link #requestAlignment()}).
 * A range outside {@code [0, size())} is refused with an
 * {@link IllegalArgumentException} naming the file, the range and the size, and nothing is
 * transferred. Implementations allocate nothing per request once warm (the block backend's hot
 * path).
 *
 * <p><b>Durability.</b> A completed {@code write} is visible to every later {@code read} of this
 * object at once, but survives a crash of the process or the host only after a later
 * {@link #flush()} has returned: {@code flush} is the durability point (blkif's
 * BLKIF_OP_FLUSH_DISKCACHE). Metadata an image format keeps (qcow2's tables) is ordered so that a
 * crash at any point leaves a consistent image.
 *
 * <p><b>Threads.</b> An image may be used from several threads; each implementation documents its
 * locking. {@link #close()} must not race with requests in flight.
 */
@ProviderType
public interface BlockImage extends Closeable {

    /** The logical sector size, 512: offsets of block requests are counted in these. */
    int SECTOR_SIZE = 512;

    /** The image's file. */
    Path path();

    /** The format's name, the provider's {@value BlockImageProvider#FORMAT_PROPERTY}. */
    String format();

    /** The virtual size in bytes, a multiple of {@link #SECTOR_SIZE}. */
    long size();

    /**
     * The allocation unit in bytes (a power of two, at least {@link #SECTOR_SIZE}): qcow2's
     * cluster size, a raw file's file-system block size. Requests aligned to it avoid
     * read-modify-write and copy-on-write work.
     */
    int clusterSize();

    /** How the image's file I/O meets the host's page cache; {@link CacheMode#WRITEBACK} unless opened otherwise. */
    default CacheMode cacheMode() {
        return CacheMode.WRITEBACK;
    }

    /**
     * What every request's offset and length (and a direct buffer's address) must be a multiple
     * of: 1 for an image that takes any request, the file system's block size for an image opened
     * {@link CacheMode#DIRECT}. A block backend advertises it as the disk's sector size.
     */
    default int requestAlignment() {
        return 1;
    }

    /** Whether the image was opened read-only ({@link AccessMode#READ_ONLY}, or forced so). */
    boolean readOnly();

    /**
     * What {@code qemu-img info} shows of the format, in its words and order ({@code compat},
     * {@code refcount bits}, {@code backing file}, {@code corrupt}, ...); empty for a format
     * without such details.
     */
    Map<String, String> details();

    /**
     * Reads {@code dst.remaining()} bytes at virtual offset {@code offset} into {@code dst}.
     *
     * @throws IllegalArgumentException the range is outside the image, or not aligned to
     *     {@link #requestAlignment()}
     * @throws ImageFormatException the image's metadata on the way is corrupt
     * @throws IOException the file could not be read
     */
    void read(long offset, ByteBuffer dst) throws IOException;

    /**
     * Writes {@code src.remaining()} bytes from {@code src} at virtual offset {@code offset}.
     *
     * @throws IllegalArgumentException the range is outside the image, or not aligned to
     *     {@link #requestAlignment()}
     * @throws ReadOnlyImageException the image is read-only
     * @throws ImageFormatException the image's metadata on the way is corrupt (the image is then
     *     read-only for this object, and a qcow2 v3 image is marked corrupt, as QEMU does)
     * @throws IOException the file could not be written
     */
    void write(long offset, ByteBuffer src) throws IOException;

    /**
     * Makes every write completed before this call durable (data and the metadata that maps it),
     * with the file system's strongest sync ({@code FileChannel.force(true)}).
     */
    void flush() throws IOException;

    /**
     * Tells the image the guest no longer needs {@code [offset, offset + length)}. Afterwards the
     * whole range reads as zeros; the image releases what storage it can (whole qcow2 clusters;
     * a raw file cannot punch holes from Java and writes zeros). Like a write, it is durable
     * after the next {@link #flush()}.
     *
     * @throws IllegalArgumentException the range is outside the image
     * @throws ReadOnlyImageException the image is read-only
     */
    void discard(long offset, long length) throws IOException;

    /**
     * Flushes (when writable) and releases the file, its lock and any backing images. Closing
     * twice is harmless; any other call after close throws {@link StorageException}.
     */
    @Override
    void close() throws IOException;
}
