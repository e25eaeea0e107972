package org.oxen.x86.cpu.internal;

import java.lang.reflect.Field;
import java.nio.ByteOrder;

import sun.misc.Unsafe;

/**
 * Guest-RAM accesses without the JVM's array bounds check, for translated code's per-site page
 * caches only ({@code RegionEmitter.access}), whose pages come from TLB entries.
 *
 * <p>The invariant that makes them safe: every TLB entry's array holds its whole page ({@code
 * Paging.translate} checks {@link #holdsPage} when it fills an entry, off the hot path, and
 * gives a page that fails it no array), so {@code page} is the index of a page's first byte with
 * {@code 0 <= page <= arr.length - PAGE}; and every access's {@code offset} in that page has
 * passed the TLB hit test, {@code offset <= PAGE - bytes}. So every byte touched lies inside
 * {@code arr}. Only the offset comes from the guest, so a guest cannot reach outside the page
 * its access was translated to. A {@code byte[]}'s elements are addressed from {@link
 * Unsafe#ARRAY_BYTE_BASE_OFFSET}; dwords are read in the host's order, little-endian (checked at
 * class initialisation), unaligned as x86 allows.
 *
 * <p>Why: the bounds check (the array's length loaded, compared, a branch, and the index widened
 * for it) was about a sixth of the host instructions of x86bench mix's hottest one-block loops
 * (docs/PERFORMANCE.md, "Warm speed V").
 */
final class UncheckedPage {

    static final int PAGE = 0x1000;
    private static final Unsafe U;
    private static final long BASE;

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("translated memory accesses need a little-endian host");
        }
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            U = (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("sun.misc.Unsafe is unusable: " + e);
        }
        BASE = Unsafe.ARRAY_BYTE_BASE_OFFSET;
    }

    /**
     * What a page cache holds before its first page (never read: its page tag matches no
     * address): an array rather than null, so that the JIT knows every cached array is non-null
     * and tests none in a loop (x86bench mix: a null test and a compressed-reference round trip
     * per access).
     */
    static final byte[] NO_PAGE = new byte[PAGE];

    private UncheckedPage() {
    }

    /** Whether a whole page from index {@code page} lies inside {@code arr} (the caches' invariant). */
    static boolean holdsPage(byte[] arr, int page) {
        return page >= 0 && page <= arr.length - PAGE;
    }

    static int load8(byte[] arr, int page, int offset) {
        return U.getByte(arr, BASE + (page + offset)) & 0xFF;
    }

    static void store8(byte[] arr, int page, int offset, int v) {
        U.putByte(arr, BASE + (page + offset), (byte) v);
    }

    static int load32(byte[] arr, int page, int offset) {
        return U.getInt(arr, BASE + (page + offset));
    }

    static void store32(byte[] arr, int page, int offset, int v) {
        U.putInt(arr, BASE + (page + offset), v);
    }
}
