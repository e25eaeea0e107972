package org.oxen.x86.api.device;

import org.osgi.annotation.versioning.ProviderType;
import org.oxen.x86.api.Clock;
import org.oxen.x86.api.PhysicalMemory;

/**
 * What the board offers a device of one machine. Implemented by the board; a device keeps it
 * for its whole life.
 */
@ProviderType
public interface DeviceContext {

    /** The machine's clock (real or deterministic); every device time derives from it. */
    Clock clock();

    /** Timers that fire between CPU batches, in {@link #clock()} nanoseconds. */
    TimerService timers();

    /**
     * The clock of CPU {@code cpu}'s own devices (its local APIC's timer). The board has one
     * clock for all; an HVM domain's vcpus each have their own time (Xen's per-vcpu guest time),
     * and the platform devices run on {@link #clock()}, the time of the vcpu their interrupts go
     * to. @since 1.3
     */
    default Clock clock(int cpu) {
        return clock();
    }

    /** Timers in {@link #clock(int) clock(cpu)} nanoseconds, for CPU {@code cpu}'s own devices. @since 1.3 */
    default TimerService timers(int cpu) {
        return timers();
    }

    /** ISA IRQ / GSI lines, interrupt-controller registration, the APIC bus. */
    InterruptRouter interrupts();

    /** The machine's physical address space, for DMA. */
    PhysicalMemory memory();

    /** RAM size in bytes (the RTC's CMOS memory-size bytes report it). */
    long ramBytes();

    /** Number of CPUs of the machine. */
    int cpuCount();

    /**
     * The CPU on whose behalf the current call runs (0 when none, e.g. in a timer callback).
     * Per-CPU windows such as the local APIC page use it.
     */
    int currentCpu();

    /**
     * Whether the machine runs in deterministic mode: the clock counts instructions and
     * devices must not consult host time (the RTC starts at a fixed epoch).
     */
    boolean deterministic();

    /**
     * Opens a character console (serial port output and input) for device {@code owner} (its
     * id, which names the log and error messages) described by {@code spec}: {@code log},
     * {@code file:<path>}, {@code gogo}, {@code tcp:<port>} (127.0.0.1), or
     * {@code null}/{@code none} for a console that discards output. The device closes it.
     *
     * @return the console, or {@code null} if this machine has no such console (e.g.
     *     {@code gogo} when no session started the machine)
     * @throws DeviceConfigException if the spec is malformed or cannot be opened
     */
    Console openConsole(String owner, String spec);

    /**
     * Publishes a machine-wide service for devices created later (the {@code pci} device
     * publishes its {@code PciBus}). Devices are created in the order of the machine
     * description.
     *
     * @throws DeviceConfigException if another instance of {@code type} is already published
     */
    <T> void publish(Class<T> type, T instance);

    /** A service an earlier device published, or {@code null}. */
    <T> T lookup(Class<T> type);

    /** Asks the board for a machine reset (RESET#: 0xCF9, keyboard controller pulse). */
    void requestReset();

    /**
     * SLP_TYP of the S5 (soft-off) state in PM1_CNT, as the firmware's DSDT names it in
     * {@code \_S5} (Xen's hvmloader DSDT with its PIIX4 PM: 7). @since 1.2
     */
    int ACPI_S5_SLP_TYP = 7;

    /**
     * Asks the board to power the machine off once the current instruction completes (ACPI S5:
     * SLP_EN written with SLP_TYP {@link #ACPI_S5_SLP_TYP} into PM1_CNT). A bare board ends as a
     * QEMU does (exit status 0); an HVM domain shuts down with reason poweroff. @since 1.2
     */
    void requestPowerOff();

    /**
     * Ends the machine with {@code status} once the current instruction completes (QEMU's
     * isa-debug-exit). The board stops the run loop and reports the status.
     */
    void requestExit(int status);
}
