package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ProviderType;

/** xenstored as a service: each Domain-0 component opens its own connection. */
@ProviderType
public interface Xenstore {

    XenstoreClient connect();
}
