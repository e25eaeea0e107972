package org.oxen.x86.api.device;

import org.osgi.annotation.versioning.ProviderType;
import org.oxen.x86.api.InterruptController;

/**
 * One CPU's local APIC as its CPU sees it (Intel SDM vol. 3, chapter 10): the INTR side of
 * {@link InterruptController} (fixed interrupts by priority, then ExtINT from the 8259A
 * through LINT0), plus the events that are not vectored through INTA, which the CPU (or the
 * board for a halted or waiting CPU) polls between instructions or batches, and the
 * {@code IA32_APIC_BASE} MSR (0x1B).
 *
 * <p>Implemented by the {@code lapic} device; reached through
 * {@link InterruptRouter#localApic(int)}.
 */
@ProviderType
public interface LocalApic extends InterruptController {

    /** Event bits of {@link #takeEvents()}. */
    int EVENT_NMI = 1, EVENT_INIT = 2, EVENT_STARTUP = 4, EVENT_SMI = 8;

    /**
     * The LINT0 input pin: the 8259A's INTR output, wired to every local APIC by the router.
     * Used when LVT LINT0 is unmasked in ExtINT mode, or the APIC is disabled.
     */
    void setLint0(boolean level);

    /**
     * Called (on the machine thread) whenever an event becomes pending, so the board can
     * wake a halted CPU or raise its NMI; {@code null} removes the listener.
     */
    void setEventListener(Runnable listener);

    /** This APIC's ID (its CPU index on oxen machines). */
    int id();

    /**
     * The clock the timer counts before its divider, in Hz (the bus or core crystal clock; the
     * board announces it to the OS in CPUID leaf 0x15 so the OS need not calibrate the timer).
     */
    long timerHz();

    /**
     * Whether an event is pending: an NMI, an INIT (reset the CPU, then wait for STARTUP
     * unless it is the bootstrap processor), a STARTUP (start real mode at
     * {@code startupVector() << 12}) or an SMI.
     */
    int pendingEvents();

    /** Returns the pending event bits and clears them. */
    int takeEvents();

    /** The vector of the last accepted STARTUP IPI (the page number of the AP's start code). */
    int startupVector();

    /** {@code IA32_APIC_BASE}: base address, bit 11 global enable, bit 8 BSP. */
    long baseMsr();

    /**
     * Writes {@code IA32_APIC_BASE}. Clearing bit 11 disables the APIC (interrupts come from
     * the 8259A again); the base address reads back, but the board keeps the page at the
     * address of the machine description.
     */
    void writeBaseMsr(long value);
}
