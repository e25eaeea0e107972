package org.oxen.io.xenstore.store;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.oxen.io.xenstore.domain.GuestStores;
import org.oxen.io.xenstore.domain.ToolstackPaths;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.backend.DomainIntroducer;
import org.oxen.vmm.api.backend.IntroducedDomain;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * xenstored: one {@link Store} with xenstored's default quotas, served as the {@link Xenstore}
 * service (a {@link Dom0Client} per {@link #connect}) and to the guests (the
 * {@link DomainIntroducer} whiteboard of the VMM: each domain built gets its libxl nodes
 * ({@link ToolstackPaths}) and its store ring served ({@link GuestStores}) before it runs; a
 * destroyed domain's ring and nodes go).
 *
 * <p>Dom0EventChannels is a static reference: xenstored runs where a hypervisor runs, as in Xen
 * (a domain built before xenstored registered is introduced when it does).
 */
@Component(service = {Xenstore.class, DomainIntroducer.class}, immediate = true)
public final class XenstoreComponent implements Xenstore, DomainIntroducer {

    private final Store store = new Store(Quotas.XENSTORED);
    private final Dom0Client toolstack = new Dom0Client(store);
    private final GuestStores guests = new GuestStores(store, System.err::println);
    private final java.util.Map<Integer, org.oxen.vmm.api.Domain> introduced = new java.util.concurrent.ConcurrentHashMap<>();

    private final Dom0EventChannels events;

    /**
     * @param events the hypervisor's Domain-0 event channels: a static reference, so this
     *        component registers as a {@link DomainIntroducer} only once it can bind guests'
     *        store ports (the VMM then introduces every domain that already runs)
     */
    @Activate
    public XenstoreComponent(@Reference Dom0EventChannels events) {
        this.events = events;
    }

    @Override
    public XenstoreClient connect() {
        return new Dom0Client(store);
    }

    @Override
    public void introduce(IntroducedDomain domain) throws Exception {
        ToolstackPaths.write(toolstack, domain);
        try {
            guests.introduce(domain, events);
        } catch (Exception e) {
            ToolstackPaths.remove(toolstack, domain.domain());
            throw e;
        }
        introduced.put(domain.domain().id(), domain.domain());
    }

    @Override
    public void release(int domid) {
        guests.release(domid);
        org.oxen.vmm.api.Domain d = introduced.remove(domid);
        if (d != null) {
            try {
                ToolstackPaths.remove(toolstack, d);
            } catch (XenstoreException e) {
                System.err.println("xenstored: removing d" + domid + "'s nodes: " + e.getMessage());
            }
        }
    }

    /** The guests' rings (tests). */
    public GuestStores guests() {
        return guests;
    }

    @Override
    public String toString() {
        return "xenstored";
    }

    /** Stops serving (DS deactivation; tests). */
    @Deactivate
    public void deactivate() {
        guests.close();
        toolstack.close();
        store.close();
    }
}
