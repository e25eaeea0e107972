package org.oxen.vmm.core.grant;

import static org.oxen.vmm.abi.GrantTable.GNTST_GENERAL_ERROR;
import static org.oxen.vmm.abi.GrantTable.GNTST_OKAY;
import static org.oxen.vmm.abi.GrantTable.GNTTAB_CACHE_CLEAN;
import static org.oxen.vmm.abi.GrantTable.GNTTAB_CACHE_INVAL;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.FramePool;

/**
 * The table-level grant operations of a PV guest (grant_table.c: gnttab_setup_table,
 * gnttab_query_size, gnttab_set_version, swap_grant_ref, gnttab_transfer, cache_flush), with
 * Xen's statuses and errnos. Only version 1 is offered (opt_gnttab_max_version 1):
 * set_version(2) is -ENOSYS, "as before set_version was introduced".
 */
public final class GrantTableOps {

    private final Grants grants;

    public GrantTableOps(Grants grants) {
        this.grants = grants;
    }

    /** The table a dom field names (DOMID_SELF or the caller); else null, {@code status[0]} set. */
    public GrantTable target(DomainImpl d, int dom, int[] status) {
        return grants.target(d, dom, status);
    }

    /** gnttab_setup_table: grows the table to {@code nr} frames. */
    public int setupTable(DomainImpl d, int dom, int nr, int[] status) {
        GrantTable gt = grants.target(d, dom, status);
        if (gt == null) return status[0];
        if (Integer.compareUnsigned(nr, GrantTable.MAX_FRAMES) > 0) return GNTST_GENERAL_ERROR; // "limited to 64 frames"
        synchronized (gt) {
            return grants.grow(gt, nr);
        }
    }

    /** The first {@code nr} frames of the caller's table (after a successful {@link #setupTable}). */
    public int[] frames(DomainImpl d, int nr) {
        GrantTable gt = d.grants();
        synchronized (gt) {
            int[] all = gt.framesCopy();
            return java.util.Arrays.copyOf(all, Math.min(nr, all.length));
        }
    }

    /** gnttab_query_size: {@code out} = {nr_frames, max_nr_frames} when GNTST_okay. */
    public int querySize(DomainImpl d, int dom, int[] out) {
        int[] st = new int[1];
        GrantTable gt = grants.target(d, dom, st);
        if (gt == null) return st[0];
        out[0] = gt.nrFrames();
        out[1] = GrantTable.MAX_FRAMES;
        return GNTST_OKAY;
    }

    /** gnttab_set_version: 1 is what every table is; 2 is not offered; anything else -EINVAL. */
    public long setVersion(int version) {
        if (version != 1 && version != 2) return -Errno.EINVAL;
        if (version == 2) return -Errno.ENOSYS;
        return 0;
    }

    public int swap(DomainImpl d, int a, int b) {
        return grants.swap(d.grants(), a, b);
    }

    public int transfer(DomainImpl d, long mfn, int domid, int ref) {
        return grants.transfer(d, mfn, domid, ref);
    }

    /**
     * cache_flush (x86): the checks of the common code, then CLEAN (with or without INVAL) is a
     * cache flush (a no-op for the emulated CPU: 0) and INVAL alone -EOPNOTSUPP, as x86's
     * invalidate_dcache_va_range. The frame must be the caller's or one it has a grant pinned on.
     */
    public long cacheFlush(DomainImpl d, long devBusAddr, int offset, int length, int op) {
        if (offset >= 4096 || length > 4096 || offset + length > 4096
                || (op & ~(GNTTAB_CACHE_INVAL | GNTTAB_CACHE_CLEAN)) != 0) {
            return -Errno.EINVAL;
        }
        if (length == 0 || op == 0) return 0;
        long mfnL = devBusAddr >>> 12;
        FramePool pool = grants.pool();
        if (!pool.valid(mfnL)) return -Errno.EINVAL;
        int mfn = (int) mfnL;
        int owner = pool.owner(mfn);
        GrantTable ogt = owner < 0 ? null : grants.table(owner);
        if (ogt == null || ogt.dead || owner == 0) return -Errno.EPERM;
        if (owner != d.id() && !pinnedBy(ogt, d.id(), mfn)) return -Errno.EINVAL;
        if (op == GNTTAB_CACHE_INVAL) return -Errno.EOPNOTSUPP;
        return 0;
    }

    /** grant_map_exists: an entry of {@code gt} pinned by {@code domid} on {@code mfn}. */
    private static boolean pinnedBy(GrantTable gt, int domid, int mfn) {
        synchronized (gt) {
            for (int ref = 0; ref < gt.pin.length; ref++) {
                if (gt.pin[ref] != 0 && gt.actDomid[ref] == domid && gt.actMfn[ref] == mfn) return true;
            }
            return false;
        }
    }
}
