package org.oxen.vmm.core.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.oxen.vmm.api.backend.DomainIntroducer;
import org.oxen.vmm.core.mm.PageTables;

/**
 * xenstored's introducers (the {@link DomainIntroducer} whiteboard) and each live domain's
 * {@link StoreLink}: libxl's xs_introduce_domain after a build, xs_release_domain at destroy,
 * and every live domain introduced to a xenstored that appears later.
 *
 * <p>Locking: one lock guards the introducers and the links; introduce and release run under
 * it (the Vmm's introductions lock of the {@link org.oxen.vmm.core} package documentation's lock
 * order: taken before any event channel lock and never under the domain table's monitor).
 */
public final class XenstoreIntroductions {

    private final PageTables pageTables;
    private final Consumer<String> log;
    private final Object lock = new Object();
    private final List<DomainIntroducer> introducers = new ArrayList<>();
    private final Map<Integer, StoreLink> storeLinks = new HashMap<>();

    public XenstoreIntroductions(PageTables pageTables, Consumer<String> log) {
        this.pageTables = pageTables;
        this.log = log;
    }

    /**
     * A xenstored appeared: it serves every live domain from now on (each is introduced to it
     * at once), and each domain built later.
     */
    public void addIntroducer(DomainIntroducer i) {
        synchronized (lock) {
            introducers.add(i);
            for (StoreLink l : storeLinks.values()) {
                introduce(i, l);
            }
        }
    }

    /** A xenstored left: it is called no more. */
    public void removeIntroducer(DomainIntroducer i) {
        synchronized (lock) {
            introducers.remove(i);
        }
    }

    /** libxl's xs_introduce_domain, after the build and before the domain runs. */
    public void introduce(DomainImpl d) {
        synchronized (lock) {
            StoreLink l;
            try {
                l = StoreLink.open(pageTables, d);
            } catch (IllegalStateException e) {
                log.accept("d" + d.id() + ": not introduced to xenstored: " + e.getMessage());
                return;
            }
            storeLinks.put(d.id(), l);
            for (DomainIntroducer i : introducers) {
                introduce(i, l);
            }
        }
    }

    private void introduce(DomainIntroducer i, StoreLink l) {
        try {
            i.introduce(l);
            log.accept(String.format("d%d: introduced to %s (store mfn %d, port %d)", l.domain().id(), i, l.storeMfn(),
                    l.storeEventChannel()));
        } catch (Exception | LinkageError e) {
            log.accept("d" + l.domain().id() + ": " + i + " refused the introduction: " + e);
        }
    }

    /** xs_release_domain, then the store page's mapping goes. */
    public void release(DomainImpl d) {
        synchronized (lock) {
            StoreLink l = storeLinks.remove(d.id());
            if (l == null) return;
            for (DomainIntroducer i : introducers) {
                try {
                    i.release(d.id());
                } catch (RuntimeException | LinkageError e) {
                    log.accept("d" + d.id() + ": " + i + " failed to release it: " + e);
                }
            }
            l.close(pageTables);
        }
    }
}
