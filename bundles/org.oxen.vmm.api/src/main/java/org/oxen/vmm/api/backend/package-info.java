/**
 * The backend API (issue 14): what a Domain-0 component written in Java uses to serve a guest's
 * split driver, as a Linux Dom0 backend uses gnttab, evtchn and xenbus.
 *
 * <ul>
 * <li>{@link org.oxen.vmm.api.backend.GrantTables}: map and unmap a frame a guest granted to
 *     Domain-0 and get a {@link org.oxen.vmm.api.backend.PageView} of its bytes
 *     (GNTTABOP_map_grant_ref / unmap_grant_ref with a host mapping), and grant copy
 *     (GNTTABOP_copy) to and from Domain-0 buffers; failures are a
 *     {@link org.oxen.vmm.api.backend.GrantException} carrying Xen's GNTST_ status.</li>
 * <li>{@link org.oxen.vmm.api.backend.ForeignMemory} (1.2): map a frame a guest owns by its
 *     machine frame number (privcmd's foreign mapping), as xenconsoled maps a PV guest's console
 *     page; detached when the domain is destroyed (a copy of its last bytes).</li>
 * <li>Event channels: {@link org.oxen.vmm.api.Dom0EventChannels} of the parent package.</li>
 * <li>{@link org.oxen.vmm.api.backend.Xenstore}: a connection to xenstored as Domain-0, with
 *     watches ({@link org.oxen.vmm.api.backend.XenstoreWatcher}) and transactions
 *     ({@link org.oxen.vmm.api.backend.XenstoreTransaction}) that fail with EAGAIN on conflict.</li>
 * <li>The xenbus device states ({@link org.oxen.vmm.api.backend.XenbusState}) and the backend
 *     SPI: a {@link org.oxen.vmm.api.backend.BackendFactory} service per device type, bound for
 *     each device whose backend directory the toolstack creates.</li>
 * <li>(1.1) {@link org.oxen.vmm.api.backend.DomainIntroducer}: the whiteboard through which the
 *     VMM introduces each domain it builds to xenstored (XS_INTRODUCE / XS_RELEASE), with its
 *     store page and store event channel ({@link org.oxen.vmm.api.backend.IntroducedDomain}).</li>
 * <li>(1.3) {@link org.oxen.vmm.api.backend.BackendStatistics}: each backend's figures of the
 *     devices it serves, for {@code xl top}.</li>
 * <li>(1.4) {@link org.oxen.vmm.api.backend.BackendDevice#trace()}: the hypervisor's trace
 *     buffers, where a backend's trace points write (its requests and frames).</li>
 * <li>(1.5) {@link java.nio.ByteBuffer} forms of a view's bulk copies and of grant copy, so a
 *     backend moves a guest's bytes to and from a direct I/O buffer in one copy.</li>
 * <li>(1.6) {@link org.oxen.vmm.api.backend.GrantTables#mappingsInUse()}: Domain-0's grant
 *     mappings in use, for leak checks.</li>
 * <li>The shared-ring ends (io/ring.h) are in {@code org.oxen.io.ring}, over a
 *     {@link org.oxen.vmm.api.backend.PageView}.</li>
 * </ul>
 *
 * <p>Domain-0 is the Java host: a backend is trusted code, but every byte it reads from a
 * {@link org.oxen.vmm.api.backend.PageView} is written by an untrusted guest at any moment;
 * copy, then validate.
 */
@Export
@Version("1.6.0")
package org.oxen.vmm.api.backend;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
