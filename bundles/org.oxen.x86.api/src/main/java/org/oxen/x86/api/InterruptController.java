package org.oxen.x86.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a CPU's INTR pin sees: the 8259A pair on a PC without APIC, or the CPU's local APIC.
 *
 * <p>Push and pull: the controller drives the line given to {@link #connect} (the CPU's INTR
 * pin, or the next controller's input) with the value of {@link #hasInterrupt()} whenever it
 * may have changed; a CPU may also poll {@link #hasInterrupt()} at instruction boundaries when
 * {@code EFLAGS.IF} is set (and to leave HLT). Either way, it then runs the INTA cycle with
 * {@link #acknowledge()}, which returns the vector and updates the controller's in-service
 * state exactly as the two INTA pulses of real hardware do. Implemented by interrupt
 * controller devices, called by the CPU (and by a local APIC for ExtINT from the 8259A).
 * {@code controller::acknowledge} fits a CPU's acknowledge callback.
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

    /**
     * Connects the controller's output: from now on it drives {@code output} with
     * {@link #hasInterrupt()} on every change, starting with the current value. Replaces the
     * previous connection. The machine's interrupt router makes these connections.
     */
    void connect(InterruptLine output);
}
