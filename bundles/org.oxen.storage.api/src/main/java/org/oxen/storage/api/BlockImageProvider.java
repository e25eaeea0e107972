package org.oxen.storage.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One image format: opens and creates images of it. Registered as a service with the property
 * {@value #FORMAT_PROPERTY} set to {@link #format()}, so a consumer picks its format by filter
 * ({@code (oxen.storage.format=qcow2)}).
 */
@ConsumerType
public interface BlockImageProvider {

    /** The service property naming the format ({@code raw}, {@code qcow2}). */
    String FORMAT_PROPERTY = "oxen.storage.format";

    /** The format's name, as qemu-img spells it. */
    String format();

    /**
     * Whether {@code header}, the first bytes of a file (up to 512; fewer for a short file), is
     * an image of this format. A format without a signature (raw) answers false: it is what a
     * file is when no format recognises it.
     */
    boolean recognizes(byte[] header, int length);

    /**
     * Opens an existing image.
     *
     * @throws java.nio.file.NoSuchFileException the file does not exist
     * @throws ImageFormatException the file is not a valid image of this format, or uses what
     *     this provider does not implement (for writing, or at all), named in the message
     * @throws StorageException the file is in use by another writer, or cannot be opened
     */
    BlockImage open(Path path, AccessMode mode) throws IOException;

    /** The cache modes {@link #open(Path, AccessMode, CacheMode)} takes; {@code WRITEBACK} only by default. */
    default Set<CacheMode> cacheModes() {
        return Set.of(CacheMode.WRITEBACK);
    }

    /**
     * Opens an existing image with its file I/O through or around the host's page cache.
     *
     * @throws StorageException the format cannot be opened with {@code cache} (not in
     *     {@link #cacheModes()}), or the file cannot be (a file system without {@code O_DIRECT},
     *     a file whose length is not a multiple of the block size), named in the message
     * @see #open(Path, AccessMode)
     */
    default BlockImage open(Path path, AccessMode mode, CacheMode cache) throws IOException {
        if (cache == CacheMode.WRITEBACK) {
            return open(path, mode);
        }
        throw new StorageException(path, "the " + format() + " format cannot be opened with cache mode " + cache
                + " (it takes " + cacheModes() + ")");
    }

    /**
     * Creates a new image (the file must not exist) and returns it open read-write.
     *
     * @throws java.nio.file.FileAlreadyExistsException the file exists
     * @throws IllegalArgumentException the spec asks for what this format cannot be (an option
     *     it does not know, a size it cannot hold), named in the message
     */
    BlockImage create(Path path, ImageSpec spec) throws IOException;
}
