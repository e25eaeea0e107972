package org.oxen.vmm.core.mm;

import java.util.Arrays;

import org.oxen.vmm.abi.Xen;

/**
 * A domain's memory: its P2M (pseudo-physical frame -> machine frame, the hypervisor's copy,
 * kept consistent with the M2P), the frames it owns beyond its reservation (shared_info), and
 * the per-domain L1 that maps its vcpus' GDT and LDT frames into the hypervisor hole.
 *
 * <p>Per-domain area (Xen-owned L1s from {@link PageTables#PERDOMAIN_SLOT}, i.e. virtual
 * 0xF6800000, one per 16 vcpus: {@link #PERDOMAIN_L1S} for {@link #MAX_VCPUS}): vcpu {@code v}
 * has 32 pages at {@code 0xF6800000 + v * 128 KiB}: 16 GDT pages (guest frames 0..13, Xen's
 * reserved page 14, a zero page 15) then 16 LDT pages.
 *
 * <p>Locking: the P2M, the reservation counts, the per-domain frames and the flush bookkeeping
 * change under the mm lock (the {@link FramePool} monitor); the vcpus' lookups read the P2M
 * without it. What they read unlocked is published whole: the log-dirty bitmap and an HVM
 * domain's pages above its RAM ({@code high}, copied on write) are volatile references.
 */
public final class DomainMemory {

    public static final int PERDOMAIN_VIRT_START = 0xF6800000;
    public static final int PAGES_PER_VCPU = 32;
    public static final int GDT_PAGES = 16;
    public static final int LDT_OFFSET_PAGES = 16;
    /** Vcpus a domain may have: those with a vcpu_info slot in shared_info (XEN_LEGACY_MAX_VCPUS). */
    public static final int MAX_VCPUS = Xen.LEGACY_MAX_VCPUS;
    /** L1 tables of the per-domain area at most (512 entries: 16 vcpus each). */
    public static final int PERDOMAIN_L1S = MAX_VCPUS * PAGES_PER_VCPU / 512;

    public final int domid;
    private int[] p2m;
    private int nrPages;
    /** Frames the domain holds in its reservation (Xen's d->tot_pages): what ballooning moves. */
    private int totPages;
    /** Frames owned by the domain outside its pseudo-physical space (shared_info). */
    private int[] extra = new int[0];
    private int[] perdomainL1s = new int[0];
    private int[] lowL3s = new int[0];
    /**
     * Xen's tlbflush_timestamp checks, per domain (under the mm lock): writable type references of
     * the domain that dropped to zero, and how many of them the last TLB shootdown covered. A
     * frame that was writable may still be in a vcpu's TLB as writable; before any frame takes a
     * page-table or descriptor type after such a drop, every vcpu flushes ({@link #flushBeforeRetype}).
     * Likewise mappings of any kind that went from the domain's L1s ({@link #mappingDrops}): the
     * guest flushes only what it asks for, so a translation may outlive its PTE; before one of
     * the domain's frames leaves it (decrease_reservation, exchange, grant transfer) after such a
     * drop, every vcpu flushes ({@link #flushBeforeRelease}: Xen's flush in alloc_heap_pages).
     */
    private long writableDrops, flushedDrops;
    private long mappingDrops, flushedMappingDrops;
    private Runnable tlbShootdown;
    /** The log-dirty bitmap while the domain is in log-dirty mode ({@code paging.LogDirty}), else null. */
    private volatile org.oxen.vmm.core.paging.DirtyBitmap logDirty;

    public DomainMemory(int domid, int maxPages) {
        this.domid = domid;
        this.p2m = new int[maxPages];
        Arrays.fill(p2m, -1);
    }

    /** Sets how the domain's vcpus flush their TLBs under the mm lock (the domain, once at creation). */
    public void setTlbShootdown(Runnable shootdown) {
        this.tlbShootdown = shootdown;
    }

    /** A writable type reference of one of the domain's frames went to zero (mm lock held). */
    void writableDropped() {
        writableDrops++;
    }

    /**
     * Before a frame takes a page-table or descriptor type (mm lock held): if a writable type
     * went away since the last shootdown, the vcpus flush first, so no store through a stale
     * writable translation can reach the frame once it is validated (get_page_type's flush).
     */
    void flushBeforeRetype() {
        if (writableDrops != flushedDrops && tlbShootdown != null) shootdown();
    }

    /** A present mapping went from one of the domain's L1s (mm lock held). */
    void mappingDropped() {
        mappingDrops++;
    }

    /**
     * Before a frame of the domain leaves it (mm lock held): if a mapping went away since the
     * last shootdown, the vcpus flush first, so no stale translation reaches the frame once
     * another domain (or the free pool) has it.
     */
    public void flushBeforeRelease() {
        if (mappingDrops != flushedMappingDrops && tlbShootdown != null) shootdown();
    }

    private void shootdown() {
        long writable = writableDrops, mappings = mappingDrops;
        tlbShootdown.run();
        flushedDrops = writable;
        flushedMappingDrops = mappings;
    }

    public int nrPages() {
        return nrPages;
    }

    /** Frames held (the builder's and every increase_reservation/populate_physmap, less decrease_reservation). */
    public int totPages() {
        return totPages;
    }

    /** The reservation grew or shrank by {@code n} frames. */
    public void adjustTotPages(int n) {
        totPages += n;
    }

    /** Size of the P2M array: the highest pfn the hypervisor tracks + 1. */
    public int p2mCapacity() {
        return p2m.length;
    }

    /** The pfn leaves the physmap (decrease_reservation): no machine frame behind it any more. */
    public void clearP2m(int pfn) {
        if (pfn >= 0 && pfn < p2m.length) p2m[pfn] = -1;
    }

    /** Machine frame of {@code pfn}, or -1. */
    public int p2m(int pfn) {
        if (pfn >= 0 && pfn < nrPages) return p2m[pfn];
        int[][] h = high;
        if (h == NO_HIGH) return -1;
        int i = Arrays.binarySearch(h[0], pfn);
        return i >= 0 ? h[1][i] : -1;
    }

    private static final int[][] NO_HIGH = {new int[0], new int[0]};
    /**
     * An HVM domain's guest-physical pages above its RAM that have frames (libxc's special
     * pages, add_to_physmap targets): sorted pfns and their frames, replaced as a whole (copy on
     * write) so the vcpus' lookups need no lock.
     */
    private volatile int[][] high = NO_HIGH;

    /**
     * An HVM domain's physmap change (guest_physmap_add_page / remove_page): {@code gpfn} now has
     * frame {@code mfn}, or none for -1; the M2P follows. The caller holds the mm lock and flushes
     * the domain's TLBs afterwards. Returns the frame the pfn had before, or -1.
     */
    public int hvmPhysmapSet(FramePool pool, int gpfn, int mfn) {
        int old = setEntry(gpfn, mfn);
        if (old >= 0) mappingDropped(); // a vcpu's TLB may still hold the frame: flushed before it is released
        if (old >= 0 && pool.m2pGet(old) == gpfn) pool.m2pSet(old, Xen.INVALID_M2P_ENTRY);
        if (mfn >= 0) {
            pool.m2pSet(mfn, gpfn);
            markDirty(gpfn);
        }
        return old;
    }

    /** Guest-physical pages an HVM domain has: a 32-bit physical space (no memory above 4 GiB). */
    public static final long HVM_GPFN_LIMIT = 1L << 20;

    /**
     * An HVM domain's GFNs where it mapped another domain's grant (Xen's p2m_grant_map_rw/ro
     * entries), ascending; and those of them mapped read-only. Copied on write under the mm lock,
     * read without it by the vcpus' memory ({@code P2mMemory}).
     */
    private volatile int[] grantGfns = new int[0];
    private volatile int[] readOnlyGfns = new int[0];

    /**
     * create_grant_p2m_mapping's guest_physmap_add_entry: another domain's frame {@code mfn}
     * appears at empty {@code gfn} (the caller checked it is empty and below
     * {@link #HVM_GPFN_LIMIT}; it holds the mm lock and flushes the domain's TLBs afterwards).
     * The M2P is the owner's and stays as it is.
     */
    public void hvmGrantMap(int gfn, int mfn, boolean readonly) {
        // read-only first: no vcpu may see the frame at gfn writable for a moment
        if (readonly) readOnlyGfns = insert(readOnlyGfns, -Arrays.binarySearch(readOnlyGfns, gfn) - 1, gfn);
        grantGfns = insert(grantGfns, -Arrays.binarySearch(grantGfns, gfn) - 1, gfn);
        setEntry(gfn, mfn);
    }

    /** replace_grant_p2m_mapping's guest_physmap_remove_page: the grant's {@code gfn} is a hole again. */
    public void hvmGrantUnmap(int gfn) {
        setEntry(gfn, -1);
        int i = Arrays.binarySearch(grantGfns, gfn);
        if (i >= 0) grantGfns = remove(grantGfns, i);
        i = Arrays.binarySearch(readOnlyGfns, gfn);
        if (i >= 0) readOnlyGfns = remove(readOnlyGfns, i);
    }

    /** The GFNs holding grant mappings (p2m_grant_map entries), ascending; a copy. */
    public int[] grantGfns() {
        return grantGfns.clone();
    }

    /** Whether {@code gfn} holds a grant mapping (a p2m_grant_map entry). */
    public boolean isGrantGfn(int gfn) {
        return Arrays.binarySearch(grantGfns, gfn) >= 0;
    }

    /** Whether {@code gfn} holds a read-only grant mapping: the guest's stores there are dropped. */
    public boolean isReadOnlyGfn(int gfn) {
        int[] ro = readOnlyGfns;
        return ro.length != 0 && Arrays.binarySearch(ro, gfn) >= 0;
    }

    /** Sets the P2M entry of {@code gpfn} (RAM or above it), nothing else; returns the old frame or -1. */
    private int setEntry(int gpfn, int mfn) {
        int old;
        if (gpfn >= 0 && gpfn < nrPages) {
            old = p2m[gpfn];
            p2m[gpfn] = mfn;
        } else {
            int[][] h = high;
            int i = Arrays.binarySearch(h[0], gpfn);
            old = i >= 0 ? h[1][i] : -1;
            int[] pfns = h[0], mfns = h[1];
            if (i >= 0 && mfn >= 0) {
                mfns = mfns.clone();
                mfns[i] = mfn;
            } else if (i >= 0) {
                pfns = remove(pfns, i);
                mfns = remove(mfns, i);
            } else if (mfn >= 0) {
                int at = -i - 1;
                pfns = insert(pfns, at, gpfn);
                mfns = insert(mfns, at, mfn);
            }
            high = pfns.length == 0 ? NO_HIGH : new int[][] {pfns, mfns};
        }
        return old;
    }

    /** An HVM domain's guest-physical pages above its RAM that have frames, ascending (save). */
    public int[] highPfns() {
        return high[0].clone();
    }

    private static int[] remove(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

    private static int[] insert(int[] a, int i, int v) {
        int[] r = new int[a.length + 1];
        System.arraycopy(a, 0, r, 0, i);
        r[i] = v;
        System.arraycopy(a, i, r, i + 1, a.length - i);
        return r;
    }

    public org.oxen.vmm.core.paging.DirtyBitmap logDirty() {
        return logDirty;
    }

    /** Set by {@code paging.LogDirty} under this object's monitor (the log-dirty lock). */
    public void setLogDirty(org.oxen.vmm.core.paging.DirtyBitmap bitmap) {
        logDirty = bitmap;
    }

    /** A pfn got a (new) frame: in log-dirty mode it is dirty (Xen's paging_mark_pfn_dirty). */
    private void markDirty(int pfn) {
        org.oxen.vmm.core.paging.DirtyBitmap bm = logDirty;
        if (bm != null) bm.mark(pfn & 0xFFFFFFFFL);
    }

    /** Records pfn -> mfn here and mfn -> pfn in the M2P (a pfn changing frames is dirty in log-dirty mode). */
    public void setP2m(FramePool pool, int pfn, int mfn) {
        markDirty(pfn);
        if (pfn < 0 || pfn >= p2m.length) { // beyond the boot physmap (a pfn the guest chose): the M2P records it
            pool.m2pSet(mfn, pfn);
            return;
        }
        p2m[pfn] = mfn;
        if (pfn >= nrPages) {
            nrPages = pfn + 1;
        }
        pool.m2pSet(mfn, pfn);
    }

    /** Keeps the hypervisor's P2M in step with a guest's MMU_MACHPHYS_UPDATE. */
    public void machphysUpdate(FramePool pool, int mfn, int pfn) {
        markDirty(pfn);
        int old = pool.m2pGet(mfn);
        if (old >= 0 && old < nrPages && p2m[old] == mfn) {
            p2m[old] = -1;
        }
        if (pfn >= 0 && pfn < nrPages) {
            p2m[pfn] = mfn;
        }
        pool.m2pSet(mfn, pfn);
    }

    public void addExtra(int mfn) {
        extra = Arrays.copyOf(extra, extra.length + 1);
        extra[extra.length - 1] = mfn;
    }

    /** The per-domain area's L1s in order (Xen frames), empty before the builder set them. */
    public int[] perdomainL1s() {
        return perdomainL1s.clone();
    }

    /** The number of per-domain L1s {@code vcpus} vcpus need. */
    public static int perdomainL1sFor(int vcpus) {
        return (vcpus * PAGES_PER_VCPU + 511) / 512;
    }

    public void setPerdomainL1s(int[] mfns) {
        perdomainL1s = mfns.clone();
    }

    /**
     * Per vcpu, the Xen frame below 4 GiB that holds a copy of the vcpu's L3 when that L3 lies
     * above 4 GiB (what the PAE CR3 points at; {@code PvVcpu.loadCr3}); empty when the machine
     * memory ends below 4 GiB.
     */
    public int[] lowL3s() {
        return lowL3s.clone();
    }

    public void setLowL3s(int[] mfns) {
        lowL3s = mfns.clone();
    }

    /** Vcpu {@code v}'s low L3 frame. */
    public int lowL3(int v) {
        if (v >= lowL3s.length) throw new IllegalStateException("vcpu " + v + " has no L3 frame below 4 GiB");
        return lowL3s[v];
    }

    /** The per-domain L1 mapping hole slot {@code PERDOMAIN_SLOT + i}, or -1. */
    public int perdomainL1(int i) {
        return i < perdomainL1s.length ? perdomainL1s[i] : -1;
    }

    /** Linear address of vcpu {@code v}'s GDT in the hole. */
    public static int gdtVirt(int v) {
        return PERDOMAIN_VIRT_START + v * PAGES_PER_VCPU * Xen.PAGE_SIZE;
    }

    public static int ldtVirt(int v) {
        return gdtVirt(v) + LDT_OFFSET_PAGES * Xen.PAGE_SIZE;
    }

    /** Points slot {@code page} of vcpu {@code v}'s area at {@code mfn} (read-only, supervisor). */
    public void mapPerdomain(FramePool pool, int v, int page, int mfn) {
        long e = mfn < 0 ? 0 : ((long) mfn << 12) | Xen.PTE_P | Xen.PTE_A;
        int index = v * PAGES_PER_VCPU + page;
        pool.ram().write64(((long) perdomainL1s[index >>> 9] << 12) + (index & 511) * 8L, e);
    }

}
