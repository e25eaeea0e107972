package org.oxen.vmm.core.domain;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.backend.IntroducedDomain;
import org.oxen.vmm.api.backend.PageView;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.MappedFrame;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.mm.PageType;

/**
 * A domain's store page and store event channel as the VMM introduces them to xenstored
 * ({@link IntroducedDomain}): the page is mapped into Domain-0 with a general and a writable
 * type reference held for the mapping's life, as Xen's foreign mapping of the page by xenstored
 * holds them, so the guest can neither give the frame back (decrease_reservation refuses a
 * frame with references) nor turn it into a page table while Domain-0 writes it.
 *
 * <p>Locking: {@link #open} and {@link #close} take the mm lock (the pool's monitor).
 */
public final class StoreLink implements IntroducedDomain {

    private final DomainImpl domain;
    private final MappedFrame page;
    private final int port;
    private boolean closed;

    private StoreLink(DomainImpl domain, MappedFrame page, int port) {
        this.domain = domain;
        this.page = page;
        this.port = port;
    }

    /** Maps {@code d}'s store page (the builder set it) with its references. */
    public static StoreLink open(PageTables pt, DomainImpl d) {
        int mfn = d.storeMfn();
        FramePool pool = pt.pool();
        synchronized (pool) {
            int rc = pt.getPageAndType(mfn, PageType.WRITABLE, d.memory());
            if (rc != 0) {
                throw new IllegalStateException("d" + d.id() + ": store page mfn " + mfn + " cannot be mapped: " + rc);
            }
        }
        return new StoreLink(d, new MappedFrame(pool, mfn, true), d.storeEvtchn());
    }

    /** Unmaps the page and drops the references (idempotent). */
    public void close(PageTables pt) {
        synchronized (pt.pool()) {
            if (closed) return;
            closed = true;
            page.unmap();
            if (pt.pool().owner(page.mfn()) == domain.id()) {
                pt.putPageAndType(page.mfn(), domain.memory());
            }
        }
    }

    @Override
    public Domain domain() {
        return domain;
    }

    @Override
    public long storeMfn() {
        return page.mfn();
    }

    @Override
    public int storeEventChannel() {
        return port;
    }

    @Override
    public PageView storePage() {
        return page;
    }
}
