package org.oxen.x86.api.pci;

import org.osgi.annotation.versioning.ProviderType;
import org.oxen.x86.api.InterruptLine;

/**
 * PCI bus 0 of a machine: 32 device slots of 8 functions each, addressed by {@code devfn}
 * ({@code device << 3 | function}). Provided by the {@code pci} device, which plugs the host
 * bridge at 00.0 and the ISA bridge at 01.0.
 */
@ProviderType
public interface PciBus {

    /**
     * Plugs {@code function} at {@code devfn}, or at function 0 of the first free device slot
     * when {@code devfn} is negative.
     *
     * @param owner the device id, for messages
     * @return the devfn used
     * @throws IllegalArgumentException naming both owners if the slot is taken
     */
    int plug(int devfn, PciFunction function, String owner);

    /** Removes the function at {@code devfn}; harmless if none. */
    void unplug(int devfn);

    /**
     * The line of interrupt pin {@code pin} (1 = INTA# .. 4 = INTD#) of the function at
     * {@code devfn}: level-triggered, shared, routed by slot swizzling to PIRQ A-D.
     */
    InterruptLine intx(int devfn, int pin);
}
