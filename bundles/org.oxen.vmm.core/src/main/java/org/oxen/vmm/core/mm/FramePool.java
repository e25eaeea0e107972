package org.oxen.vmm.core.mm;

import org.oxen.vmm.abi.Xen;
import org.oxen.x86.api.Ram;

/**
 * Machine memory and its frame table (Xen's {@code frame_table} of {@code struct page_info}).
 *
 * <p>Design: one {@link Ram} is the machine's physical memory; every vcpu of every PV domain
 * runs on it, because PV page tables hold machine frame numbers. Each frame has an owner (a
 * domain id, {@link #OWNER_FREE} or {@link Xen#DOMID_XEN}), a general reference count (the
 * allocation itself holds one, each mapping one more), and a type with a type count
 * ({@link PageType}). Free frames are kept in buddy blocks by zone and order
 * ({@link FreeBlocks}, Xen's page_alloc.c), so what a domain gave back merges again and an extent of
 * several contiguous frames below an address limit can still be found after long churn; the
 * blocks are chosen and split so that consecutive single frames are never neighbours (a domain's
 * frames are deliberately non-contiguous, so code that assumes contiguity breaks at once). The
 * machine-to-phys table (M2P) lives in machine memory itself (Xen-owned frames at the bottom of
 * RAM) because guests read it through their read-only mapping at
 * {@link Xen#MACH2PHYS_VIRT_START}.
 *
 * <p>Machine memory may extend above 4 GiB (PAE's 36-bit machine addresses) up to what the M2P
 * window of the hole describes, {@link #MAX_MIB}. As on a PC, RAM beyond 3 GiB continues at 4 GiB:
 * machine addresses 3..4 GiB are the MMIO hole (the local APIC's 0xFEE00000 and friends), frames
 * that are not RAM ({@link #valid} is false: mapping them is an I/O mapping, -EPERM without I/O
 * permission, as before). Frames below 4 GiB are handed out last, as Xen's allocator serves the
 * highest zone first: they are for what a
 * 32-bit PV guest can only name with 32 bits — shared_info, whose machine address is a 32-bit
 * field of start_info (arch_domain_create's MEMF_bits(32)) — and for the tables a PAE CPU's CR3
 * must point at ({@link #allocXenLow}). A freed frame's RAM page is given back to the host
 * ({@link Ram#decommit}): a free frame costs no heap, and a new owner finds it zeroed.
 *
 * <p>Locking: every method that reads or changes frame state runs under this object's monitor
 * (the "mm lock"; Xen uses per-page atomics and the domain's page_alloc_lock). Callers that
 * perform several steps (validation of a page table) hold it across them. Its place in the lock
 * order: the {@link org.oxen.vmm.core} package documentation.
 */
public final class FramePool {

    public static final int OWNER_FREE = -1;

    private final Ram ram;
    /** Machine frames (address span, the hole included) and frames of RAM. */
    private final int nrFrames;
    private final int ramFrames;
    /** Frames [holeStart, LOW_LIMIT_FRAMES) are the MMIO hole; holeStart = nrFrames when there is none. */
    private final int holeStart;
    final int[] owner;
    final int[] type;
    final int[] typeCount;
    final int[] refCount;
    /** Frames of a destroyed domain that other domains' grants still hold (freed at the last reference). */
    final boolean[] keptForGrants;
    /** The free frames, in buddy blocks. */
    private final FreeBlocks free;

    /** First frame of the M2P table and its length in frames. */
    private final int m2pFirst;
    private final int m2pFrames;
    /** The Xen-owned L1 tables that map the M2P read-only (one per 2 MiB of the hole). */
    private final int[] m2pL1;
    /** A Xen-owned page of zeros (unused GDT/LDT slots). */
    private final int zeroFrame;
    /** Xen's reserved GDT page (entries 7168..7679: the flat selectors). */
    private final int reservedGdtFrame;
    private final int xenFrames;

    /** The smallest machine memory: Xen's frames at the bottom and room for a small domain. */
    public static final int MIN_MIB = 8;
    /**
     * The largest: the M2P window of the hole (slots 428..435, 16 MiB of 4-byte entries) describes
     * 4 Mi frames, 16 GiB; a 32-bit PV guest can address no frame beyond its M2P (Xen's compat
     * physaddr_bitsize), although PAE entries carry 36-bit addresses.
     */
    public static final int MAX_MIB = 15 * 1024;
    /** Frames below this are below 4 GiB: what a 32-bit machine address or a PAE CR3 can name. */
    public static final int LOW_LIMIT_FRAMES = 1 << 20;
    /** The first frame of the MMIO hole below 4 GiB (3 GiB), when RAM reaches it. */
    public static final int HOLE_START_FRAMES = 0xC0000;
    /** The largest extent {@link #allocBlock} can give: 2^20 frames. */
    public static final int MAX_ORDER = FreeBlocks.MAX_ORDER;
    /**
     * Java heap per machine frame: the frame table (owner, type, type count, references, kept
     * for grants), the free lists' links and order, and the RAM's page slot.
     */
    static final int HEAP_BYTES_PER_FRAME = 4 * 4 + 1 + 2 * 4 + 1 + 8;

    /** MiB of Java heap the frame table of {@code memoryMiB} MiB of RAM takes (the MMIO hole included), rounded up. */
    public static long frameTableMiB(long memoryMiB) {
        long frames = memoryMiB << 8;
        if (frames > HOLE_START_FRAMES) frames += LOW_LIMIT_FRAMES - HOLE_START_FRAMES;
        return (frames * HEAP_BYTES_PER_FRAME + (1 << 20) - 1) >> 20;
    }

    public FramePool(long bytes) {
        this(bytes, Runtime.getRuntime().maxMemory());
    }

    /**
     * Machine memory of {@code bytes} of RAM; {@code maxHeap} is the Java heap it must fit in: the frame
     * table takes {@value #HEAP_BYTES_PER_FRAME} bytes a frame up front (guest RAM is committed as
     * it is touched), and may take at most a quarter of the heap.
     */
    public FramePool(long bytes, long maxHeap) {
        if (bytes < ((long) MIN_MIB << 20) || bytes > ((long) MAX_MIB << 20) || (bytes & 0xFFF) != 0) {
            throw new IllegalArgumentException("machine memory must be " + MIN_MIB + " MiB .. " + (MAX_MIB >> 10)
                    + " GiB in whole pages (with the MMIO hole at 3..4 GiB its top address is 16 GiB,"
                    + " all the M2P in the hypervisor hole describes): " + bytes);
        }
        this.ramFrames = (int) (bytes >>> Xen.PAGE_SHIFT);
        boolean hole = ramFrames > HOLE_START_FRAMES;
        long span = hole ? ramFrames + (long) (LOW_LIMIT_FRAMES - HOLE_START_FRAMES) : ramFrames;
        long table = span * HEAP_BYTES_PER_FRAME;
        if (table > maxHeap / 4) {
            throw new IllegalArgumentException(String.format(
                    "machine memory of %d MiB needs %d MiB of Java heap for its frame table, more than a quarter of"
                    + " this JVM's %d MiB maximum heap: give the JVM more heap (-Xmx) or less machine memory",
                    bytes >> 20, table >> 20, maxHeap >> 20));
        }
        this.nrFrames = (int) span;
        this.holeStart = hole ? HOLE_START_FRAMES : nrFrames;
        this.ram = new Ram(span << Xen.PAGE_SHIFT, "the hypervisor's machine memory");
        owner = new int[nrFrames];
        type = new int[nrFrames];
        typeCount = new int[nrFrames];
        refCount = new int[nrFrames];
        keptForGrants = new boolean[nrFrames];
        // Xen's own frames at the bottom: frame 0 (never handed out), zero page, reserved GDT
        // page, the M2P table, and the L1s that map it.
        int next = 1;
        zeroFrame = next++;
        reservedGdtFrame = next++;
        m2pFirst = next;
        m2pFrames = (nrFrames * 4 + Xen.PAGE_SIZE - 1) / Xen.PAGE_SIZE;
        next += m2pFrames;
        int l1s = (m2pFrames + 511) / 512;
        if (l1s > 8) {
            throw new IllegalArgumentException("M2P larger than the 16 MiB hole slot");
        }
        m2pL1 = new int[l1s];
        for (int i = 0; i < l1s; i++) {
            m2pL1[i] = next++;
        }
        xenFrames = next;
        for (int f = 0; f < xenFrames; f++) {
            owner[f] = Xen.DOMID_XEN;
            refCount[f] = 1;
        }
        for (int f = 0; f < nrFrames; f++) {
            ram.write32(m2pAddress(f), Xen.INVALID_M2P_ENTRY);
        }
        for (int i = 0; i < m2pFrames; i++) {
            long l1 = (long) m2pL1[i / 512] << 12;
            ram.write64(l1 + (i % 512) * 8L, ((long) (m2pFirst + i) << 12) | Xen.PTE_P | Xen.PTE_A);
        }
        long g = (long) reservedGdtFrame << 12;
        // Flat 4 GiB descriptors, accessed bit set (the page is read-only to the CPU's implicit writes).
        ram.write64(g + (Xen.FLAT_RING1_CS & 0xFF8) , 0x00CFBB000000FFFFL);
        ram.write64(g + (Xen.FLAT_RING1_DS & 0xFF8), 0x00CFB3000000FFFFL);
        ram.write64(g + (Xen.FLAT_RING3_CS & 0xFF8), 0x00CFFB000000FFFFL);
        ram.write64(g + (Xen.FLAT_RING3_DS & 0xFF8), 0x00CFF3000000FFFFL);
        free = new FreeBlocks(nrFrames, LOW_LIMIT_FRAMES, 0x6f78656eL);
        free.addRange(xenFrames, holeStart);
        if (hole) free.addRange(LOW_LIMIT_FRAMES, nrFrames);
        for (int f = holeStart; f < Math.min(nrFrames, LOW_LIMIT_FRAMES); f++) {
            owner[f] = Xen.DOMID_IO; // MMIO, never RAM
        }
        for (int f = xenFrames; f < nrFrames; f++) {
            if (valid(f)) owner[f] = OWNER_FREE;
        }
    }

    public Ram ram() {
        return ram;
    }

    /** Machine frames: the highest machine address / 4 KiB, the MMIO hole included. */
    public int nrFrames() {
        return nrFrames;
    }

    /** Frames of RAM (the MMIO hole excluded). */
    public int ramFrames() {
        return ramFrames;
    }

    /** Frames the hypervisor keeps for itself (M2P and friends); never in the free pool. */
    public int xenFrames() {
        return xenFrames;
    }

    public synchronized int freeFrames() {
        return free.freeFrames();
    }

    /** Free frames below 4 GiB. */
    public synchronized int freeLowFrames() {
        return free.freeLowFrames();
    }

    /** The order of the largest free block below machine frame {@code limit}; -1 if none is free there. */
    public synchronized int largestFreeOrder(long limit) {
        return free.largestOrderBelow(limit);
    }

    /** How many free blocks of exactly {@code 2^order} frames the pool has. */
    public synchronized int freeBlocks(int order) {
        return free.blocks(order);
    }

    /**
     * Checks the free lists against the frame table (blocks aligned, merged, in their zone, of
     * free frames; every free frame in one block; counts exact): null, or what is wrong. O(frames).
     */
    public synchronized String checkFreeLists() {
        return free.check(f -> owner[f] == OWNER_FREE);
    }

    /** Frames that can ever be handed to domains. */
    public int poolFrames() {
        return ramFrames - xenFrames;
    }

    /**
     * Allocates a zeroed frame for {@code domid} with one (allocation) reference, above 4 GiB
     * while there are such frames; -1 when none is left.
     */
    public synchronized int alloc(int domid) {
        return allocBlock(domid, 0, Long.MAX_VALUE);
    }

    /** Allocates a zeroed frame below 4 GiB (MEMF_bits(32)) for {@code domid}; -1 when none is left. */
    public synchronized int allocLow(int domid) {
        return allocBlock(domid, 0, LOW_LIMIT_FRAMES);
    }

    /**
     * Allocates {@code 1 << order} zeroed, contiguous frames aligned to their size, all below
     * machine frame {@code limit} (an extent of memory_op, alloc_domheap_pages with MEMF_bits; a
     * limit that is not a power of two counts as the power of two below it), for {@code domid},
     * each with one (allocation) reference; returns the first frame or -1 if no such block is free.
     */
    public synchronized int allocBlock(int domid, int order, long limit) {
        if (order < 0) throw new IllegalArgumentException("extent order " + order);
        if (order > MAX_ORDER) return -1;
        int first = free.take(order, FreeBlocks.highestZoneBelow(limit));
        if (first < 0) return -1;
        for (int f = first; f < first + (1 << order); f++) {
            owner[f] = domid;
            refCount[f] = 1;
            type[f] = PageType.NONE;
            typeCount[f] = 0;
            zero(f);
        }
        return first;
    }

    /**
     * The hypervisor ends (its pCPU threads joined): machine memory goes back to the host now
     * ({@link Ram#release}); every later access to it, a Domain-0 view's too, throws naming it.
     */
    public void release() {
        ram.release();
    }

    /**
     * Returns a frame to the pool whatever its counts (domain destruction); clears its M2P entry
     * and gives its RAM page back.
     */
    public synchronized void free(int mfn) {
        if (!valid(mfn) || owner[mfn] == OWNER_FREE || owner[mfn] == Xen.DOMID_XEN) {
            throw new IllegalStateException("freeing frame " + mfn
                    + (valid(mfn) ? " owned by " + owner[mfn] : ", which is not RAM"));
        }
        owner[mfn] = OWNER_FREE;
        keptForGrants[mfn] = false;
        ram.unwatchWrites(mfn); // log-dirty: a freed frame reports nothing to its next owner
        refCount[mfn] = 0;
        type[mfn] = PageType.NONE;
        typeCount[mfn] = 0;
        m2pSet(mfn, Xen.INVALID_M2P_ENTRY);
        ram.decommit((long) mfn << 12); // its contents go with it; it reads as zeros to the next owner
        free.put(mfn);
    }

    /** Allocates a zeroed frame that the hypervisor keeps for a domain (its per-domain L1); -1 if none. */
    public synchronized int allocXen() {
        int f = alloc(Xen.DOMID_XEN);
        return f;
    }

    /**
     * {@link #allocXen} below 4 GiB: a table a PAE CR3 points at (a shadow L3, a vcpu's copy of
     * an L3 above 4 GiB); -1 if none.
     */
    public synchronized int allocXenLow() {
        return allocLow(Xen.DOMID_XEN);
    }

    /** Returns a frame from {@link #allocXen()}. */
    public synchronized void freeXen(int mfn) {
        if (owner[mfn] != Xen.DOMID_XEN || mfn < xenFrames) {
            throw new IllegalStateException("frame " + mfn + " is not a per-domain Xen frame");
        }
        owner[mfn] = 0;
        free(mfn);
    }

    /**
     * Domain destruction: frame {@code mfn} of the dying domain stays out of the pool while other
     * domains' grants hold it (grant_table.c: a mapped frame is never freed); from now on its
     * counts are exactly those grants' {@code refs} page and {@code typeRefs} writable type
     * references (added up when several grant entries name it), and the last
     * {@link PageTables#putPage} frees it. Its M2P entry is cleared at once.
     */
    public synchronized void keepForGrants(int mfn, int refs, int typeRefs) {
        if (!keptForGrants[mfn]) {
            keptForGrants[mfn] = true;
            refCount[mfn] = 0;
            typeCount[mfn] = 0;
            type[mfn] = PageType.NONE;
            m2pSet(mfn, Xen.INVALID_M2P_ENTRY);
        }
        refCount[mfn] += refs;
        typeCount[mfn] += typeRefs;
        if (typeCount[mfn] > 0) type[mfn] = PageType.WRITABLE;
    }

    public synchronized boolean isKeptForGrants(int mfn) {
        return keptForGrants[mfn];
    }

    /** Frees every frame {@code domid} owns but those {@link #keepForGrants kept} (domain destruction); returns how many. */
    public synchronized int releaseDomain(int domid) {
        int n = 0;
        for (int f = xenFrames; f < nrFrames; f++) {
            if (owner[f] == domid && !keptForGrants[f]) {
                free(f);
                n++;
            }
        }
        return n;
    }

    /** The frames {@code domid} owns, in frame order. */
    public synchronized int[] framesOf(int domid) {
        int n = 0;
        for (int f = xenFrames; f < nrFrames; f++) {
            if (owner[f] == domid) n++;
        }
        int[] r = new int[n];
        for (int f = xenFrames, k = 0; f < nrFrames; f++) {
            if (owner[f] == domid) r[k++] = f;
        }
        return r;
    }

    /**
     * The owner of {@code mfn} read without the mm lock (log-dirty's write reports, on a
     * writer's thread): exact unless the frame changes hands at the same moment.
     */
    public int ownerUnlocked(long mfn) {
        return mfn >= 0 && mfn < nrFrames ? owner[(int) mfn] : OWNER_FREE;
    }

    /** Zeroes a frame; a frame the pool's RAM never committed stays uncommitted (it reads as zeros). */
    public void zero(int mfn) {
        ram.zeroPage((long) mfn << 12);
    }

    /** True for a frame of RAM (mfn_valid): not beyond the RAM, not in the MMIO hole. */
    public boolean valid(long mfn) {
        return mfn >= 0 && mfn < nrFrames && (mfn < holeStart || mfn >= LOW_LIMIT_FRAMES);
    }

    public synchronized int owner(int mfn) {
        return owner[mfn];
    }

    public synchronized int refCount(int mfn) {
        return refCount[mfn];
    }

    public synchronized int type(int mfn) {
        return type[mfn];
    }

    public synchronized int typeCount(int mfn) {
        return typeCount[mfn];
    }

    public synchronized boolean isPinned(int mfn) {
        return (type[mfn] & PageType.PINNED) != 0;
    }

    /** Sets the pinned flag (the caller holds a type reference for it). */
    public synchronized void markPinned(int mfn) {
        type[mfn] |= PageType.PINNED;
    }

    public synchronized void clearPinned(int mfn) {
        type[mfn] &= ~PageType.PINNED;
    }

    // ---- M2P ----

    private long m2pAddress(long mfn) {
        return ((long) m2pFirst << 12) + mfn * 4;
    }

    public void m2pSet(int mfn, int pfn) {
        ram.write32(m2pAddress(mfn), pfn);
    }

    public int m2pGet(int mfn) {
        return ram.read32(m2pAddress(mfn));
    }

    public int m2pFirstFrame() {
        return m2pFirst;
    }

    public int m2pFrameCount() {
        return m2pFrames;
    }

    /** The L1 that maps the {@code i}-th 2 MiB of the M2P area, or -1. */
    public int m2pL1(int i) {
        return i < m2pL1.length ? m2pL1[i] : -1;
    }

    public int zeroFrame() {
        return zeroFrame;
    }

    public int reservedGdtFrame() {
        return reservedGdtFrame;
    }

    /** Highest machine frame number (XENMEM_maximum_ram_page). */
    public int maxRamPage() {
        return nrFrames;
    }
}
