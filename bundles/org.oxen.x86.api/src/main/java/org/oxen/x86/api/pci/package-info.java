/**
 * The PCI SPI: how a device bundle plugs a PCI function into the machine's PCI bus (provided
 * by the {@code pci} device, configuration mechanism #1) and how its configuration space
 * behaves.
 *
 * <p>A device finds the bus with {@code context.lookup(PciBus.class)} (the {@code pci} device
 * must come earlier in the machine description), builds its configuration space with
 * {@link org.oxen.x86.api.pci.PciConfigSpace} (standard type-0 header, BAR sizing, write
 * masks) and plugs it with {@link org.oxen.x86.api.pci.PciBus#plug}. Its INTx pin is an
 * interrupt line from {@link org.oxen.x86.api.pci.PciBus#intx}, routed through the ISA
 * bridge's PIRQ registers to an ISA IRQ and to I/O APIC pins 16-19.
 */
@Export
@Version("1.1.0")
package org.oxen.x86.api.pci;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
