package org.oxen.x86.api.device;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The APIC bus (the system bus messages of Intel SDM vol. 3, 10.6 and 10.11): I/O APICs and
 * local APICs deliver interrupt messages through it. Implemented by the local APIC device,
 * which owns every CPU's local APIC; reached through {@link InterruptRouter#apicBus()}.
 */
@ConsumerType
public interface ApicBus {

    /** Delivery modes (ICR / redirection entry bits 10:8). */
    int FIXED = 0, LOWEST_PRIORITY = 1, SMI = 2, NMI = 4, INIT = 5, STARTUP = 6, EXTINT = 7;

    /**
     * Delivers one interrupt message.
     *
     * @param destination APIC ID (physical mode) or logical destination bits; 0xFF broadcasts
     * @param logical destination mode: logical ({@code true}) or physical
     * @param deliveryMode one of the delivery-mode constants
     * @param vector the vector (ignored by NMI, INIT, ExtINT; page number for STARTUP)
     * @param levelTriggered trigger mode; the target's TMR bit is set for level messages
     */
    void deliver(int destination, boolean logical, int deliveryMode, int vector, boolean levelTriggered);
}
