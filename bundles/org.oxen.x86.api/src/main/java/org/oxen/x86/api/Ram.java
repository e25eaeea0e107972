package org.oxen.x86.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Plain RAM from physical address 0 up to a size, committed as it is used: each 4 KiB page is
 * a {@code byte[4096]} allocated the first time it is written or handed to a TLB
 * ({@link #directArray}); a page never touched costs one null reference and reads as zeros.
 * A 16 MiB guest in a 1 GiB RAM therefore holds about 16 MiB of host memory. Addresses beyond
 * the size read as all ones and ignore writes. (Sizes above 2 GiB work: pages are indexed by
 * page number.)
 *
 * <p>Design: one array per page, not larger chunks, because a hypervisor's frame allocator
 * scatters a domain's frames across the whole pool; any larger unit would commit the pool.
 * {@link #decommit} gives a page's array back (a hypervisor's freed frame): the page reads as
 * zeros again and costs nothing. Its owner calls it only for a page nothing maps any more; a CPU
 * whose TLB still held the old array (a stale entry, which the owner's flushes rule out) would
 * touch a detached array, never the page's next user.
 *
 * <p>Locking: none on access. A page is committed with one compare-and-exchange on its slot, so
 * two threads committing the same page agree on one array (the loser's is dropped); the
 * array's publication through the volatile CAS makes its zeros visible. Concurrent writers see
 * Java's plain-array memory model, like real RAM without fences; the guest's own locks order
 * accesses.
 *
 * <p>Write watching (a hypervisor's log-dirty mode): {@link #watchWrites} arms a page so that
 * the next write to it, by any path, is reported once to the {@link WriteListener} and disarms
 * it: the write methods and atomics here check the page, and {@link #directWrite} keeps a CPU's
 * TLB from holding a write tag for an armed page until the CPU writes it (then the page is
 * reported first). No page armed (the bitmap never created) costs one field read per write
 * method; the TLB fast paths are untouched. Arming and disarming are atomic per page (a CAS on
 * the page's bit), so each write after an arm is reported exactly once by the thread that
 * disarmed it; a caller that arms a page a CPU may already hold a write tag for must flush that
 * CPU's TLB afterwards.
 */
public final class Ram implements PhysicalMemory, DirectMemory {

    /** Bytes per committed unit (one x86 page). */
    public static final int PAGE_SIZE = 4096;
    private static final int PAGE_SHIFT = 12;
    private static final int PAGE_MASK = PAGE_SIZE - 1;
    private static final VarHandle PAGES = MethodHandles.arrayElementVarHandle(byte[][].class);
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[][] pages;
    private final long size;
    private final LongAdder committed = new LongAdder();
    /** Armed pages, one bit per page; null until the first {@link #watchWrites}. */
    private volatile AtomicLongArray watched;
    private volatile WriteListener writeListener;

    /** Told of the first write to an armed page (on the writer's thread; must not block). */
    @FunctionalInterface
    public interface WriteListener {
        /** The page {@code frame} (address / 4 KiB) was armed and is being written: it is disarmed now. */
        void pageWritten(long frame);
    }

    /** RAM of {@code size} bytes (a multiple of 4 KiB, at most 2^31 pages), reading as zeros. */
    public Ram(long size) {
        if (size <= 0 || (size & PAGE_MASK) != 0 || (size >>> PAGE_SHIFT) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB below 8 TiB: " + size);
        }
        this.size = size;
        pages = new byte[(int) (size >>> PAGE_SHIFT)][];
    }

    public long size() {
        return size;
    }

    /** Host bytes committed so far (pages written or handed to a TLB, times 4 KiB). */
    public long committedBytes() {
        return committed.sum() << PAGE_SHIFT;
    }

    /** Whether the page holding {@code address} has been committed. */
    public boolean isCommitted(long address) {
        return address >= 0 && address < size && pages[(int) (address >>> PAGE_SHIFT)] != null;
    }

    /** The page array for index {@code i}, committing it if needed. */
    private byte[] commit(int i) {
        byte[] p = pages[i];
        if (p != null) {
            return p;
        }
        byte[] fresh = new byte[PAGE_SIZE];
        byte[] witness = (byte[]) PAGES.compareAndExchange(pages, i, (byte[]) null, fresh);
        if (witness != null) {
            return witness;
        }
        committed.increment();
        return fresh;
    }

    /**
     * Gives the page at {@code pageAddress} (aligned, inside the RAM) back to the host: it reads
     * as zeros and is committed again by its next write. For a page nothing maps any more (a
     * freed machine frame); returns whether it was committed.
     */
    public boolean decommit(long pageAddress) {
        if ((pageAddress & PAGE_MASK) != 0 || !in(pageAddress, PAGE_SIZE)) {
            throw new IllegalArgumentException("not a page of this RAM: 0x" + Long.toHexString(pageAddress));
        }
        int i = (int) (pageAddress >>> PAGE_SHIFT);
        if (PAGES.getAndSet(pages, i, (byte[]) null) == null) {
            return false;
        }
        committed.decrement();
        return true;
    }

    /** Copies {@code data} into RAM at {@code address} (for loaders); bytes beyond the size are dropped. */
    public void load(long address, byte[] data, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, data.length);
        while (len > 0) {
            int n = (int) Math.min(len, PAGE_SIZE - (address & PAGE_MASK));
            if (in(address, n)) {
                if (watched != null) noteWrite(address);
                System.arraycopy(data, off, commit((int) (address >>> PAGE_SHIFT)), (int) address & PAGE_MASK, n);
            } else {
                for (int i = 0; i < n; i++) {
                    write8(address + i, data[off + i]);
                }
            }
            address += n;
            off += n;
            len -= n;
        }
    }

    /**
     * Zeroes the 4 KiB page at {@code pageAddress} (aligned) without committing it: a page never
     * committed already reads as zeros. Out-of-range pages are ignored.
     */
    public void zeroPage(long pageAddress) {
        if ((pageAddress & PAGE_MASK) != 0) {
            throw new IllegalArgumentException("not a page address: 0x" + Long.toHexString(pageAddress));
        }
        if (in(pageAddress, PAGE_SIZE)) {
            byte[] p = pages[(int) (pageAddress >>> PAGE_SHIFT)];
            if (p != null) {
                if (watched != null) noteWrite(pageAddress);
                Arrays.fill(p, (byte) 0);
            }
        }
    }

    /** Commits the page (a TLB will access it directly); {@code null} outside the RAM. */
    @Override
    public byte[] directArray(long pageAddress, boolean write) {
        return pageAddress >= 0 && pageAddress < size ? commit((int) (pageAddress >>> PAGE_SHIFT)) : null;
    }

    @Override
    public int directOffset(long pageAddress) {
        return 0;
    }

    /**
     * An armed page keeps no TLB write tag until the CPU writes it: {@code writing} reports and
     * disarms it (the CPU then stores directly), a fill for a read keeps the tag unfilled.
     */
    @Override
    public boolean directWrite(long pageAddress, boolean writing) {
        AtomicLongArray w = watched;
        if (w == null || pageAddress < 0 || pageAddress >= size) {
            return true;
        }
        if (writing) {
            noteWrite(pageAddress);
            return true;
        }
        long f = pageAddress >>> PAGE_SHIFT;
        return (w.get((int) (f >>> 6)) & (1L << f)) == 0;
    }

    // ---- write watching (log-dirty) ----

    /** Sets the one listener told of writes to armed pages ({@code null}: none, writes only disarm). */
    public void setWriteListener(WriteListener listener) {
        writeListener = listener;
    }

    /**
     * Arms page {@code frame}: its next write is reported. Returns whether it was armed before.
     * A CPU that may hold a write tag for the page must flush its TLB after this.
     */
    public boolean watchWrites(long frame) {
        checkFrame(frame);
        AtomicLongArray w = watched;
        if (w == null) {
            synchronized (this) {
                w = watched;
                if (w == null) {
                    watched = w = new AtomicLongArray((pages.length + 63) >>> 6);
                }
            }
        }
        int i = (int) (frame >>> 6);
        long bit = 1L << frame;
        for (;;) {
            long cur = w.get(i);
            if ((cur & bit) != 0) return true;
            if (w.compareAndSet(i, cur, cur | bit)) return false;
        }
    }

    /** Disarms page {@code frame} without a report; returns whether it was armed. */
    public boolean unwatchWrites(long frame) {
        checkFrame(frame);
        AtomicLongArray w = watched;
        return w != null && clearWatched(w, frame);
    }

    /** Whether page {@code frame} is armed (no write since {@link #watchWrites}). */
    public boolean isWatched(long frame) {
        checkFrame(frame);
        AtomicLongArray w = watched;
        return w != null && (w.get((int) (frame >>> 6)) & (1L << frame)) != 0;
    }

    private void checkFrame(long frame) {
        if (frame < 0 || frame >= pages.length) {
            throw new IllegalArgumentException("page " + frame + " is outside the RAM (" + pages.length + " pages)");
        }
    }

    private static boolean clearWatched(AtomicLongArray w, long frame) {
        int i = (int) (frame >>> 6);
        long bit = 1L << frame;
        for (;;) {
            long cur = w.get(i);
            if ((cur & bit) == 0) return false;
            if (w.compareAndSet(i, cur, cur & ~bit)) return true;
        }
    }

    /** The page of {@code a} (inside the RAM) is being written: report it if it was armed. */
    private void noteWrite(long a) {
        long f = a >>> PAGE_SHIFT;
        AtomicLongArray w = watched;
        if ((w.get((int) (f >>> 6)) & (1L << f)) != 0 && clearWatched(w, f)) {
            WriteListener l = writeListener;
            if (l != null) l.pageWritten(f);
        }
    }

    private boolean in(long a, int n) {
        return a >= 0 && a + n <= size;
    }

    private static boolean samePage(long a, int n) {
        return ((a ^ (a + n - 1)) >>> PAGE_SHIFT) == 0;
    }

    @Override
    public int read8(long a) {
        if (!in(a, 1)) {
            return 0xFF;
        }
        byte[] p = pages[(int) (a >>> PAGE_SHIFT)];
        return p == null ? 0 : p[(int) a & PAGE_MASK] & 0xFF;
    }

    @Override
    public int read16(long a) {
        if (in(a, 2) && samePage(a, 2)) {
            byte[] p = pages[(int) (a >>> PAGE_SHIFT)];
            return p == null ? 0 : (short) I16.get(p, (int) a & PAGE_MASK) & 0xFFFF;
        }
        return read8(a) | read8(a + 1) << 8;
    }

    @Override
    public int read32(long a) {
        if (in(a, 4) && samePage(a, 4)) {
            byte[] p = pages[(int) (a >>> PAGE_SHIFT)];
            return p == null ? 0 : (int) I32.get(p, (int) a & PAGE_MASK);
        }
        return read16(a) | read16(a + 2) << 16;
    }

    @Override
    public long read64(long a) {
        if (in(a, 8) && samePage(a, 8)) {
            byte[] p = pages[(int) (a >>> PAGE_SHIFT)];
            return p == null ? 0 : (long) I64.get(p, (int) a & PAGE_MASK);
        }
        return (read32(a) & 0xFFFFFFFFL) | (long) read32(a + 4) << 32;
    }

    /**
     * Volatile read of the aligned dword at {@code a} (a multiple of 4, inside RAM), ordered
     * with other CPUs' locked instructions.
     */
    public int readVolatile32(long a) {
        checkAligned(a);
        return ByteArrayAtomics.getVolatile(commit((int) (a >>> PAGE_SHIFT)), (int) a & PAGE_MASK);
    }

    /**
     * Compare-and-set of the aligned dword at {@code a} (a multiple of 4, inside RAM): atomic
     * against the guest CPUs' LOCK-prefixed instructions on the same dword.
     */
    public boolean compareAndSet32(long a, int expect, int update) {
        checkAligned(a);
        if (watched != null && expect != update) noteWrite(a);
        return ByteArrayAtomics.compareAndSet(commit((int) (a >>> PAGE_SHIFT)), (int) a & PAGE_MASK, expect, update);
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
            if (watched != null) noteWrite(a);
            commit((int) (a >>> PAGE_SHIFT))[(int) a & PAGE_MASK] = (byte) v;
        }
    }

    @Override
    public void write16(long a, int v) {
        if (in(a, 2) && samePage(a, 2)) {
            if (watched != null) noteWrite(a);
            I16.set(commit((int) (a >>> PAGE_SHIFT)), (int) a & PAGE_MASK, (short) v);
        } else {
            write8(a, v);
            write8(a + 1, v >>> 8);
        }
    }

    @Override
    public void write32(long a, int v) {
        if (in(a, 4) && samePage(a, 4)) {
            if (watched != null) noteWrite(a);
            I32.set(commit((int) (a >>> PAGE_SHIFT)), (int) a & PAGE_MASK, v);
        } else {
            write16(a, v);
            write16(a + 2, v >>> 16);
        }
    }

    @Override
    public void write64(long a, long v) {
        if (in(a, 8) && samePage(a, 8)) {
            if (watched != null) noteWrite(a);
            I64.set(commit((int) (a >>> PAGE_SHIFT)), (int) a & PAGE_MASK, v);
        } else {
            write32(a, (int) v);
            write32(a + 4, (int) (v >>> 32));
        }
    }
}
