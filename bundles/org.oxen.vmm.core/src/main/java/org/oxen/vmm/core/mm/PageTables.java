package org.oxen.vmm.core.mm;

import static org.oxen.vmm.abi.Errno.EBUSY;
import static org.oxen.vmm.abi.Errno.EINVAL;
import static org.oxen.vmm.abi.Errno.EPERM;

import org.oxen.vmm.abi.Xen;
import org.oxen.x86.api.Ram;

/**
 * Page types and reference counts, and the validation of PAE page tables (Xen's mm.c:
 * get_page / get_page_type, alloc_lN_table / free_lN_table, get_page_from_lNe, mod_lN_entry).
 *
 * <p>The rules: a guest maps only frames it owns; a frame with a page-table or descriptor type
 * is never mapped writable (the type of a frame is exclusive and counted); an L2 reached from
 * the fourth L3 slot carries Xen's mappings in slots 428..511 (the M2P read-only and the
 * per-domain GDT/LDT area) and may not be shared with another L3 slot; guests cannot change
 * those slots nor L3 slot 3. Validation takes a type reference on every table an entry points
 * at and a general (plus, for RW, a writable-type) reference on every mapped frame; tearing a
 * table down returns them.
 *
 * <p>Errors as Xen (4.2 on) returns them: type conflicts -EINVAL, a writable mapping of a typed frame
 * or a mapping of another domain's frame -EBUSY, non-RAM frames -EPERM, reserved bits -EINVAL,
 * Xen-private L2 slots -EPERM.
 *
 * <p>Locking: all methods must be called holding the {@link FramePool} monitor (lock order:
 * the {@link org.oxen.vmm.core} package documentation).
 */
public final class PageTables {

    /** First L2 slot (of the L2 under L3 slot 3) that belongs to Xen: 0xF5800000. */
    public static final int XEN_L2_FIRST_SLOT = (Xen.HYPERVISOR_VIRT_START >>> 21) & 511;
    /** L2 slot of the per-domain area (0xF6800000). */
    public static final int PERDOMAIN_SLOT = (DomainMemory.PERDOMAIN_VIRT_START >>> 21) & 511;

    /** Entry flags (low 12 bits and bits 52..63 folded into bits 12..23) a guest may not set. */
    private static final int L1_DISALLOW = 0x7FF000;
    private static final int L2_DISALLOW = 0x7FF000 | (int) Xen.PTE_PSE | (int) Xen.PTE_G;
    private static final int L3_DISALLOW = 0xFFF000 | 0x1FE;

    /** Told when a grant PTE goes other than through GNTTABOP_unmap_grant_ref. */
    @FunctionalInterface
    public interface ImplicitGrantUnmap {
        /** The page tables of domain {@code domid} dropped a grant mapping (runs under the mm lock: no locks). */
        void implicitUnmap(int domid, long pte);
    }

    private final FramePool pool;
    private final Ram ram;
    private volatile ImplicitGrantUnmap implicitGrantUnmap = (d, e) -> { };
    /**
     * The machine addresses of the L1 entries the grant-table code wrote (PV grant mappings):
     * Xen marks them with _PAGE_GNTTAB, PTE bit 62, which the hardware ignores in the long-mode
     * tables a 64-bit Xen runs 32-bit guests on; in true PAE paging that bit is reserved, so oxen
     * keeps the set beside the tables. The references of such an entry belong to the grant's
     * maptrack entry, not to the page table.
     */
    private final LongSet grantPtes = new LongSet();

    public PageTables(FramePool pool) {
        this.pool = pool;
        this.ram = pool.ram();
    }

    public void setImplicitGrantUnmap(ImplicitGrantUnmap h) {
        this.implicitGrantUnmap = h;
    }

    public FramePool pool() {
        return pool;
    }

    static int flags(long e) {
        return (int) (e & 0xFFF) | (int) ((e >>> 52) & 0xFFF) << 12;
    }

    static long mfnOf(long e) {
        return (e & Xen.PTE_ADDR_MASK) >>> 12;
    }

    // ---- general references ----

    /** get_page: a reference on a frame {@code d} owns; false if it does not own it. */
    public boolean getPage(long mfn, DomainMemory d) {
        if (!pool.valid(mfn)) return false;
        int f = (int) mfn;
        if (pool.owner[f] != d.domid || pool.refCount[f] <= 0) return false;
        pool.refCount[f]++;
        return true;
    }

    public void putPage(int mfn) {
        int c = --pool.refCount[mfn];
        if (c < 0) {
            throw new IllegalStateException("reference count of frame " + mfn + " below zero");
        }
        if (c == 0 && pool.keptForGrants[mfn]) {
            pool.free(mfn); // a destroyed domain's frame: its last grant reference went
        }
    }

    /** The grant code wrote a grant PTE at machine address {@code pa}. */
    public void markGrantPte(long pa) {
        grantPtes.add(pa);
    }

    /** The grant PTE at {@code pa} went through the grant code; false if {@code pa} holds none. */
    public boolean unmarkGrantPte(long pa) {
        return grantPtes.remove(pa);
    }

    /**
     * A domain's frames are about to go back to the pool: no grant-PTE mark in them may outlive
     * it (a mark the maptrack lost track of would crash the frame's next owner when it rewrote
     * that entry). Returns how many were left. Under the mm lock.
     */
    public int unmarkGrantPtesOf(int domid) {
        return grantPtes.removeIf(pa -> pool.owner((int) (pa >>> 12)) == domid);
    }

    public boolean isGrantPte(long pa) {
        return grantPtes.contains(pa);
    }

    /** get_page on a frame {@code owner} owns (the grant code's get_paged_frame); false if not its frame. */
    public boolean getPageOf(int mfn, int owner) {
        if (!pool.valid(mfn) || pool.owner[mfn] != owner || pool.refCount[mfn] <= 0 || pool.keptForGrants[mfn]) {
            return false;
        }
        pool.refCount[mfn]++;
        return true;
    }

    /** One more reference on a frame the caller already holds one on (a pinned grant's frame). */
    public void getPageRef(int mfn) {
        if (pool.refCount[mfn] <= 0) throw new IllegalStateException("frame " + mfn + " has no reference to add to");
        pool.refCount[mfn]++;
    }

    /**
     * steal_page for GNTTABOP_transfer: true if {@code owner} owns the frame and nothing but its
     * allocation holds it (no mapping, no type); it then belongs to nobody until
     * {@link #assignPage} or {@link FramePool#free}.
     */
    public boolean stealPage(int mfn, int owner) {
        if (pool.owner[mfn] != owner || pool.refCount[mfn] != 1 || pool.typeCount[mfn] != 0 || pool.keptForGrants[mfn]) {
            return false;
        }
        return true;
    }

    /** assign_pages of a stolen frame to {@code domid}: its allocation reference only. */
    public void assignPage(int mfn, int domid) {
        pool.owner[mfn] = domid;
        pool.refCount[mfn] = 1;
        pool.type[mfn] = PageType.NONE;
        pool.typeCount[mfn] = 0;
    }

    // ---- type references ----

    /**
     * get_page_type: takes a type reference, validating the frame first if it gets a page-table
     * or descriptor type now. 0 or -errno.
     */
    public int getPageType(int mfn, int t, DomainMemory d) {
        int c = pool.typeCount[mfn];
        if (c == 0) {
            if (t != PageType.WRITABLE && d != null) d.flushBeforeRetype();
            pool.type[mfn] = t;
            pool.typeCount[mfn] = 1;
            if (t != PageType.WRITABLE) {
                int rc = validate(mfn, t, d);
                if (rc != 0) {
                    pool.type[mfn] = PageType.NONE;
                    pool.typeCount[mfn] = 0;
                    return rc;
                }
            }
            return 0;
        }
        if ((pool.type[mfn] & (PageType.TYPE_MASK | PageType.PAE_XEN_L2)) != t) {
            return -EINVAL;
        }
        pool.typeCount[mfn] = c + 1;
        return 0;
    }

    public void putPageType(int mfn, DomainMemory d) {
        int c = pool.typeCount[mfn] - 1;
        if (c < 0) {
            throw new IllegalStateException("type count of frame " + mfn + " below zero");
        }
        if (c == 0) {
            int t = pool.type[mfn];
            if ((t & PageType.TYPE_MASK) == PageType.WRITABLE && d != null) d.writableDropped();
            pool.typeCount[mfn] = 0;
            pool.type[mfn] = PageType.NONE;
            devalidate(mfn, t, d);
        } else {
            pool.typeCount[mfn] = c;
        }
    }

    /** get_page_and_type: -EINVAL for a frame the domain does not own. */
    public int getPageAndType(long mfn, int t, DomainMemory d) {
        if (!getPage(mfn, d)) return -EINVAL;
        int rc = getPageType((int) mfn, t, d);
        if (rc != 0) putPage((int) mfn);
        return rc;
    }

    public void putPageAndType(int mfn, DomainMemory d) {
        putPageType(mfn, d);
        putPage(mfn);
    }

    /**
     * share_xen_page_with_guest: a frame the hypervisor writes on {@code d}'s behalf (shared_info)
     * takes a permanent writable type reference, so it can never be validated as a page table or
     * descriptor page (every such request meets a type conflict: -EINVAL) however the guest maps
     * it. The allocation's general reference stays the only one; the type reference goes with
     * the frame at destruction.
     */
    public void shareXenPage(int mfn, DomainMemory d) {
        if (pool.owner[mfn] != d.domid || pool.typeCount[mfn] != 0) {
            throw new IllegalStateException("frame " + mfn + " cannot be shared with d" + d.domid + ": owner "
                    + pool.owner[mfn] + ", type " + PageType.name(pool.type[mfn]) + " x" + pool.typeCount[mfn]);
        }
        pool.type[mfn] = PageType.WRITABLE;
        pool.typeCount[mfn] = 1;
    }

    // ---- entries ----

    /** get_page_from_l1e. */
    public int getL1e(long e, DomainMemory d) {
        if ((e & Xen.PTE_P) == 0) return 0;
        if ((flags(e) & L1_DISALLOW) != 0) return -EINVAL;
        long mfn = mfnOf(e);
        if (!pool.valid(mfn)) return -EPERM; // I/O memory: no iomem permission
        if (!getPage(mfn, d)) return -EBUSY;
        if ((e & Xen.PTE_RW) != 0 && getPageType((int) mfn, PageType.WRITABLE, d) != 0) {
            putPage((int) mfn);
            return -EBUSY;
        }
        return 0;
    }

    /** put_page_from_l1e of the entry {@code e} that was at machine address {@code pa}. */
    public void putL1e(long e, DomainMemory d, long pa) {
        if ((e & Xen.PTE_P) == 0) return;
        if (grantPtes.size() != 0 && grantPtes.remove(pa)) {
            // "Attempt to implicitly unmap a granted PTE"; the grant keeps its references
            implicitGrantUnmap.implicitUnmap(d.domid, e);
            return;
        }
        int mfn = (int) mfnOf(e);
        if ((e & Xen.PTE_RW) != 0) putPageType(mfn, d);
        putPage(mfn);
        if (d != null) d.mappingDropped();
    }

    /** get_page_from_l2e. */
    public int getL2e(long e, DomainMemory d) {
        if ((e & Xen.PTE_P) == 0) return 0;
        if ((flags(e) & L2_DISALLOW) != 0) return -EINVAL;
        return getPageAndType(mfnOf(e), PageType.L1, d);
    }

    public void putL2e(long e, DomainMemory d) {
        if ((e & Xen.PTE_P) != 0) putPageAndType((int) mfnOf(e), d);
    }

    /** get_page_from_l3e (PAE): slot 3 must be present and its L2 unshared. */
    public int getL3e(long e, int slot, DomainMemory d) {
        if ((e & Xen.PTE_P) == 0) return slot == 3 ? -EINVAL : 0;
        if ((flags(e) & L3_DISALLOW) != 0) return -EINVAL;
        int t = slot == 3 ? PageType.L2 | PageType.PAE_XEN_L2 : PageType.L2;
        int rc = getPageAndType(mfnOf(e), t, d);
        if (rc == 0 && slot == 3 && pool.typeCount[(int) mfnOf(e)] != 1) {
            // "PAE L3 3rd slot is shared"
            putPageAndType((int) mfnOf(e), d);
            return -EINVAL;
        }
        return rc;
    }

    public void putL3e(long e, DomainMemory d) {
        if ((e & Xen.PTE_P) != 0) putPageAndType((int) mfnOf(e), d);
    }

    // ---- whole tables ----

    private int validate(int mfn, int t, DomainMemory d) {
        long base = (long) mfn << 12;
        switch (t & PageType.TYPE_MASK) {
            case PageType.L1:
                for (int i = 0; i < 512; i++) {
                    int rc = getL1e(ram.read64(base + i * 8L), d);
                    if (rc != 0) {
                        while (--i >= 0) putL1e(ram.read64(base + i * 8L), d, base + i * 8L);
                        return rc == -EBUSY || rc == -EPERM ? rc : -EINVAL;
                    }
                }
                return 0;
            case PageType.L2: {
                boolean xen = (t & PageType.PAE_XEN_L2) != 0;
                int n = xen ? XEN_L2_FIRST_SLOT : 512;
                for (int i = 0; i < n; i++) {
                    int rc = getL2e(ram.read64(base + i * 8L), d);
                    if (rc != 0) {
                        while (--i >= 0) putL2e(ram.read64(base + i * 8L), d);
                        return -EINVAL;
                    }
                }
                if (xen) writeXenSlots(mfn, d);
                return 0;
            }
            case PageType.L3:
                for (int i = 0; i < 4; i++) {
                    int rc = getL3e(ram.read64(base + i * 8L), i, d);
                    if (rc != 0) {
                        while (--i >= 0) putL3e(ram.read64(base + i * 8L), d);
                        return -EINVAL;
                    }
                }
                return 0; // entries beyond the four PDPTEs are not part of a PAE L3
            case PageType.SEG_DESC:
                for (int i = 0; i < 512; i++) {
                    long desc = ram.read64(base + i * 8L);
                    long ok = Descriptors.check(desc);
                    if (ok == Descriptors.BAD) return -EINVAL;
                }
                for (int i = 0; i < 512; i++) {
                    ram.write64(base + i * 8L, Descriptors.check(ram.read64(base + i * 8L)));
                }
                return 0;
            default:
                return 0;
        }
    }

    private void devalidate(int mfn, int t, DomainMemory d) {
        long base = (long) mfn << 12;
        switch (t & PageType.TYPE_MASK) {
            case PageType.L1:
                for (int i = 0; i < 512; i++) putL1e(ram.read64(base + i * 8L), d, base + i * 8L);
                break;
            case PageType.L2: {
                int n = (t & PageType.PAE_XEN_L2) != 0 ? XEN_L2_FIRST_SLOT : 512;
                for (int i = 0; i < n; i++) putL2e(ram.read64(base + i * 8L), d);
                if ((t & PageType.PAE_XEN_L2) != 0) {
                    for (int i = XEN_L2_FIRST_SLOT; i < 512; i++) ram.write64(base + i * 8L, 0);
                }
                break;
            }
            case PageType.L3:
                for (int i = 0; i < 4; i++) putL3e(ram.read64(base + i * 8L), d);
                break;
            default:
                break;
        }
    }

    /** Fills Xen's slots of an L2 under L3 slot 3 (init_xen_pae_l2_slots). */
    public void writeXenSlots(int l2, DomainMemory d) {
        long base = (long) l2 << 12;
        for (int i = XEN_L2_FIRST_SLOT; i < 512; i++) {
            long e = 0;
            int m2p = pool.m2pL1(i - XEN_L2_FIRST_SLOT);
            if (i < PERDOMAIN_SLOT && m2p >= 0) {
                e = ((long) m2p << 12) | Xen.PTE_P | Xen.PTE_A;
            } else if (i >= PERDOMAIN_SLOT && d.perdomainL1(i - PERDOMAIN_SLOT) >= 0) {
                e = ((long) d.perdomainL1(i - PERDOMAIN_SLOT) << 12) | Xen.PTE_P | Xen.PTE_A;
            }
            ram.write64(base + i * 8L, e);
        }
    }

    // ---- single-entry updates (mmu_update, update_va_mapping) ----

    /** mod_l1_entry: the entry at machine address {@code pa} (in an L1 of d) becomes {@code nv}. */
    public int modL1e(long pa, long nv, DomainMemory d, boolean preserveAd) {
        long old = ram.read64(pa);
        if (preserveAd) nv |= old & (Xen.PTE_A | Xen.PTE_D);
        int rc = getL1e(nv, d);
        if (rc != 0) return rc;
        ram.write64(pa, nv);
        putL1e(old, d, pa);
        return 0;
    }

    /** mod_l2_entry; {@code xenL2}: the table carries Xen's slots. */
    public int modL2e(long pa, long nv, DomainMemory d, boolean xenL2) {
        int slot = (int) (pa & 0xFFF) >>> 3;
        if (xenL2 && slot >= XEN_L2_FIRST_SLOT) return -EPERM;
        long old = ram.read64(pa);
        int rc = getL2e(nv, d);
        if (rc != 0) return rc;
        ram.write64(pa, nv);
        putL2e(old, d);
        return 0;
    }

    /** mod_l3_entry (PAE): slot 3 may not change; slots beyond 3 are not entries. */
    public int modL3e(long pa, long nv, DomainMemory d) {
        int slot = (int) (pa & 0xFFF) >>> 3;
        if (slot >= 3) return -EINVAL;
        long old = ram.read64(pa);
        int rc = getL3e(nv, slot, d);
        if (rc != 0) return rc;
        ram.write64(pa, nv);
        putL3e(old, d);
        return 0;
    }
}
