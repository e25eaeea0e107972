/**
 * Xen's x86_32 PAE paravirtual ABI as Java: the numbers and layouts of Xen's public headers
 * (xen.h, arch-x86/xen-x86_32.h, memory.h, sched.h, vcpu.h, callback.h, physdev.h, version.h, event_channel.h, grant_table.h,
 * elfnote.h), in one place, apart from any implementation. Offsets are byte offsets in the
 * i386 layout ({@code gcc -m32}). XenHeadersTest checks every constant against Xen's own
 * headers (Debian's libxen-dev); 2.0 dropped {@code Errno.EINTR} (Xen-internal, never returned
 * to guests) and {@code Xen.MAX_VMASST_TYPE} (defined only below interface version 4.6); 2.3 added
 * the console ring's {@code connection} flag ({@code Rings.CONS_CONNECTION}), 2.4 the HVM
 * platform interface ({@code Hvm}: hvm_op's parameters, the CPUID leaves, the hypercall-page MSR,
 * libxc's special pages), 2.5 io/netif.h ({@code Netif}), 2.6 the trace buffer's records (public/trace.h, {@code Trace}), 2.7 oxen's trace events of PV port I/O and of the backends.
 */
@Export
@Version("2.7.0")
package org.oxen.vmm.abi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
