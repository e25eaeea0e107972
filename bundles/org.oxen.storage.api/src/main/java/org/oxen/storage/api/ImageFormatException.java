package org.oxen.storage.api;

import java.nio.file.Path;

/**
 * An image whose bytes are not a valid image of its format (bad magic, a table past the end of
 * the file, metadata overlapping other metadata, an impossible field), or that uses a feature the
 * provider does not implement. The message says what and where (field, table entry, file
 * offset).
 */
public class ImageFormatException extends StorageException {
    private static final long serialVersionUID = 1L;

    public ImageFormatException(Path path, String message) {
        super(path, message);
    }
}
