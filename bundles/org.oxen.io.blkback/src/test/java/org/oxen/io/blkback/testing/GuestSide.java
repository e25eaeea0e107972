package org.oxen.io.blkback.testing;

import org.oxen.vmm.api.backend.PageView;

/**
 * What a frontend driver inside a guest uses of its own domain, for frontends written in Java
 * that play a real domain's part: pages of the domain's own memory, its grant table (Mini-OS's
 * gnttab_grant_access / gnttab_end_access) and its event channels (alloc_unbound, send, and
 * waiting for a port's pending bit). Implementations act on a real domain of the hypervisor, so
 * the backend sees exactly what a guest's frontend would give it.
 */
public interface GuestSide {

    /** The domain the frontend runs in. */
    int domid();

    /** A page of the domain's memory (a frame it owns), zeroed. */
    Page allocPage();

    /** A frame of the domain and the frontend's view of it. */
    record Page(int mfn, PageView view) {
    }

    /** Grants {@code remoteDomid} access to frame {@code mfn}; returns the grant reference. */
    int grantAccess(int mfn, int remoteDomid, boolean readOnly);

    /** Ends a grant; false (and the grant stays) while the grantee still has it mapped or in a copy. */
    boolean endAccess(int ref);

    /** EVTCHNOP_alloc_unbound for {@code remoteDomid}; returns the port. */
    int allocUnbound(int remoteDomid);

    /** EVTCHNOP_send on the domain's {@code port}. */
    void notify(int port);

    /**
     * Waits up to {@code nanos} for {@code port}'s pending bit, and clears it.
     *
     * @return whether the port was pending
     */
    boolean awaitEvent(int port, long nanos) throws InterruptedException;

    /** EVTCHNOP_close. */
    void closePort(int port);
}
