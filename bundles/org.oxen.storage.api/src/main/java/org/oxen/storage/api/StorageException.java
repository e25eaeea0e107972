package org.oxen.storage.api;

import java.io.IOException;
import java.nio.file.Path;

/** A storage failure about one image file: the message starts with the file's path. */
public class StorageException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path path;

    public StorageException(Path path, String message) {
        super(path + ": " + message);
        this.path = path;
    }

    public StorageException(Path path, String message, Throwable cause) {
        super(path + ": " + message, cause);
        this.path = path;
    }

    /** The image file concerned. */
    public Path path() {
        return path;
    }
}
