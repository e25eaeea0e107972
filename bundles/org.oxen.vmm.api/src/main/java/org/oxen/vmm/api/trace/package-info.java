/**
 * The hypervisor's trace buffers (1.0, as xentrace reads Xen's): {@link org.oxen.vmm.api.trace.HypervisorTrace},
 * a service of the VMM, and {@link org.oxen.vmm.api.trace.TraceSink} for draining its records.
 * The event numbers are {@code org.oxen.vmm.abi.Trace}'s. 1.1: trace points outside the
 * hypervisor ({@code on}, {@code trace4}, {@code trace5}: Domain-0's backends).
 */
@Export
@Version("1.1.0")
package org.oxen.vmm.api.trace;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
