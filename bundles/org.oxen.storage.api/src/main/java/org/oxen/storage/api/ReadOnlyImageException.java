package org.oxen.storage.api;

import java.nio.file.Path;

/** A write or discard to an image that is read-only (opened so, or forced so by corruption). */
public class ReadOnlyImageException extends StorageException {
    private static final long serialVersionUID = 1L;

    public ReadOnlyImageException(Path path, String why) {
        super(path, "the image is read-only (" + why + ")");
    }
}
