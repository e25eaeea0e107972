package org.oxen.vmm.core.grant;

import static org.oxen.vmm.abi.GrantTable.GNTCOPY_DEST_GREF;
import static org.oxen.vmm.abi.GrantTable.GNTCOPY_SOURCE_GREF;
import static org.oxen.vmm.abi.GrantTable.GNTMAP_CONTAINS_PTE;
import static org.oxen.vmm.abi.GrantTable.GNTMAP_DEVICE_MAP;
import static org.oxen.vmm.abi.GrantTable.GNTMAP_HOST_MAP;
import static org.oxen.vmm.abi.GrantTable.GNTMAP_READONLY;
import static org.oxen.vmm.abi.GrantTable.GNTST_BAD_DOMAIN;
import static org.oxen.vmm.abi.GrantTable.GNTST_BAD_GNTREF;
import static org.oxen.vmm.abi.GrantTable.GNTST_BAD_HANDLE;
import static org.oxen.vmm.abi.GrantTable.GNTST_GENERAL_ERROR;
import static org.oxen.vmm.abi.GrantTable.GNTST_NO_DEVICE_SPACE;
import static org.oxen.vmm.abi.GrantTable.GNTST_OKAY;
import static org.oxen.vmm.abi.GrantTable.GNTST_PERMISSION_DENIED;

import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.HostPage;
import org.oxen.vmm.core.mm.DomainMemory;

/**
 * The grant operations a guest asks for with grant_table_op, one element at a time, in
 * Xen's order of checks (map_grant_ref, unmap_common + unmap_common_complete, gnttab_copy_one):
 * a PV guest's host mappings are PTEs ({@link GrantPte}), a translated (HVM) guest's are P2M
 * entries at the GFN of its host_addr, and its frames in a copy are GFNs;
 * {@code hypercall.GrantHypercalls} decodes the structs and writes the statuses back.
 */
public final class GuestGrants {

    private final Grants grants;
    private final GrantPte pte;

    public GuestGrants(Grants grants) {
        this.grants = grants;
        this.pte = new GrantPte(grants.pool(), grants.pageTables());
    }

    public Grants grants() {
        return grants;
    }

    /**
     * map_grant_ref for domain {@code ld} (page tables at {@code cr3}). On GNTST_okay
     * {@code out[0]} is the handle and {@code out[1]} the dev_bus_addr; {@code out[2]} is 1 when
     * a PTE of {@code ld} changed (the caller flushes its TLBs).
     */
    public int map(DomainImpl ld, int cr3, long hostAddr, int flags, int ref, int dom, long[] out) {
        out[2] = 0;
        if ((flags & (GNTMAP_DEVICE_MAP | GNTMAP_HOST_MAP)) == 0) return GNTST_BAD_GNTREF; // "Bad flags in grant map op"
        dom &= 0xFFFF;
        GrantTable rgt = dom == Xen.DOMID_SELF ? null : grants.table(dom);
        if (rgt == null || rgt.dead || dom == 0) return GNTST_BAD_DOMAIN; // rcu_lock_domain_by_id (no DOMID_SELF)
        GrantTable lgt = ld.grants();
        Grants.MapFlags f = Grants.MapFlags.of(flags);
        int handle = lgt.newHandle(flags, dom, ref);
        if (handle < 0) return GNTST_NO_DEVICE_SPACE;
        int mfn = grants.acquire(rgt, ref, ld.id(), f.readonly(), true, f.pinInc(), f.refs(), f.typeRefs());
        if (mfn < 0) {
            lgt.clearMapping(handle, -1, -1);
            return mfn;
        }
        if ((flags & GNTMAP_HOST_MAP) != 0) {
            // create_grant_host_mapping: a PV guest's PTE, or a translated guest's P2M entry
            long pa = ld.translated() ? p2mMap(ld, hostAddr, mfn, flags) : pte.create(ld.memory(), cr3, hostAddr, mfn, flags, 0);
            if (pa < 0) {
                grants.release(rgt, ref, f.readonly(), f.pinInc(), f.refs(), f.typeRefs());
                lgt.clearMapping(handle, -1, -1);
                return (int) pa;
            }
            if (!ld.translated()) lgt.setPte(handle, pa);
            out[2] = 1;
        }
        out[0] = handle;
        out[1] = (long) mfn << 12;
        rgt.trace(org.oxen.vmm.abi.Trace.TRC_MEM_PAGE_GRANT_MAP, ld.id(), ref);
        return GNTST_OKAY;
    }

    /**
     * unmap_common then unmap_common_complete for {@code ld}: the host mapping at
     * {@code hostAddr} (replaced by the entry at {@code newAddr} for unmap_and_replace) and/or
     * the device mapping named by {@code devBusAddr}; {@code flush} runs after the PTE changed
     * and before the frame's references go (no stale TLB entry outlives them).
     */
    public int unmap(DomainImpl ld, int cr3, long hostAddr, long devBusAddr, int handle, long newAddr, Runnable flush) {
        GrantTable lgt = ld.grants();
        int[] m = lgt.mapping(handle);
        if (m == null) return GNTST_BAD_HANDLE;
        int flags = m[0];
        GrantTable rgt = grants.table(m[1]);
        if (rgt == null) {
            // "Could not find domain": only after an implicit unmap; Xen crashes the caller
            ld.crash("grant unmap of handle " + handle + " names domain " + m[1] + ", which is gone");
            return GNTST_BAD_DOMAIN;
        }
        int ref = m[2];
        int mfn = grants.activeFrame(rgt, ref);
        if (mfn < 0) return GNTST_BAD_HANDLE; // "Unstable handle"
        if (devBusAddr != 0 && devBusAddr != ((long) mfn << 12)) return GNTST_GENERAL_ERROR;
        int done = 0;
        if (hostAddr != 0 && (flags & GNTMAP_HOST_MAP) != 0) {
            int rc = ld.translated() ? p2mUnmap(ld, hostAddr, mfn, newAddr, flags)
                    : pte.replace(lgt, ld.memory(), cr3, hostAddr, mfn, newAddr, flags);
            if (rc != GNTST_OKAY) return rc;
            done |= GNTMAP_HOST_MAP;
            flush.run();
        }
        if (devBusAddr != 0 && (flags & GNTMAP_DEVICE_MAP) != 0) done |= GNTMAP_DEVICE_MAP;
        if (done == 0) return GNTST_OKAY;
        lgt.clearMapping(handle, done, GNTMAP_HOST_MAP | GNTMAP_DEVICE_MAP);
        Grants.MapFlags f = Grants.MapFlags.of(done | (flags & GNTMAP_READONLY));
        grants.release(rgt, ref, f.readonly(), f.pinInc(), f.refs(), f.typeRefs());
        rgt.trace(org.oxen.vmm.abi.Trace.TRC_MEM_PAGE_GRANT_UNMAP, ld.id(), ref);
        return GNTST_OKAY;
    }

    /**
     * create_grant_p2m_mapping for a translated (HVM) grantee: {@code hostAddr} is a
     * guest-physical address, and the frame appears at its GFN; host_map alone (with or without
     * readonly), at a GFN below the physical space's end. Deliberately unlike Xen, a GFN that
     * already has a frame is refused (Xen's guest_physmap_add_entry would orphan the RAM page
     * there until the domain dies, or crash the domain for a grant mapped there). Returns 0 or
     * GNTST_general_error, Xen's status for each of these refusals.
     */
    private int p2mMap(DomainImpl ld, long hostAddr, int mfn, int flags) {
        if ((flags & ~GNTMAP_READONLY) != GNTMAP_HOST_MAP) return GNTST_GENERAL_ERROR;
        long gfn = hostAddr >>> 12;
        if (gfn >= DomainMemory.HVM_GPFN_LIMIT) return GNTST_GENERAL_ERROR;
        DomainMemory dm = ld.memory();
        synchronized (grants.pool()) {
            if (dm.p2m((int) gfn) >= 0) return GNTST_GENERAL_ERROR;
            dm.hvmGrantMap((int) gfn, mfn, (flags & GNTMAP_READONLY) != 0);
        }
        return 0;
    }

    /**
     * replace_grant_p2m_mapping: the grant mapped at {@code hostAddr}'s GFN becomes a hole; no
     * replacement address or PTE flag, and the GFN must hold this grant's frame as a grant
     * mapping (else GNTST_general_error, the handle still mapped).
     */
    private int p2mUnmap(DomainImpl ld, long hostAddr, int mfn, long newAddr, int flags) {
        if (newAddr != 0 || (flags & GNTMAP_CONTAINS_PTE) != 0) return GNTST_GENERAL_ERROR;
        long gfn = hostAddr >>> 12;
        if (gfn >= DomainMemory.HVM_GPFN_LIMIT) return GNTST_GENERAL_ERROR;
        DomainMemory dm = ld.memory();
        synchronized (grants.pool()) {
            if (!dm.isGrantGfn((int) gfn) || dm.p2m((int) gfn) != mfn) return GNTST_GENERAL_ERROR;
            dm.hvmGrantUnmap((int) gfn);
        }
        return GNTST_OKAY;
    }

    /** The frames a copy claimed (so they can be released whatever happens). */
    private static final class Buf {
        GrantTable rgt;
        int ref;
        int mfn = -1;
        boolean grant;
    }

    /**
     * gnttab_copy_one for domain {@code ld}: each side a grant reference (its flag set) or, for
     * DOMID_SELF only, a frame of the caller; then the bounds; then the bytes.
     */
    public int copy(DomainImpl ld, int srcU, int srcDom, int srcOff, int dstU, int dstDom, int dstOff, int len,
            int flags) {
        boolean srcGref = (flags & GNTCOPY_SOURCE_GREF) != 0, dstGref = (flags & GNTCOPY_DEST_GREF) != 0;
        // gnttab_copy_lock_domains: only DOMID_SELF may name a frame; the domains must exist
        int rc = lockDomain(ld, srcDom & 0xFFFF, srcGref);
        if (rc == GNTST_OKAY) rc = lockDomain(ld, dstDom & 0xFFFF, dstGref);
        if (rc != GNTST_OKAY) return rc;
        Buf src = new Buf(), dst = new Buf();
        try {
            rc = claim(ld, src, srcU, srcDom & 0xFFFF, srcGref, false);
            if (rc != GNTST_OKAY) return rc;
            rc = claim(ld, dst, dstU, dstDom & 0xFFFF, dstGref, true);
            if (rc != GNTST_OKAY) return rc;
            rc = Grants.checkCopyBounds(srcOff, dstOff, len);
            if (rc != GNTST_OKAY) return rc;
            HostPage.copy(new HostPage(grants.pool().ram(), (long) src.mfn << 12), srcOff,
                    new HostPage(grants.pool().ram(), (long) dst.mfn << 12), dstOff, len);
            return GNTST_OKAY;
        } finally {
            unclaim(src, false);
            unclaim(dst, true);
        }
    }

    private int lockDomain(DomainImpl ld, int domid, boolean gref) {
        if (domid != Xen.DOMID_SELF && !gref) return GNTST_PERMISSION_DENIED;
        if (domid == Xen.DOMID_SELF || domid == ld.id()) return GNTST_OKAY;
        GrantTable t = grants.table(domid);
        return t == null || t.dead || domid == 0 ? GNTST_BAD_DOMAIN : GNTST_OKAY;
    }

    private int claim(DomainImpl ld, Buf b, int u, int domid, boolean gref, boolean dest) {
        if (gref) {
            GrantTable rgt = domid == Xen.DOMID_SELF ? ld.grants() : grants.table(domid);
            if (rgt == null) return GNTST_BAD_DOMAIN;
            int inc = dest ? GrantTable.HSTW_INC : GrantTable.HSTR_INC;
            int mfn = grants.acquire(rgt, u, ld.id(), !dest, false, inc, 1, dest ? 1 : 0);
            if (mfn < 0) return mfn;
            b.rgt = rgt;
            b.ref = u;
            b.mfn = mfn;
            b.grant = true;
            return GNTST_OKAY;
        }
        int mfn = grants.claimOwnFrame(ld, u & 0xFFFFFFFFL, dest);
        if (mfn < 0) return mfn;
        b.mfn = mfn;
        return GNTST_OKAY;
    }

    private void unclaim(Buf b, boolean dest) {
        if (b.mfn < 0) return;
        if (b.grant) {
            int inc = dest ? GrantTable.HSTW_INC : GrantTable.HSTR_INC;
            grants.release(b.rgt, b.ref, !dest, inc, 1, dest ? 1 : 0);
        } else {
            grants.releaseOwnFrame(b.mfn, dest);
        }
        b.mfn = -1;
    }

}
