package org.oxen.x86.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The interrupt controller as the CPU sees it on an INTR acknowledge cycle (the 8259A's INTA,
 * or the local APIC). The CPU calls it only while its INTR input is high and EFLAGS.IF is set.
 */
@ConsumerType
public interface InterruptAcknowledge {

    /** Acknowledges the highest-priority pending request and returns its vector (0..255). */
    int acknowledge();
}
