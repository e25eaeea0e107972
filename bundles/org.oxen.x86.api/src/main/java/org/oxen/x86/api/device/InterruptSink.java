package org.oxen.x86.api.device;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The interrupt inputs of a controller (8259A pair, I/O APIC), attached to the
 * {@link InterruptRouter} so that every ISA IRQ / GSI line reaches every controller, as on a
 * PC where the PIC and the I/O APIC both see the ISA IRQs.
 */
@ConsumerType
public interface InterruptSink {

    /**
     * The level of input line {@code irq} changed (ISA IRQ 0..15, GSI beyond). A controller
     * ignores numbers it has no pin for. Edge or level sensing is the controller's business.
     */
    void setInput(int irq, boolean level);

    /**
     * A local APIC accepted an EOI for a level-triggered {@code vector} and broadcasts it
     * (I/O APICs clear the remote IRR of entries with that vector).
     */
    default void endOfInterrupt(int vector) {
    }

    /**
     * (1.4) A local APIC's CPU acknowledged {@code vector} (its INTA): an I/O APIC reports the
     * line of each pin whose redirection entry has that vector with
     * {@link InterruptRouter#lineAcknowledged}.
     */
    default void acknowledged(int vector) {
    }
}
