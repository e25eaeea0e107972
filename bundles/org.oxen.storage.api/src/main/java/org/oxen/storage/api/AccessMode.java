package org.oxen.storage.api;

/** How an image is opened. */
public enum AccessMode {
    /** Reads only; writes and discards are refused with {@link ReadOnlyImageException}. */
    READ_ONLY,
    /** Reads and writes; the file is locked against other writers while open. */
    READ_WRITE
}
