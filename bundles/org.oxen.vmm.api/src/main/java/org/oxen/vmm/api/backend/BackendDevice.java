package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ProviderType;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.trace.HypervisorTrace;

/**
 * One device a {@link Backend} serves: where its two xenstore directories are and the Domain-0
 * services it uses. Given by xenbus; the backend's own state node is written through
 * {@link #switchState}.
 */
@ProviderType
public interface BackendDevice {

    /** The device type ("console", "vbd", "vif"). */
    String type();

    int frontendDomid();

    /** The device id (the last element of both directories). */
    int devid();

    /** /local/domain/0/backend/&lt;type&gt;/&lt;domU&gt;/&lt;devid&gt; */
    String backendPath();

    /** The frontend directory, as the backend's {@code frontend} node names it. */
    String frontendPath();

    /** The backend's state as last switched. */
    XenbusState state();

    /** Writes the backend's {@code state} node. */
    void switchState(XenbusState state) throws XenstoreException;

    XenstoreClient xenstore();

    GrantTables grants();

    Dom0EventChannels eventChannels();

    /**
     * The hypervisor's trace buffers, for the backend's trace points (1.4), or null while there
     * are none (no hypervisor trace service bound).
     */
    HypervisorTrace trace();
}
