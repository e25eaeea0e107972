package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A view of one 4 KiB page of machine memory shared with a guest (a mapped grant). Offsets are
 * bytes from the page's start; multi-byte values are little-endian (x86). Integer accesses at
 * offsets that are a multiple of 4 are single-copy atomic; the acquire/release forms order them
 * as a shared ring needs (C's rmb/wmb); {@link #fullFence()} is C's mb.
 *
 * <p>Once the mapping behind it is unmapped, every access throws {@link IllegalStateException}:
 * a backend can never touch a frame after giving it back.
 *
 * @throws IndexOutOfBoundsException from every accessor for an access outside the page
 */
@ProviderType
public interface PageView {

    int SIZE = 4096;

    /** Whether the frame is writable through this view (false for GNTMAP_readonly mappings). */
    boolean writable();

    int getByte(int offset);

    int getInt(int offset);

    /** A load that later loads cannot pass (after a producer index: C's load, then rmb). */
    int getIntAcquire(int offset);

    void putByte(int offset, int value);

    void putInt(int offset, int value);

    /** A store that earlier stores cannot pass (a producer index: C's wmb, then store). */
    void putIntRelease(int offset, int value);

    /** Copies {@code length} bytes from the page at {@code offset} into {@code dst}. */
    void get(int offset, byte[] dst, int dstOffset, int length);

    /** Copies {@code length} bytes of {@code src} into the page at {@code offset}. */
    void put(int offset, byte[] src, int srcOffset, int length);

    /**
     * Copies {@code dst.remaining()} bytes from the page at {@code offset} into {@code dst} (heap
     * or direct: a backend's I/O buffer), advancing its position. (1.5) The VMM's views copy in
     * one bulk move; this default, for other views, goes byte by byte into a direct buffer.
     */
    default void get(int offset, java.nio.ByteBuffer dst) {
        int n = dst.remaining();
        java.util.Objects.checkFromIndexSize(offset, n, SIZE);
        if (dst.hasArray()) {
            get(offset, dst.array(), dst.arrayOffset() + dst.position(), n);
            dst.position(dst.position() + n);
        } else {
            for (int i = 0; i < n; i++) dst.put((byte) getByte(offset + i));
        }
    }

    /**
     * Copies {@code src.remaining()} bytes of {@code src} (heap or direct) into the page at
     * {@code offset}, advancing its position. (1.5) As {@link #get(int, java.nio.ByteBuffer)}.
     */
    default void put(int offset, java.nio.ByteBuffer src) {
        int n = src.remaining();
        java.util.Objects.checkFromIndexSize(offset, n, SIZE);
        if (src.hasArray()) {
            put(offset, src.array(), src.arrayOffset() + src.position(), n);
            src.position(src.position() + n);
        } else {
            for (int i = 0; i < n; i++) putByte(offset + i, src.get());
        }
    }

    /** C's mb(): orders earlier stores before later loads. */
    default void fullFence() {
        java.lang.invoke.VarHandle.fullFence();
    }
}
