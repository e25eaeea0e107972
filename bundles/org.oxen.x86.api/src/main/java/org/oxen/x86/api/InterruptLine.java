package org.oxen.x86.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One interrupt wire from a device to an interrupt controller input (an IRQ pin).
 *
 * <p>The device drives the level; whether the controller latches edges or levels is the
 * controller's business (ELCR, I/O APIC redirection entry). An edge is {@link #pulse()}.
 */
@ProviderType
public interface InterruptLine {

    /** Drives the line high ({@code true}) or low. */
    void set(boolean high);

    default void raise() {
        set(true);
    }

    default void lower() {
        set(false);
    }

    /** A rising then falling edge. */
    default void pulse() {
        set(true);
        set(false);
    }
}
