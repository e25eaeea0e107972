package org.oxen.storage.api;

/**
 * Whether an image's file I/O goes through the host's page cache: QEMU's {@code cache.direct}
 * ({@code cache=writeback} against {@code cache=none}), and what xl's {@code direct-io-safe} disk
 * flag asks a Xen backend for.
 */
public enum CacheMode {
    /**
     * Through the host's page cache (QEMU {@code cache=writeback}): requests of any alignment; a
     * completed write sits in the page cache until {@link BlockImage#flush()}.
     */
    WRITEBACK,
    /**
     * Around the page cache with {@code O_DIRECT} (QEMU {@code cache=none}): the data moves between
     * the caller's buffer and the disk. Every request's offset and length must be multiples of
     * {@link BlockImage#requestAlignment()} (the file system's block size), and its buffer must be
     * a direct buffer whose address at its position is one too; other requests are refused with an
     * {@link IllegalArgumentException} naming the file, the request and the alignment.
     * {@link BlockImage#flush()} is still the durability point (it flushes the disk's own cache
     * and the file's metadata).
     */
    DIRECT
}
