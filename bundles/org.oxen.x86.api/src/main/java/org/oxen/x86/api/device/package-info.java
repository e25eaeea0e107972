/**
 * The device SPI: how the board (org.oxen.x86.machine) creates PC devices from the machine
 * description, maps them and drives them.
 *
 * <h2>Life of a device</h2>
 * <ol>
 * <li>Each device bundle registers one {@link org.oxen.x86.api.device.DeviceFactory} service
 *     with the property {@value org.oxen.x86.api.device.DeviceFactory#NAME} (e.g. {@code pic}).
 * <li>Per machine, the board builds a {@link org.oxen.x86.api.device.DeviceContext} and, for
 *     each device entry of the machine description, a {@link org.oxen.x86.api.device.DeviceConfig},
 *     then calls {@code create}. The factory reads every option it supports while creating.
 * <li>The board maps each {@link org.oxen.x86.api.device.PortRegion} at the base given by the
 *     option {@code io.<region>} and each {@link org.oxen.x86.api.device.MmioRegion} at
 *     {@code mmio.<region>} (read through {@link org.oxen.x86.api.device.DeviceConfig#regionBase});
 *     overlaps are an error naming both devices. Then it calls
 *     {@link org.oxen.x86.api.device.DeviceConfig#checkAllUsed()}: a key neither the device nor
 *     the mapping read is unknown, an error. If any step fails nothing is started and every
 *     created device is closed. ({@code org.oxen.x86.bus.IoPortBus#mapDevice} does the port
 *     part.)
 * <li>While the machine runs, all calls into a device (port and MMIO accesses, timer
 *     callbacks, interrupt inputs, {@code reset}) are serialized by the board: devices are not
 *     thread-safe and need not be.
 * <li>When the machine ends the board calls {@link org.oxen.x86.api.device.Device#close()}.
 * </ol>
 *
 * <p>Save and load (1.2): {@link org.oxen.x86.api.device.Device#saveState()} gives a device's
 * state as a versioned {@link org.oxen.x86.api.device.DeviceState} (Xen's HVM context records),
 * written with {@link org.oxen.x86.api.device.StateWriter}; {@code loadState} reads it back with a
 * {@link org.oxen.x86.api.device.StateReader}, which refuses bad values with a
 * {@link org.oxen.x86.api.device.DeviceStateException} naming the device and field.
 *
 * <p>Per-CPU time (1.3): {@link org.oxen.x86.api.device.DeviceContext#clock(int)} and
 * {@code timers(int)} give a CPU's own devices (the local APIC) that CPU's clock, which an HVM
 * domain keeps per vcpu; the board's are its one clock and timer queue.
 *
 * <p>Acknowledge hook (1.4): {@link org.oxen.x86.api.device.InterruptRouter#lineAcknowledged}
 * tells a line's driver that a CPU took the interrupt it raised (the 8259A's INTA, or a local
 * APIC's INTA of the vector an I/O APIC pin delivers, through
 * {@link org.oxen.x86.api.device.InterruptRouter#broadcastAcknowledge}), Xen's
 * {@code pt_intr_post}: the PIT's catch-up of missed periods raises the next owed tick there.
 *
 * <p>A device instance depends only on its context, never on its factory service after
 * {@code create}, so a device bundle can be updated while no machine uses it and running
 * machines keep their instances.
 */
@Export
@Version("1.4.0")
package org.oxen.x86.api.device;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
