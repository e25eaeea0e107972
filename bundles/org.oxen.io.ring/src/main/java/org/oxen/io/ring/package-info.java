/**
 * Xen's shared I/O ring (xen/include/public/io/ring.h) for Java ends of split drivers.
 *
 * <p>{@link org.oxen.io.ring.RingLayout} is the shared page(s): the four indexes in a 64-byte
 * header, then 2<sup>k</sup> slots of one size (the larger of a request and a response).
 * {@link org.oxen.io.ring.FrontRing} and {@link org.oxen.io.ring.BackRing} are the two ends with
 * the macros' semantics: private producer indexes pushed with a release store, notification
 * decided by the peer's req_event/rsp_event, a final check before sleeping, a copy of each
 * request or response taken out of shared memory before it is looked at (RING_COPY_REQUEST), and
 * {@link org.oxen.io.ring.RingOverflowException} when the peer's producer index claims more
 * entries than the ring can hold.
 */
@Export
@Version("1.1.0")
package org.oxen.io.ring;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
