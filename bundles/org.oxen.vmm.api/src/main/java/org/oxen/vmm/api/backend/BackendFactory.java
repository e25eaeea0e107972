package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The backend SPI: a service per device type (service property {@value #DEVICE_TYPE}). xenbus
 * binds the best-ranked factory of a type to each backend directory the toolstack creates under
 * /local/domain/0/backend/&lt;type&gt;/; when a factory leaves, its backends are closed
 * (Closing, Closed) and the next factory of the type reconnects them: the frontends resubmit
 * what was in flight.
 */
@ConsumerType
public interface BackendFactory {

    /** The service property naming the device type served ("console", "vbd", "vif"). */
    String DEVICE_TYPE = "oxen.device.type";

    /** A backend for {@code device}; it starts at state InitWait once its features are published. */
    Backend create(BackendDevice device) throws Exception;
}
