/**
 * The one loader of boot images into a PC's physical memory: multiboot v1 ELF32 kernels and
 * BIOS-less ROMs ({@link org.oxen.x86.machine.boot.BootLoader}). The bare machine boots through
 * it, and so do the VMM core's HVM domains (into their pseudo-physical memory): one copy of the
 * boot protocol for both. It also leaves the firmware's tables beside the kernel: the MP table
 * and the ACPI tables (RSDP, RSDT/XSDT, FADT, FACS, MADT, DSDT).
 */
@Export
@Version("1.1.0")
package org.oxen.x86.machine.boot;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
