/**
 * Ready-made machine parts for the board ({@code org.oxen.x86.machine}) and for device tests:
 *
 * <ul>
 * <li>{@link org.oxen.x86.bus.IoPortBus}: the 64 Ki port space with a null device (unconnected
 *     ports read all ones, writes are ignored) that rejects overlapping mappings with a message
 *     naming both devices and the port;</li>
 * <li>{@link org.oxen.x86.bus.MmioMap}: the device windows of the physical address space, with
 *     the same overlap errors;</li>
 * <li>{@link org.oxen.x86.bus.Interrupts}: the {@code InterruptRouter} (IRQ lines fanned out to
 *     every controller, INTR pin selection, APIC bus registry);</li>
 * <li>{@link org.oxen.x86.bus.PcMemory}: a PC's physical address space (device windows, RAM from 0,
 *     ROM below 1 MiB and 4 GiB) over any RAM that offers direct pages: a machine's own, or an
 *     HVM domain's pseudo-physical memory; views whose device accesses pass a gate (1.1);</li>
 * <li>{@link org.oxen.x86.bus.TimerQueue}: the {@code TimerService} the board runs between CPU
 *     batches (1.3: {@code runningUntil}/{@code onEarlierDeadline}, a deadline armed during a
 *     batch ends it);</li>
 * <li>{@link org.oxen.x86.bus.Consoles}: console sinks (log, file, TCP on loopback, memory);</li>
 * <li>{@link org.oxen.x86.bus.ManualClock} and {@link org.oxen.x86.bus.BasicDeviceContext}: a
 *     deterministic clock and a {@code DeviceContext} assembled from these parts;</li>
 * <li>{@link org.oxen.x86.bus.DeviceAssembly}: creates and maps a machine's devices from
 *     {@link org.oxen.x86.bus.DeviceEntry} lists, all or nothing, with clear errors;</li>
 * <li>{@link org.oxen.x86.bus.PcLayout}: the standard PC's device list with the classic ports
 *     and IRQs, the default machine description's device section.</li>
 * </ul>
 *
 * <p>None of these classes is thread-safe: the board serializes calls into one machine.
 */
@Export
@Version("1.5.0")
package org.oxen.x86.bus;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
