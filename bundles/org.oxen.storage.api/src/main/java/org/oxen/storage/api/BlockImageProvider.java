package org.oxen.storage.api;

import java.io.IOException;
import java.nio.file.Path;

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

    /**
     * Creates a new image (the file must not exist) and returns it open read-write.
     *
     * @throws java.nio.file.FileAlreadyExistsException the file exists
     * @throws IllegalArgumentException the spec asks for what this format cannot be (an option
     *     it does not know, a size it cannot hold), named in the message
     */
    BlockImage create(Path path, ImageSpec spec) throws IOException;
}
