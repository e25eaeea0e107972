package org.oxen.vmm.core.grant;

import static org.oxen.vmm.abi.GrantTable.GNTST_BAD_COPY_ARG;
import static org.oxen.vmm.abi.GrantTable.GNTST_BAD_DOMAIN;
import static org.oxen.vmm.abi.GrantTable.GNTST_BAD_GNTREF;
import static org.oxen.vmm.abi.GrantTable.GNTST_BAD_PAGE;
import static org.oxen.vmm.abi.GrantTable.GNTST_EAGAIN;
import static org.oxen.vmm.abi.GrantTable.GNTST_GENERAL_ERROR;
import static org.oxen.vmm.abi.GrantTable.GNTST_OKAY;
import static org.oxen.vmm.abi.GrantTable.GNTST_PERMISSION_DENIED;
import static org.oxen.vmm.abi.GrantTable.GTF_ACCEPT_TRANSFER;
import static org.oxen.vmm.abi.GrantTable.GTF_TRANSFER_COMMITTED;
import static org.oxen.vmm.abi.GrantTable.GTF_TRANSFER_COMPLETED;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.mm.PageType;

/**
 * The hypervisor's grant tables (xen/common/grant_table.c, v1): every domain's
 * {@link GrantTable}, and the operations that pin and release grants for maps and copies,
 * grow and query tables, transfer pages, swap entries, and clean up after a destroyed domain.
 * The hypercall decoding is in {@code hypercall.GrantHypercalls}, PV mappings in
 * {@link GrantPte}, Domain-0's Java mappings in {@link Dom0Grants}.
 *
 * <p>Design (references as Xen counts them): every pin of a grant holds one page reference on
 * the granted frame per map flag (host, device) or per copy in progress, and a writable type
 * reference for each write access; the active entry records both ({@code actRefs},
 * {@code actTypeRefs}). So while a grant is mapped its frame cannot be freed, ballooned out
 * (decrease_reservation refuses a frame with more than its allocation reference), transferred
 * or re-typed as a page table, and the granting domain's clearing of GTF_permit_access changes
 * nothing until the last unmap. When the granting domain is destroyed, its pinned frames are
 * kept out of the pool with exactly the grants' references ({@link FramePool#keepForGrants}),
 * and return to it when the last of them goes; its table is dead: new maps and copies get
 * GNTST_bad_domain, unmaps work.
 *
 * <p>Locking: a table's monitor, then the mm lock (the {@link FramePool} monitor); see
 * {@link GrantTable} and the {@link org.oxen.vmm.core} package documentation.
 */
public final class Grants {

    private final FramePool pool;
    private final PageTables pt;
    private final IntFunction<DomainImpl> domains;
    /** Every domain's table, and dead tables whose frames are still pinned. */
    private final Map<Integer, GrantTable> tables = new ConcurrentHashMap<>();
    private final GrantTable dom0;

    public Grants(FramePool pool, PageTables pt, IntFunction<DomainImpl> domains) {
        this.pool = pool;
        this.pt = pt;
        this.domains = domains;
        this.dom0 = new GrantTable(0, null, pool.ram());
    }

    FramePool pool() {
        return pool;
    }

    PageTables pageTables() {
        return pt;
    }

    /** Domain-0's table: its maptrack only (the Java host grants nothing yet). */
    GrantTable dom0() {
        return dom0;
    }

    /**
     * grant_table_init: a new domain's table with its initial frame (owned by the domain, with a
     * permanent writable type reference as share_xen_page_with_guest gives it, so it can never
     * become a page table). Returns null when no frame is free.
     */
    public GrantTable create(DomainImpl d) {
        GrantTable gt = new GrantTable(d.id(), d, pool.ram());
        synchronized (gt) {
            if (grow(gt, GrantTable.INITIAL_FRAMES) != GNTST_OKAY) return null;
        }
        tables.put(d.id(), gt);
        return gt;
    }

    /** The table of {@code domid} (maybe dead), or null. */
    public GrantTable table(int domid) {
        return domid == 0 ? dom0 : tables.get(domid);
    }

    /**
     * The frames of live domain {@code domid}'s grant table, grown first to at least
     * {@code atLeast} frames as GNTTABOP_setup_table grows it for the guest; null for no such
     * live domain or no free frame. What a guest writes its grant entries into: Java code
     * playing a guest's part (the Java frontends of tests) uses it as the guest would.
     */
    public int[] tableFrames(int domid, int atLeast) {
        GrantTable gt = liveTable(domid);
        if (gt == null) return null;
        synchronized (gt) {
            if (grow(gt, Math.min(atLeast, GrantTable.MAX_FRAMES)) != GNTST_OKAY) return null;
            return gt.framesCopy();
        }
    }

    /** A live domain's table for a new pin, or null (no such domain, dying, or dead). */
    GrantTable liveTable(int domid) {
        GrantTable gt = tables.get(domid);
        if (gt == null || gt.domain == null || gt.domain.isDying()) return null;
        return gt;
    }

    /**
     * gnttab_map_frame for XENMAPSPACE_grant_table (v1 shared frames): the machine frame of
     * shared frame {@code idx} of {@code d}'s table, grown to {@code idx + 1} frames if needed;
     * -1 if the table cannot have that frame (beyond {@link GrantTable#MAX_FRAMES}, no memory,
     * no live table).
     */
    public int sharedFrame(DomainImpl d, int idx) {
        GrantTable gt = tables.get(d.id());
        if (gt == null || idx < 0 || idx >= GrantTable.MAX_FRAMES) return -1;
        synchronized (gt) {
            if (gt.dead || grow(gt, idx + 1) != GNTST_OKAY) return -1;
            return gt.frame(idx);
        }
    }

    /** Whether {@code mfn} is one of the shared frames of {@code d}'s table. */
    public boolean isSharedFrame(DomainImpl d, int mfn) {
        GrantTable gt = tables.get(d.id());
        if (gt == null) return false;
        synchronized (gt) {
            for (int f : gt.framesCopy()) {
                if (f == mfn) return true;
            }
            return false;
        }
    }

    /** gnttab_grow_table to {@code n} frames (caller holds the table's monitor). */
    int grow(GrantTable gt, int n) {
        while (gt.nrFrames() < n) {
            int mfn;
            synchronized (pool) {
                mfn = pool.alloc(gt.domid);
                if (mfn < 0) return GNTST_GENERAL_ERROR;
                pt.shareXenPage(mfn, gt.domain.memory());
            }
            gt.domain.memory().addExtra(mfn);
            gt.addFrame(mfn);
        }
        return GNTST_OKAY;
    }

    // ---- pinning (map_grant_ref, acquire_grant_for_copy) and release ----

    /**
     * Pins grant {@code ref} of {@code rgt} for domain {@code ldomid}: the checks of map_grant_ref
     * (mapflag) or acquire_grant_for_copy, the GTF_reading/GTF_writing update, then
     * {@code refs} page references and {@code typeRefs} writable type references on the frame
     * and {@code inc} added to the pin. Returns the frame (>= 0) or a GNTST_ code.
     */
    int acquire(GrantTable rgt, int ref, int ldomid, boolean readonly, boolean mapflag, int inc, int refs,
            int typeRefs) {
        synchronized (rgt) {
            if (rgt.dead || rgt.domain == null || rgt.domain.isDying()) return GNTST_BAD_DOMAIN;
            if (ref < 0 || ref >= rgt.nrEntries()) return GNTST_BAD_GNTREF;
            int pin = rgt.pin[ref];
            if (pin != 0 && (rgt.actDomid[ref] != ldomid || (pin & GrantTable.PIN_OVERFLOW) != 0)) {
                return GNTST_GENERAL_ERROR;
            }
            if (pin == 0 || (!readonly && (pin & GrantTable.WRITE_PINS) == 0)) {
                int rc = rgt.setStatus(ref, readonly, mapflag, ldomid);
                if (rc != GNTST_OKAY) return rc;
            }
            int rc = GNTST_OKAY;
            int mfn;
            synchronized (pool) {
                // get_paged_frame: a translated (HVM) granter's entry names a GFN, its P2M the frame
                mfn = pin != 0 ? rgt.actMfn[ref]
                        : rgt.domain.translated() ? rgt.domain.memory().p2m(rgt.entryFrame(ref)) : rgt.entryFrame(ref);
                if (pin == 0 && (!pool.valid(mfn & 0xFFFFFFFFL) || !pt.getPageOf(mfn, rgt.domid))) {
                    rc = GNTST_BAD_PAGE; // get_paged_frame: not a frame of the granting domain
                } else {
                    if (pin != 0) pt.getPageRef(mfn);
                    int taken = 1;
                    for (; taken < refs; taken++) pt.getPageRef(mfn);
                    int types = 0;
                    for (; types < typeRefs; types++) {
                        if (pt.getPageType(mfn, PageType.WRITABLE, null) != 0) break;
                    }
                    if (types < typeRefs) { // could_not_pin: a page table or descriptor page
                        while (types-- > 0) pt.putPageType(mfn, null);
                        while (taken-- > 0) pt.putPage(mfn);
                        rc = GNTST_GENERAL_ERROR;
                    }
                }
            }
            if (rc != GNTST_OKAY) {
                rgt.clearFlagsAfterUnpin(ref, !readonly); // unlock_out_clear (the pin is unchanged)
                return rc;
            }
            if (pin == 0) {
                rgt.actMfn[ref] = mfn;
                rgt.actDomid[ref] = ldomid;
            }
            rgt.addPin(ref, inc);
            rgt.actRefs[ref] += refs;
            rgt.actTypeRefs[ref] += typeRefs;
            return mfn;
        }
    }

    /** Undoes an {@link #acquire} (unmap_common_complete, release_grant_for_copy). */
    void release(GrantTable rgt, int ref, boolean readonly, int inc, int refs, int typeRefs) {
        synchronized (rgt) {
            int mfn = rgt.actMfn[ref];
            rgt.removePin(ref, inc);
            rgt.actRefs[ref] -= refs;
            rgt.actTypeRefs[ref] -= typeRefs;
            synchronized (pool) {
                for (int i = 0; i < typeRefs; i++) pt.putPageType(mfn, null);
                for (int i = 0; i < refs; i++) pt.putPage(mfn);
            }
            rgt.clearFlagsAfterUnpin(ref, !readonly);
            if (rgt.dead && rgt.pinned == 0) tables.remove(rgt.domid, rgt);
        }
    }

    /** The frame a pinned entry holds (for unmap's checks), under the table's monitor. */
    int activeFrame(GrantTable rgt, int ref) {
        synchronized (rgt) {
            return ref >= 0 && ref < rgt.pin.length && rgt.pin[ref] != 0 ? rgt.actMfn[ref] : -1;
        }
    }

    // ---- copy (gnttab_copy_claim_buf for a frame the caller names) ----

    /**
     * A frame of the calling domain named by number (GNTCOPY without the gref flag): a page
     * reference, and a writable type reference for a destination. Returns the frame or a GNTST code.
     */
    int claimOwnFrame(DomainImpl d, long gmfnArg, boolean dest) {
        synchronized (pool) {
            // get_paged_frame: a translated (HVM) caller names a GFN, its P2M the frame (a hole,
            // or another domain's grant mapped there, is not a frame of the caller's)
            long gmfn = !d.translated() ? gmfnArg
                    : gmfnArg >= 0 && gmfnArg < DomainMemory.HVM_GPFN_LIMIT ? d.memory().p2m((int) gmfnArg) : -1;
            if (gmfn < 0 || !pool.valid(gmfn) || !pt.getPageOf((int) gmfn, d.id())) return GNTST_BAD_PAGE;
            if (dest && pt.getPageType((int) gmfn, PageType.WRITABLE, null) != 0) {
                pt.putPage((int) gmfn);
                return GNTST_GENERAL_ERROR;
            }
            return (int) gmfn;
        }
    }

    void releaseOwnFrame(int mfn, boolean dest) {
        synchronized (pool) {
            if (dest) pt.putPageType(mfn, null);
            pt.putPage(mfn);
        }
    }

    /** gnttab_copy_buf's bounds: no part of either range beyond its page. */
    static int checkCopyBounds(long srcOff, long dstOff, long len) {
        if (srcOff + len > 4096 || dstOff + len > 4096) return GNTST_BAD_COPY_ARG;
        return GNTST_OKAY;
    }

    // ---- setup_table, query_size, swap, transfer ----

    /**
     * The table a domid field names for the calling domain (rcu_lock_domain_by_any_id plus the
     * XSM_TARGET check of an unprivileged caller): {@code status[0]} is GNTST_bad_domain or
     * GNTST_permission_denied when null.
     */
    GrantTable target(DomainImpl caller, int domid, int[] status) {
        domid &= 0xFFFF;
        if (domid == Xen.DOMID_SELF || domid == caller.id()) return caller.grants();
        // Domain-0 (the Java host) exists: refused as another domain, not as none
        status[0] = domid != 0 && domains.apply(domid) == null ? GNTST_BAD_DOMAIN : GNTST_PERMISSION_DENIED;
        return null;
    }

    /** swap_grant_ref: both refs in range and unpinned (else GNTST_eagain). */
    int swap(GrantTable gt, int a, int b) {
        synchronized (gt) {
            if (a < 0 || a >= gt.nrEntries() || b < 0 || b >= gt.nrEntries()) return GNTST_BAD_GNTREF;
            if (a == b) return GNTST_OKAY;
            if (gt.pin[a] != 0 || gt.pin[b] != 0) return GNTST_EAGAIN;
            long ea = gt.entryRaw(a);
            gt.setEntryRaw(a, gt.entryRaw(b));
            gt.setEntryRaw(b, ea);
            return GNTST_OKAY;
        }
    }

    /**
     * gnttab_transfer of the caller's frame {@code mfn} to domain {@code domid}, whose grant
     * {@code ref} must be GTF_accept_transfer for the caller. As in Xen the frame is taken from
     * the caller first (steal_page: nothing but its allocation may hold it) and freed if the
     * transfer then fails.
     */
    int transfer(DomainImpl d, long mfnArg, int domid, int ref) {
        if (!pool.valid(mfnArg)) return GNTST_BAD_PAGE;
        int mfn = (int) mfnArg;
        synchronized (pool) {
            if (!pt.stealPage(mfn, d.id())) return GNTST_BAD_PAGE;
            d.memory().flushBeforeRelease();
            int pfn = pool.m2pGet(mfn);
            d.memory().clearP2m(pfn);
            d.memory().adjustTotPages(-1);
            pool.m2pSet(mfn, Xen.INVALID_M2P_ENTRY);
        }
        DomainImpl e = domains.apply(domid & 0xFFFF);
        int rc = e == null ? GNTST_BAD_DOMAIN : GNTST_GENERAL_ERROR;
        if (e != null && !e.isDying() && e.memoryPages() < e.maxMemoryKiB() / 4) {
            GrantTable egt = e.grants();
            synchronized (egt) {
                if (!egt.dead && ref >= 0 && ref < egt.nrEntries() && prepareForTransfer(egt, ref, d.id())) {
                    int gpfn = egt.entryFrame(ref);
                    synchronized (pool) {
                        pt.assignPage(mfn, e.id());
                        e.memory().adjustTotPages(1);
                        if (gpfn >= 0) {
                            e.memory().setP2m(pool, gpfn, mfn);
                        } else {
                            pool.m2pSet(mfn, gpfn); // a frame number beyond the P2M: the M2P says it
                        }
                    }
                    egt.setEntryFrame(ref, mfn);
                    java.lang.invoke.VarHandle.releaseFence();
                    setFlags(egt, ref, GTF_TRANSFER_COMPLETED);
                    rc = GNTST_OKAY;
                }
            }
        }
        if (rc != GNTST_OKAY) {
            synchronized (pool) {
                pool.free(mfn);
            }
        }
        return rc;
    }

    /** gnttab_prepare_for_transfer: flags exactly accept_transfer for {@code ldomid}; sets committed. */
    private static boolean prepareForTransfer(GrantTable gt, int ref, int ldomid) {
        int cur = gt.combo(ref);
        for (int retries = 0;; retries++) {
            if ((cur & 0xFFFF) != GTF_ACCEPT_TRANSFER || cur >>> 16 != ldomid) return false;
            if (gt.casCombo(ref, cur, cur | GTF_TRANSFER_COMMITTED)) return true;
            if (retries == 4) return false;
            cur = gt.combo(ref);
        }
    }

    private static void setFlags(GrantTable gt, int ref, int bits) {
        for (;;) {
            int cur = gt.combo(ref);
            if (gt.casCombo(ref, cur, cur | bits)) return;
        }
    }

    // ---- domain destruction ----

    /**
     * gnttab_release_mappings and the granting side of domain_relinquish_resources, before the
     * domain's frames are freed: its mappings of other domains' grants are released (pins,
     * references and flags; its own PV grant PTEs go with its frames), its table becomes dead,
     * and every frame still pinned by another domain is kept out of the pool with the grants'
     * references, freed at the last unmap.
     */
    public void domainDestroyed(DomainImpl d) {
        GrantTable gt = d.grants();
        if (gt == null) return;
        for (long[] m : gt.takeAllMappings()) {
            if (m[3] >= 0) {
                synchronized (pool) {
                    pt.unmarkGrantPte(m[3]); // the PTE goes with the domain's frames
                }
            }
            GrantTable rgt = table((int) m[1]);
            if (rgt == null) continue;
            MapFlags f = MapFlags.of((int) m[0]);
            release(rgt, (int) m[2], f.readonly, f.pinInc, f.refs, f.typeRefs);
        }
        synchronized (pool) {
            // and any mark in its L1s that no maptrack entry named any more (an unmap through
            // another entry mapping the same frame, as Xen allows, clears that one instead)
            pt.unmarkGrantPtesOf(d.id());
        }
        synchronized (gt) {
            gt.dead = true;
            synchronized (pool) {
                for (int ref = 0; ref < gt.pin.length; ref++) {
                    if (gt.pin[ref] == 0) continue;
                    // a frame may be pinned through several entries: give it their sum
                    int mfn = gt.actMfn[ref];
                    pool.keepForGrants(mfn, gt.actRefs[ref], gt.actTypeRefs[ref]);
                }
            }
            if (gt.pinned == 0) tables.remove(gt.domid, gt);
        }
    }

    /** Tables alive or kept for pins (tests: a destroyed domain's table goes with its last pin). */
    public int tableCount() {
        return tables.size();
    }

    /** What a maptrack entry's flags hold: pin increment, page and type references. */
    record MapFlags(boolean readonly, int pinInc, int refs, int typeRefs) {
        /** Each combination of GNTMAP_device_map, host_map and readonly (bits 0-2), made once. */
        private static final MapFlags[] OF = new MapFlags[8];

        static {
            for (int i = 0; i < OF.length; i++) OF[i] = compute(i);
        }

        static MapFlags of(int flags) {
            return OF[flags & 7];
        }

        private static MapFlags compute(int flags) {
            boolean ro = (flags & org.oxen.vmm.abi.GrantTable.GNTMAP_READONLY) != 0;
            int inc = 0, refs = 0;
            if ((flags & org.oxen.vmm.abi.GrantTable.GNTMAP_DEVICE_MAP) != 0) {
                inc += ro ? GrantTable.DEVR_INC : GrantTable.DEVW_INC;
                refs++;
            }
            if ((flags & org.oxen.vmm.abi.GrantTable.GNTMAP_HOST_MAP) != 0) {
                inc += ro ? GrantTable.HSTR_INC : GrantTable.HSTW_INC;
                refs++;
            }
            return new MapFlags(ro, inc, refs, ro ? 0 : refs);
        }
    }
}
