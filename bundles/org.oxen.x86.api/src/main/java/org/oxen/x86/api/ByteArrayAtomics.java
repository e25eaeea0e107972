package org.oxen.x86.api;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.nio.ByteOrder;

/**
 * Atomic access to aligned little-endian dwords and qwords inside a {@code byte[]} (guest RAM), for
 * LOCK-prefixed read-modify-writes that must be atomic against other CPUs' stores.
 *
 * <p>Java 17 to 21 give this through byte-array view VarHandles. From Java 22 on those no longer
 * support atomic access modes (JDK-8318966: a {@code byte[]} is not guaranteed to be aligned), so
 * there the same operations go through {@code sun.misc.Unsafe} on the array, whose element base
 * offset keeps 4-aligned indices 4-aligned on HotSpot (checked here). The choice is made once;
 * the chosen path is a static final handle called with its exact type, so nothing is boxed.
 * Users: the CPU (LOCK'd instructions, A/D bits) and {@link Ram}'s atomic accessors (a VMM
 * updating words a guest changes with locked instructions, e.g. event-channel bitmaps), and the
 * ordered dword accessors ({@link #getAcquire}, {@link #setRelease}, {@link #getOpaque},
 * {@link #setOpaque}) of a VMM's views of guest pages shared with Domain-0's backends (rings'
 * producer and consumer indexes). On Java 22+ those four are volatile accesses through Unsafe
 * (volatile is at least as strong as acquire, release and opaque).
 */
public final class ByteArrayAtomics {

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Null when the VarHandle supports atomic modes; else Unsafe.getIntVolatile(Object, long). */
    private static final MethodHandle UNSAFE_GET;
    /** Null when the VarHandle supports atomic modes; else Unsafe.compareAndSwapInt(Object, long, int, int). */
    private static final MethodHandle UNSAFE_CAS;
    /** Null when the VarHandle supports atomic modes; else Unsafe.putIntVolatile(Object, long, int). */
    private static final MethodHandle UNSAFE_PUT;
    /** Null when the VarHandle supports atomic modes; else Unsafe.getLongVolatile(Object, long). */
    private static final MethodHandle UNSAFE_GET64;
    /** Null when the VarHandle supports atomic modes; else Unsafe.compareAndSwapLong(Object, long, long, long). */
    private static final MethodHandle UNSAFE_CAS64;
    private static final long BASE;

    static {
        MethodHandle get = null;
        MethodHandle cas = null;
        MethodHandle put = null;
        MethodHandle get64 = null;
        MethodHandle cas64 = null;
        long base = 0;
        if (!viewSupportsAtomics()) {
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                throw new ExceptionInInitializerError("LOCK emulation needs a little-endian host on Java 22+");
            }
            try {
                Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
                Field f = unsafeClass.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                Object unsafe = f.get(null);
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                get = lookup.findVirtual(unsafeClass, "getIntVolatile",
                        MethodType.methodType(int.class, Object.class, long.class)).bindTo(unsafe);
                put = lookup.findVirtual(unsafeClass, "putIntVolatile",
                        MethodType.methodType(void.class, Object.class, long.class, int.class)).bindTo(unsafe);
                cas = lookup.findVirtual(unsafeClass, "compareAndSwapInt",
                        MethodType.methodType(boolean.class, Object.class, long.class, int.class, int.class))
                        .bindTo(unsafe);
                get64 = lookup.findVirtual(unsafeClass, "getLongVolatile",
                        MethodType.methodType(long.class, Object.class, long.class)).bindTo(unsafe);
                cas64 = lookup.findVirtual(unsafeClass, "compareAndSwapLong",
                        MethodType.methodType(boolean.class, Object.class, long.class, long.class, long.class))
                        .bindTo(unsafe);
                base = (int) lookup.findVirtual(unsafeClass, "arrayBaseOffset",
                        MethodType.methodType(int.class, Class.class)).bindTo(unsafe).invoke(byte[].class);
            } catch (Throwable e) {
                throw new ExceptionInInitializerError(
                        "no atomic access to guest RAM: byte-array VarHandles lack atomic modes and sun.misc.Unsafe is unusable: " + e);
            }
            if ((base & 7) != 0) {
                throw new ExceptionInInitializerError("byte[] base offset " + base + " is not 8-aligned");
            }
        }
        UNSAFE_GET = get;
        UNSAFE_CAS = cas;
        UNSAFE_PUT = put;
        UNSAFE_GET64 = get64;
        UNSAFE_CAS64 = cas64;
        BASE = base;
    }

    private ByteArrayAtomics() {
    }

    private static boolean viewSupportsAtomics() {
        try {
            byte[] probe = new byte[8];
            int unused = (int) I32.getVolatile(probe, 0);
            I32.setVolatile(probe, 0, unused);
            long unused64 = (long) I64.getVolatile(probe, 0);
            return I32.compareAndSet(probe, 0, unused, unused)
                    && (long) I64.compareAndExchange(probe, 0, unused64, unused64) == unused64;
        } catch (UnsupportedOperationException | IllegalStateException e) {
            return false;
        }
    }

    /** Volatile read of the dword at {@code index} (a multiple of 4). */
    public static int getVolatile(byte[] array, int index) {
        if (UNSAFE_GET == null) {
            return (int) I32.getVolatile(array, index);
        }
        try {
            return (int) UNSAFE_GET.invokeExact((Object) array, BASE + index);
        } catch (Throwable e) {
            throw new IllegalStateException("atomic read of guest RAM", e);
        }
    }

    /** Compare-and-set of the dword at {@code index} (a multiple of 4). */
    public static boolean compareAndSet(byte[] array, int index, int expect, int update) {
        if (UNSAFE_CAS == null) {
            return I32.compareAndSet(array, index, expect, update);
        }
        try {
            return (boolean) UNSAFE_CAS.invokeExact((Object) array, BASE + index, expect, update);
        } catch (Throwable e) {
            throw new IllegalStateException("atomic update of guest RAM", e);
        }
    }

    /** Volatile write of the dword at {@code index} (a multiple of 4), on Java 22+ only. */
    private static void putVolatile(byte[] array, int index, int value) {
        try {
            UNSAFE_PUT.invokeExact((Object) array, BASE + index, value);
        } catch (Throwable e) {
            throw new IllegalStateException("atomic write of guest RAM", e);
        }
    }

    /** Read of the dword at {@code index} (a multiple of 4) with acquire ordering (a ring's producer index). */
    public static int getAcquire(byte[] array, int index) {
        return UNSAFE_GET == null ? (int) I32.getAcquire(array, index) : getVolatile(array, index);
    }

    /** Read of the dword at {@code index} (a multiple of 4) that is never torn nor cached (opaque). */
    public static int getOpaque(byte[] array, int index) {
        return UNSAFE_GET == null ? (int) I32.getOpaque(array, index) : getVolatile(array, index);
    }

    /** Write of the dword at {@code index} (a multiple of 4) with release ordering (a ring's consumer index). */
    public static void setRelease(byte[] array, int index, int value) {
        if (UNSAFE_PUT == null) {
            I32.setRelease(array, index, value);
        } else {
            putVolatile(array, index, value);
        }
    }

    /** Write of the dword at {@code index} (a multiple of 4) that is never torn (opaque). */
    public static void setOpaque(byte[] array, int index, int value) {
        if (UNSAFE_PUT == null) {
            I32.setOpaque(array, index, value);
        } else {
            putVolatile(array, index, value);
        }
    }

    /**
     * Compare-and-exchange of the qword at {@code index} (a multiple of 8): stores {@code update}
     * if it held {@code expect}; returns what it held (LOCK CMPXCHG8B).
     */
    public static long compareAndExchange64(byte[] array, int index, long expect, long update) {
        if (UNSAFE_CAS64 == null) {
            return (long) I64.compareAndExchange(array, index, expect, update);
        }
        try {
            for (;;) {
                long seen = (long) UNSAFE_GET64.invokeExact((Object) array, BASE + index);
                if (seen != expect) {
                    return seen;
                }
                if ((boolean) UNSAFE_CAS64.invokeExact((Object) array, BASE + index, expect, update)) {
                    return expect;
                }
            }
        } catch (Throwable e) {
            throw new IllegalStateException("atomic update of guest RAM", e);
        }
    }
}
