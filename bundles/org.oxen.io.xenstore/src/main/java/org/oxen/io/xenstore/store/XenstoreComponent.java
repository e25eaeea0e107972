package org.oxen.io.xenstore.store;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;

/**
 * xenstored as the {@link Xenstore} service: one {@link Store} with xenstored's default quotas,
 * a {@link Dom0Client} per {@link #connect}. (The guests' store rings and the toolstack's paths
 * come next, issue 14.)
 */
@Component(service = Xenstore.class, immediate = true)
public final class XenstoreComponent implements Xenstore {

    private final Store store = new Store(Quotas.XENSTORED);

    @Override
    public XenstoreClient connect() {
        return new Dom0Client(store);
    }

    @Deactivate
    void deactivate() {
        store.close();
    }
}
