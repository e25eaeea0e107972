package org.oxen.vmm.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The hypervisor's own log (1.5, split out of {@link Hypervisor}): Xen's console ring as
 * {@code xl dmesg} reads it, which also holds what guests write through HYPERVISOR_console_io
 * (the debug console). A guest's own console ({@code xl console}) is not here: see
 * {@link GuestConsole}. Thread-safe.
 */
@ProviderType
public interface HypervisorLog {

    /** The hypervisor's log (Xen's dmesg): newest last, bounded. */
    List<String> dmesg();

    /**
     * Internal errors caught at the hypercall dispatcher or the exit handler (each crashed only
     * the domain that caused it). Tests assert zero.
     */
    long internalErrors();
}
