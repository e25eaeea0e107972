package org.oxen.io.blkback.internal;

import java.util.Arrays;

import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.PageView;

/**
 * The persistent grants of one connection (Linux xen-blkback's persistent_gnts): a frontend that
 * wrote {@code feature-persistent = 1} reuses a bounded set of grants for its data pages, and the
 * backend keeps each one mapped (writable, as Linux maps them) from first use until the
 * connection ends, so a request costs no map and unmap. At most {@code max} grants are kept (Linux's
 * max_persistent_grants, 1056); beyond that a request's pages are copied as without the feature.
 *
 * <p>Indexed by grant reference (a table grows with the highest reference seen, up to
 * {@link #MAX_REF}): lookups allocate nothing. Confined to the connection's service thread.
 */
final class PersistentGrants {

    /** References at or above this are never kept (64 grant frames of 512 entries, Xen's default maximum). */
    static final int MAX_REF = 64 * 512;

    private final GrantTables grants;
    private final int domid;
    private final int max;
    private GrantMapping[] byRef = new GrantMapping[512];
    private int count;

    PersistentGrants(GrantTables grants, int domid, int max) {
        this.grants = grants;
        this.domid = domid;
        this.max = max;
    }

    /**
     * The page of grant {@code ref}, mapped now if it is not yet and there is room; null when the
     * grant cannot be kept (the caller copies instead).
     *
     * @throws GrantException the grant cannot be mapped writable (bad reference, not granted to
     *         Domain-0, read-only): the request fails
     */
    PageView page(int ref) throws GrantException {
        if (ref < 0 || ref >= MAX_REF) return null;
        if (ref < byRef.length && byRef[ref] != null) return byRef[ref].page();
        if (count >= max) return null;
        GrantMapping m = grants.map(domid, ref, false);
        if (ref >= byRef.length) byRef = Arrays.copyOf(byRef, Math.min(MAX_REF, Math.max(ref + 1, byRef.length * 2)));
        byRef[ref] = m;
        count++;
        return m.page();
    }

    int size() {
        return count;
    }

    /** Unmaps every kept grant (the connection ends). */
    void clear() {
        for (int i = 0; i < byRef.length; i++) {
            if (byRef[i] != null) {
                byRef[i].close();
                byRef[i] = null;
            }
        }
        count = 0;
    }
}
