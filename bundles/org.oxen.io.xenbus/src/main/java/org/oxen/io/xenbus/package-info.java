/**
 * xenbus for Java split drivers: the device state machine of io/xenbus.h as Xen's xenbus drivers
 * run it, for a backend ({@link org.oxen.io.xenbus.AbstractBackend}, a
 * {@link org.oxen.vmm.api.backend.Backend} with the standard reactions to its frontend) and for
 * a frontend ({@link org.oxen.io.xenbus.XenbusFrontend}). The binding of
 * {@link org.oxen.vmm.api.backend.BackendFactory} services to the backend directories the
 * toolstack creates is this bundle's private component.
 */
@Export
@Version("1.0.0")
package org.oxen.io.xenbus;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
