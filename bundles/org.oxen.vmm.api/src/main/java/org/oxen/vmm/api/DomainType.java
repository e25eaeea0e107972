package org.oxen.vmm.api;

/**
 * What kind of guest a domain is (xl.cfg's {@code type}).
 *
 * @since 1.6
 */
public enum DomainType {
    /** Paravirtualized: a Xen PV kernel in ring 1, using hypercalls (xl.cfg {@code type = "pv"}). */
    PV,
    /**
     * Fully virtualized: an unmodified kernel in ring 0 on an emulated PC (its own devices, its
     * own pseudo-physical memory), booted as multiboot ELF or ROM image (xl.cfg {@code type = "hvm"}).
     */
    HVM
}
