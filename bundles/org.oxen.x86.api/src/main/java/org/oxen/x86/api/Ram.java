package org.oxen.x86.api;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import org.oxen.x86.host.HostMemory;
import org.oxen.x86.host.RawMemory;

/**
 * Plain RAM from physical address 0 up to a size, in host memory outside the Java heap: one
 * {@link HostMemory#reserve} mapping ({@code MAP_NORESERVE}) that the host kernel commits page
 * by page as it is first written, so a 16 MiB guest in a 1 GiB RAM holds about 16 MiB of host
 * memory. Addresses beyond the size read as all ones and ignore writes. (Sizes above 4 GiB work:
 * a hypervisor's pool.)
 *
 * <p>Committed pages: a bitmap, one bit per page, set by the first write by any path (the write
 * methods, {@link #load}, the atomics, and a {@link #directAddress} handed out for writing,
 * through which a TLB or a VMM view may store) and cleared by {@link #decommit}; {@link
 * #committedBytes} counts it. Not {@code mincore}: the kernel maps a page that was only read to
 * its shared zero page, which {@code mincore} reports resident although it costs nothing (and a
 * CPU reads far more pages than it writes); the bitmap is also exact and free to read on the
 * frame allocator's paths. {@link #residentBytes} asks the kernel ({@code mincore}) for tests and
 * measurements. {@link #decommit} gives a written page back ({@code madvise(MADV_DONTNEED)}):
 * it reads as zeros again and costs nothing. Its owner calls it only for a page nothing maps any
 * more: a CPU whose TLB still held the page's address would reach the page's next user, so the
 * owner's TLB flushes (a hypervisor frees a frame only when no vcpu maps it) are what keep
 * domains apart.
 *
 * <p>Safety: every address a caller gives is checked here against the size before any raw
 * access; {@link #directAddress} hands out the host address of a whole page only (the TLB's and
 * the VMM's views then check offsets within the page). This class's own accessors keep {@code
 * this} reachable across the raw access ({@link Reference#reachabilityFence}).
 *
 * <p>Lifetime and release (Design): the owner of a RAM (a machine, the hypervisor's frame pool)
 * calls {@link #release} when it ends, once nothing can run on it: every CPU thread that could
 * hold a TLB entry or a page cache with its raw addresses has ended (joined), and Domain-0's
 * views of its pages ({@code HostPage}) check {@link #isReleased} before each raw access. The
 * release (1) turns the RAM's state word to released and its accessors' bound to 0, so every
 * later access through this class (reads, writes, {@link #directAddress}, {@link #load}, {@link
 * #copyOut}, the atomics, {@link #decommit}) throws {@link IllegalStateException} naming this RAM
 * instead of touching host memory; (2) gives every page back to the host at once ({@code
 * madvise(MADV_DONTNEED)} over the whole mapping): the process's resident memory falls now, not
 * at a GC. The mapping itself (address space only: {@code MAP_NORESERVE}, no page, no commit
 * charge) stays reserved until the {@link Cleaner} unmaps it when this object becomes
 * unreachable, the safety net that also covers owners that never release. So a raw address that
 * outlives the release in a holder that breaks the protocol (a view that passed its check just
 * before, a CPU thread not joined) reads zeros or writes a fresh page, and never reaches an
 * unmapped address (a SIGSEGV killing the JVM) nor another RAM's memory.
 *
 * <p>Locking: none on access. Marking a page committed is a compare-and-set on its bitmap word,
 * so concurrent first writers agree; concurrent writers see plain memory, like real RAM without
 * fences; the guest's own locks order accesses. {@link #release} runs once (under this object's
 * monitor); its state word is volatile, the accessors' bound plain (they read it anyway for their
 * range check, so a live RAM costs them nothing more; a failed range check reads the volatile
 * state to tell "outside the RAM" from "released").
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
    /** Releases unreachable RAMs' mappings (one daemon thread for every RAM of the JVM). */
    private static final Cleaner RELEASER = Cleaner.create();

    /** Host address of byte 0. */
    private final long base;
    private final long size;
    /** What the RAM is, for messages ("machine 3's RAM"). */
    private final String name;
    /** Bytes the accessors may reach: {@link #size} while live, 0 once released (see the class comment). */
    private long limit;
    /** The state word: set once by {@link #release}. */
    private volatile boolean released;
    /** Pages written since they were last decommitted, one bit per page. */
    private final AtomicLongArray committedMap;
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

    /** The Cleaner's action: holds the mapping, not the RAM. */
    private static final class Mapping implements Runnable {
        private final long address;
        private final long bytes;

        Mapping(long address, long bytes) {
            this.address = address;
            this.bytes = bytes;
        }

        @Override
        public void run() {
            HostMemory.release(address, bytes);
        }
    }

    /** RAM of {@code size} bytes (a multiple of 4 KiB, below 8 TiB), reading as zeros. */
    public Ram(long size) {
        this(size, "RAM");
    }

    /**
     * RAM of {@code size} bytes (a multiple of 4 KiB, below 8 TiB), reading as zeros, named
     * {@code name} in messages (what owns it: "machine 3", "the hypervisor's machine memory").
     * Since 2.1.
     */
    public Ram(long size, String name) {
        if (size <= 0 || (size & PAGE_MASK) != 0 || (size >>> PAGE_SHIFT) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB below 8 TiB: " + size);
        }
        this.size = size;
        this.limit = size;
        this.name = Objects.requireNonNull(name, "name");
        this.committedMap = new AtomicLongArray((int) (((size >>> PAGE_SHIFT) + 63) >>> 6));
        this.base = HostMemory.reserve(size);
        RELEASER.register(this, new Mapping(base, size));
    }

    public long size() {
        return size;
    }

    /**
     * Releases this RAM for good (its owner ends: see the class comment for what the caller must
     * have ended first): every later access through it throws {@link IllegalStateException}
     * naming it, and its pages go back to the host now. Returns false if it was released before.
     * Since 2.1.
     */
    public boolean release() {
        synchronized (this) {
            if (released) return false;
            limit = 0;
            released = true;
        }
        try {
            HostMemory.decommit(base, size);
        } finally {
            Reference.reachabilityFence(this);
        }
        return true;
    }

    /** Whether {@link #release} has run: a holder of one of its page addresses checks this before each raw access. Since 2.1. */
    public boolean isReleased() {
        return released;
    }

    /** Throws the use-after-release error if this RAM is released (for holders of its page addresses). Since 2.1. */
    public void checkLive(String access, long address) {
        if (released) throw releasedError(access, address);
    }

    private IllegalStateException releasedError(String access, long address) {
        return new IllegalStateException(this + " was released by its owner: " + access + " at 0x"
                + Long.toHexString(address) + " after the release");
    }

    /** Host bytes committed: pages written (by any path) since they were last decommitted, times 4 KiB; 0 once released. */
    public long committedBytes() {
        return released ? 0 : committed.sum() << PAGE_SHIFT;
    }

    /**
     * Bytes of this RAM the host kernel holds mapped now ({@code mincore}): the committed pages
     * and the pages only read so far (mapped to the kernel's shared zero page, which costs no
     * memory). For tests and measurements; a system call over the whole RAM. After {@link
     * #release} it still asks the kernel about the reserved range (0 unless a protocol-breaking
     * holder wrote into it since).
     */
    public long residentBytes() {
        try {
            return HostMemory.residentBytes(base, size);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Whether the page holding {@code address} has been written since it was last decommitted. */
    public boolean isCommitted(long address) {
        if (address < 0 || address >= limit) {
            return false;
        }
        long f = address >>> PAGE_SHIFT;
        return (committedMap.get((int) (f >>> 6)) & (1L << f)) != 0;
    }

    /** Marks the page holding {@code a} (inside the RAM) committed: it is about to be written. */
    private void commit(long a) {
        long f = a >>> PAGE_SHIFT;
        int i = (int) (f >>> 6);
        long bit = 1L << f;
        if ((committedMap.getPlain(i) & bit) == 0) {
            commitSlow(i, bit);
        }
    }

    private void commitSlow(int i, long bit) {
        for (;;) {
            long cur = committedMap.get(i);
            if ((cur & bit) != 0) return;
            if (committedMap.compareAndSet(i, cur, cur | bit)) {
                committed.increment();
                return;
            }
        }
    }

    /**
     * Gives the page at {@code pageAddress} (aligned, inside the RAM) back to the host
     * ({@code madvise(MADV_DONTNEED)}): it reads as zeros and is committed again by its next
     * write. For a page nothing maps any more (a freed machine frame); returns whether it was
     * committed.
     */
    public boolean decommit(long pageAddress) {
        checkLive("decommit", pageAddress);
        if ((pageAddress & PAGE_MASK) != 0 || !in(pageAddress, PAGE_SIZE)) {
            throw new IllegalArgumentException("not a page of this RAM: 0x" + Long.toHexString(pageAddress));
        }
        long f = pageAddress >>> PAGE_SHIFT;
        int i = (int) (f >>> 6);
        long bit = 1L << f;
        for (;;) {
            long cur = committedMap.get(i);
            if ((cur & bit) == 0) {
                return false; // never written: all zeros, at most the shared zero page mapped
            }
            if (committedMap.compareAndSet(i, cur, cur & ~bit)) {
                break;
            }
        }
        committed.decrement();
        try {
            HostMemory.decommit(base + pageAddress, PAGE_SIZE);
        } finally {
            Reference.reachabilityFence(this);
        }
        return true;
    }

    /** Copies {@code data} into RAM at {@code address} (for loaders); bytes beyond the size are dropped. */
    public void load(long address, byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        while (len > 0) {
            int n = (int) Math.min(len, PAGE_SIZE - (address & PAGE_MASK));
            if (in(address, n)) {
                if (watched != null) noteWrite(address);
                commit(address);
                RawMemory.copyFromArray(data, off, base + address, n);
                Reference.reachabilityFence(this);
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
     * Copies {@code len} bytes of RAM from {@code address} into {@code dst[off...]} (savers,
     * copies between frames); bytes beyond the size read as all ones.
     */
    public void copyOut(long address, byte[] dst, int off, int len) {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (in(address, len)) {
            RawMemory.copyToArray(base + address, dst, off, len);
            Reference.reachabilityFence(this);
            return;
        }
        for (int i = 0; i < len; i++) {
            dst[off + i] = (byte) read8(address + i);
        }
    }

    /**
     * Zeroes the 4 KiB page at {@code pageAddress} (aligned) without committing it: a page never
     * written already reads as zeros. Out-of-range pages are ignored.
     */
    public void zeroPage(long pageAddress) {
        if ((pageAddress & PAGE_MASK) != 0) {
            throw new IllegalArgumentException("not a page address: 0x" + Long.toHexString(pageAddress));
        }
        checkLive("zeroPage", pageAddress);
        if (isCommitted(pageAddress)) {
            if (watched != null) noteWrite(pageAddress);
            RawMemory.fill(base + pageAddress, PAGE_SIZE, (byte) 0);
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The host address of the page at {@code pageAddress} (4 KiB aligned); 0 outside the RAM.
     * For {@code write} the page counts as committed from now on (its holder may store into it).
     */
    @Override
    public long directAddress(long pageAddress, boolean write) {
        if ((pageAddress & PAGE_MASK) != 0 || pageAddress < 0 || pageAddress >= limit) {
            checkLive("directAddress", pageAddress);
            return 0;
        }
        if (write) {
            commit(pageAddress);
        }
        return base + pageAddress;
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
                    watched = w = new AtomicLongArray(committedMap.length());
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
        checkLive("write watching", frame << PAGE_SHIFT);
        if (frame < 0 || frame >= size >>> PAGE_SHIFT) {
            throw new IllegalArgumentException("page " + frame + " is outside the RAM (" + (size >>> PAGE_SHIFT) + " pages)");
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

    /** Whether {@code [a, a + n)} is inside the live RAM (false for every address once released). */
    private boolean in(long a, int n) {
        return a >= 0 && a + n <= limit;
    }

    private static boolean samePage(long a, int n) {
        return ((a ^ (a + n - 1)) >>> PAGE_SHIFT) == 0;
    }

    @Override
    public String toString() {
        return name + " (" + sizeText(size) + " of guest RAM at 0x" + Long.toHexString(base) + ")";
    }

    private static String sizeText(long bytes) {
        return bytes >= 1 << 20 && (bytes & ((1 << 20) - 1)) == 0 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }

    @Override
    public int read8(long a) {
        if (!in(a, 1)) {
            checkLive("read", a);
            return 0xFF;
        }
        int v = RawMemory.getByte(base + a) & 0xFF;
        Reference.reachabilityFence(this);
        return v;
    }

    @Override
    public int read16(long a) {
        if (!in(a, 2)) {
            return read8(a) | read8(a + 1) << 8;
        }
        int v = RawMemory.getShort(base + a) & 0xFFFF;
        Reference.reachabilityFence(this);
        return v;
    }

    @Override
    public int read32(long a) {
        if (!in(a, 4)) {
            return read16(a) | read16(a + 2) << 16;
        }
        int v = RawMemory.getInt(base + a);
        Reference.reachabilityFence(this);
        return v;
    }

    @Override
    public long read64(long a) {
        if (!in(a, 8)) {
            return (read32(a) & 0xFFFFFFFFL) | (long) read32(a + 4) << 32;
        }
        long v = RawMemory.getLong(base + a);
        Reference.reachabilityFence(this);
        return v;
    }

    /**
     * Volatile read of the aligned dword at {@code a} (a multiple of 4, inside RAM), ordered
     * with other CPUs' locked instructions.
     */
    public int readVolatile32(long a) {
        checkAligned(a);
        int v = RawMemory.getIntVolatile(base + a);
        Reference.reachabilityFence(this);
        return v;
    }

    /**
     * Compare-and-set of the aligned dword at {@code a} (a multiple of 4, inside RAM): atomic
     * against the guest CPUs' LOCK-prefixed instructions on the same dword.
     */
    public boolean compareAndSet32(long a, int expect, int update) {
        checkAligned(a);
        if (watched != null && expect != update) noteWrite(a);
        commit(a);
        boolean done = RawMemory.compareAndSetInt(base + a, expect, update);
        Reference.reachabilityFence(this);
        return done;
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
            checkLive("atomic access", a);
            throw new IllegalArgumentException("atomic access needs an aligned dword inside RAM: 0x" + Long.toHexString(a));
        }
    }

    @Override
    public void write8(long a, int v) {
        if (in(a, 1)) {
            if (watched != null) noteWrite(a);
            commit(a);
            RawMemory.putByte(base + a, (byte) v);
            Reference.reachabilityFence(this);
        } else {
            checkLive("write", a);
        }
    }

    @Override
    public void write16(long a, int v) {
        if (in(a, 2) && samePage(a, 2)) {
            if (watched != null) noteWrite(a);
            commit(a);
            RawMemory.putShort(base + a, (short) v);
            Reference.reachabilityFence(this);
        } else {
            write8(a, v);
            write8(a + 1, v >>> 8);
        }
    }

    @Override
    public void write32(long a, int v) {
        if (in(a, 4) && samePage(a, 4)) {
            if (watched != null) noteWrite(a);
            commit(a);
            RawMemory.putInt(base + a, v);
            Reference.reachabilityFence(this);
        } else {
            write16(a, v);
            write16(a + 2, v >>> 16);
        }
    }

    @Override
    public void write64(long a, long v) {
        if (in(a, 8) && samePage(a, 8)) {
            if (watched != null) noteWrite(a);
            commit(a);
            RawMemory.putLong(base + a, v);
            Reference.reachabilityFence(this);
        } else {
            write32(a, (int) v);
            write32(a + 4, (int) (v >>> 32));
        }
    }
}
