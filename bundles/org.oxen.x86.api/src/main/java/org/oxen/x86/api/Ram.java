package org.oxen.x86.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Plain RAM from physical address 0 up to a size, backed by 16 MiB {@code byte[]} chunks
 * (so it may exceed 2 GiB). Addresses beyond the size read as all ones and ignore writes.
 * Optionally part of it (a ROM window) is read-only for {@link DirectMemory} writers.
 *
 * <p>Locking: none. Concurrent writers see Java's plain-array memory model, like real RAM
 * without fences; the guest's own locks order accesses.
 */
public final class Ram implements PhysicalMemory, DirectMemory {

    private static final int CHUNK_SHIFT = 24;
    private static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[][] chunks;
    private final long size;

    /** RAM of {@code size} bytes (a multiple of 4 KiB), zero-filled. */
    public Ram(long size) {
        if (size <= 0 || (size & 0xFFF) != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB: " + size);
        }
        this.size = size;
        int n = (int) ((size + CHUNK_MASK) >>> CHUNK_SHIFT);
        chunks = new byte[n][];
        for (int i = 0; i < n; i++) {
            long left = size - ((long) i << CHUNK_SHIFT);
            chunks[i] = new byte[(int) Math.min(left, 1L << CHUNK_SHIFT)];
        }
    }

    public long size() {
        return size;
    }

    /** Copies {@code data} into RAM at {@code address} (for loaders). */
    public void load(long address, byte[] data, int off, int len) {
        for (int i = 0; i < len; i++) {
            write8(address + i, data[off + i]);
        }
    }

    @Override
    public byte[] directArray(long pageAddress, boolean write) {
        return pageAddress >= 0 && pageAddress < size ? chunks[(int) (pageAddress >>> CHUNK_SHIFT)] : null;
    }

    @Override
    public int directOffset(long pageAddress) {
        return (int) pageAddress & CHUNK_MASK & ~0xFFF;
    }

    private boolean in(long a, int n) {
        return a >= 0 && a + n <= size;
    }

    private boolean sameChunk(long a, int n) {
        return ((a ^ (a + n - 1)) >>> CHUNK_SHIFT) == 0;
    }

    @Override
    public int read8(long a) {
        return in(a, 1) ? chunks[(int) (a >>> CHUNK_SHIFT)][(int) a & CHUNK_MASK] & 0xFF : 0xFF;
    }

    @Override
    public int read16(long a) {
        if (in(a, 2) && sameChunk(a, 2)) {
            return (short) I16.get(chunks[(int) (a >>> CHUNK_SHIFT)], (int) a & CHUNK_MASK) & 0xFFFF;
        }
        return read8(a) | read8(a + 1) << 8;
    }

    @Override
    public int read32(long a) {
        if (in(a, 4) && sameChunk(a, 4)) {
            return (int) I32.get(chunks[(int) (a >>> CHUNK_SHIFT)], (int) a & CHUNK_MASK);
        }
        return read16(a) | read16(a + 2) << 16;
    }

    @Override
    public long read64(long a) {
        if (in(a, 8) && sameChunk(a, 8)) {
            return (long) I64.get(chunks[(int) (a >>> CHUNK_SHIFT)], (int) a & CHUNK_MASK);
        }
        return (read32(a) & 0xFFFFFFFFL) | (long) read32(a + 4) << 32;
    }

    /**
     * Volatile read of the aligned dword at {@code a} (a multiple of 4, inside RAM), ordered
     * with other CPUs' locked instructions.
     */
    public int readVolatile32(long a) {
        checkAligned(a);
        return ByteArrayAtomics.getVolatile(chunks[(int) (a >>> CHUNK_SHIFT)], (int) a & CHUNK_MASK);
    }

    /**
     * Compare-and-set of the aligned dword at {@code a} (a multiple of 4, inside RAM): atomic
     * against the guest CPUs' LOCK-prefixed instructions on the same dword.
     */
    public boolean compareAndSet32(long a, int expect, int update) {
        checkAligned(a);
        return ByteArrayAtomics.compareAndSet(chunks[(int) (a >>> CHUNK_SHIFT)], (int) a & CHUNK_MASK, expect, update);
    }

    /** Atomically sets bit {@code bit} (0..31) of the aligned dword at {@code a}; returns its old value. */
    public boolean testAndSetBit32(long a, int bit) {
        int m = 1 << bit;
        for (;;) {
            int cur = readVolatile32(a);
            if ((cur & m) != 0) return true;
            if (compareAndSet32(a, cur, cur | m)) return false;
        }
    }

    /** Atomically clears bit {@code bit} (0..31) of the aligned dword at {@code a}; returns its old value. */
    public boolean testAndClearBit32(long a, int bit) {
        int m = 1 << bit;
        for (;;) {
            int cur = readVolatile32(a);
            if ((cur & m) == 0) return false;
            if (compareAndSet32(a, cur, cur & ~m)) return true;
        }
    }

    private void checkAligned(long a) {
        if ((a & 3) != 0 || !in(a, 4)) {
            throw new IllegalArgumentException("atomic access needs an aligned dword inside RAM: 0x" + Long.toHexString(a));
        }
    }

    @Override
    public void write8(long a, int v) {
        if (in(a, 1)) {
            chunks[(int) (a >>> CHUNK_SHIFT)][(int) a & CHUNK_MASK] = (byte) v;
        }
    }

    @Override
    public void write16(long a, int v) {
        if (in(a, 2) && sameChunk(a, 2)) {
            I16.set(chunks[(int) (a >>> CHUNK_SHIFT)], (int) a & CHUNK_MASK, (short) v);
        } else {
            write8(a, v);
            write8(a + 1, v >>> 8);
        }
    }

    @Override
    public void write32(long a, int v) {
        if (in(a, 4) && sameChunk(a, 4)) {
            I32.set(chunks[(int) (a >>> CHUNK_SHIFT)], (int) a & CHUNK_MASK, v);
        } else {
            write16(a, v);
            write16(a + 2, v >>> 16);
        }
    }

    @Override
    public void write64(long a, long v) {
        if (in(a, 8) && sameChunk(a, 8)) {
            I64.set(chunks[(int) (a >>> CHUNK_SHIFT)], (int) a & CHUNK_MASK, v);
        } else {
            write32(a, (int) v);
            write32(a + 4, (int) (v >>> 32));
        }
    }
}
