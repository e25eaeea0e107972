package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A backend serving one device, made by a {@link BackendFactory}. xenbus calls it on its own
 * thread, one call at a time per device.
 */
@ConsumerType
public interface Backend {

    /**
     * The frontend's {@code state} node changed (also called once when the backend is created).
     * The backend reacts as io/xenbus.h describes: connect on Initialised or Connected, disconnect
     * and go Closing on Closing, unmap and go Closed on Closed, go InitWait again on Initialising
     * after Closed.
     */
    void frontendChanged(XenbusState frontendState);

    /**
     * The backend is being taken away (its factory left, the device was removed or the domain
     * ended): unmap, unbind and release everything. xenbus then writes state Closed.
     */
    void close();
}
