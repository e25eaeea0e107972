package org.oxen.x86.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a CPU's INTR pin sees: the 8259A pair on a PC without APIC, or the CPU's local APIC.
 *
 * <p>The CPU checks {@link #hasInterrupt()} at instruction boundaries when {@code EFLAGS.IF}
 * is set (and to leave HLT), then runs the INTA cycle with {@link #acknowledge()}, which
 * returns the vector and updates the controller's in-service state exactly as the two INTA
 * pulses of real hardware do. Implemented by interrupt controller devices, called by the CPU
 * (and by a local APIC for ExtINT from the 8259A).
 */
@ConsumerType
public interface InterruptController {

    /** Whether an interrupt is pending and not masked by the controller's own priority. */
    boolean hasInterrupt();

    /**
     * The interrupt acknowledge cycle: returns the vector (0..255) to dispatch and moves the
     * request to in-service. Called only after {@link #hasInterrupt()} returned true; a
     * controller whose request went away in between returns its spurious vector
     * (8259A: IRQ 7 of the master; local APIC: the SVR vector).
     */
    int acknowledge();
}
