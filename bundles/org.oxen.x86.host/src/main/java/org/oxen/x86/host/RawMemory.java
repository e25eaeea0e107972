package org.oxen.x86.host;

import java.lang.reflect.Field;
import java.nio.ByteOrder;
import java.util.Objects;

import sun.misc.Unsafe;

/**
 * Reads and writes host memory by address ({@link HostMemory} reservations, {@link NativeCode}
 * mappings) through {@code sun.misc.Unsafe}, whose absolute-address accessors are intrinsics of
 * C1 and C2: one host load or store each, no bounds check, no allocation.
 *
 * <p>Nothing here checks an address: an access outside a live mapping crashes the JVM. Every
 * caller checks the offsets it is given (a guest's above all) against its own mapping's size
 * before it calls, and keeps the mapping alive while it can still call (see {@code
 * org.oxen.x86.api.Ram}). Multi-byte values are in the host's order, little-endian (checked at
 * class initialisation), unaligned allowed except where an atomic access says otherwise.
 */
public final class RawMemory {

    private static final Unsafe U;
    private static final long BYTE_ARRAY_BASE;

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("guest memory by address needs a little-endian host");
        }
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            U = (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("sun.misc.Unsafe is unusable: " + e);
        }
        BYTE_ARRAY_BASE = Unsafe.ARRAY_BYTE_BASE_OFFSET;
    }

    private RawMemory() {
    }

    /**
     * {@code bytes} of host memory from the C heap ({@code malloc}: no system call for small
     * sizes), uninitialised; the caller frees it with {@link #free} exactly once. For small
     * private buffers beside guest RAM (a detached copy of a frame). Since 1.1.
     */
    public static long allocate(long bytes) {
        HostLibrary.checkBytes("RawMemory.allocate", bytes);
        return U.allocateMemory(bytes);
    }

    /** Frees what {@link #allocate} gave. Since 1.1. */
    public static void free(long address) {
        HostLibrary.checkAddress("RawMemory.free", address);
        U.freeMemory(address);
    }

    public static byte getByte(long address) {
        return U.getByte(address);
    }

    public static void putByte(long address, byte value) {
        U.putByte(address, value);
    }

    public static short getShort(long address) {
        return U.getShort(address);
    }

    public static void putShort(long address, short value) {
        U.putShort(address, value);
    }

    public static int getInt(long address) {
        return U.getInt(address);
    }

    public static void putInt(long address, int value) {
        U.putInt(address, value);
    }

    public static long getLong(long address) {
        return U.getLong(address);
    }

    public static void putLong(long address, long value) {
        U.putLong(address, value);
    }

    /** Copies {@code length} bytes from {@code address} into {@code dst[dstIndex...]} (the array's bounds are checked). */
    public static void copyToArray(long address, byte[] dst, int dstIndex, int length) {
        Objects.checkFromIndexSize(dstIndex, length, dst.length);
        U.copyMemory(null, address, dst, BYTE_ARRAY_BASE + dstIndex, length);
    }

    /** Copies {@code length} bytes of {@code src[srcIndex...]} to {@code address} (the array's bounds are checked). */
    public static void copyFromArray(byte[] src, int srcIndex, long address, int length) {
        Objects.checkFromIndexSize(srcIndex, length, src.length);
        U.copyMemory(src, BYTE_ARRAY_BASE + srcIndex, null, address, length);
    }

    /** Copies {@code bytes} bytes from {@code src} to {@code dst} (the ranges may not overlap). */
    public static void copy(long src, long dst, long bytes) {
        U.copyMemory(src, dst, bytes);
    }

    /** Sets {@code bytes} bytes from {@code address} to {@code value}. */
    public static void fill(long address, long bytes, byte value) {
        U.setMemory(address, bytes, value);
    }

    /** Volatile read of the dword at {@code address} (4-aligned). */
    public static int getIntVolatile(long address) {
        return U.getIntVolatile(null, address);
    }

    /** Volatile write of the dword at {@code address} (4-aligned). */
    public static void putIntVolatile(long address, int value) {
        U.putIntVolatile(null, address, value);
    }

    /** Release write of the dword at {@code address} (4-aligned): earlier accesses are not reordered after it. */
    public static void putIntRelease(long address, int value) {
        U.putOrderedInt(null, address, value);
    }

    /** Atomic compare-and-set of the dword at {@code address} (4-aligned). */
    public static boolean compareAndSetInt(long address, int expect, int update) {
        return U.compareAndSwapInt(null, address, expect, update);
    }

    /** Volatile read of the qword at {@code address} (8-aligned). */
    public static long getLongVolatile(long address) {
        return U.getLongVolatile(null, address);
    }

    /** Atomic compare-and-set of the qword at {@code address} (8-aligned). */
    public static boolean compareAndSetLong(long address, long expect, long update) {
        return U.compareAndSwapLong(null, address, expect, update);
    }
}
