package org.oxen.x86.api.device;

import java.util.Objects;

import org.oxen.x86.api.MmioDevice;

/**
 * A window of {@code size} bytes of physical address space handled by {@code handler}, which
 * sees offsets from the window's base. The board maps it at the base of option
 * {@code mmio.<name>}; an {@code optional} region whose option is absent is not mapped.
 *
 * <p>A {@code perCpu} window (the local APIC page) is mapped at the same address for every CPU;
 * its handler asks {@link DeviceContext#currentCpu()} which CPU is accessing it.
 */
public record MmioRegion(String name, long size, MmioDevice handler, boolean optional, boolean perCpu) {

    public MmioRegion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (size <= 0) {
            throw new IllegalArgumentException("mmio region " + name + ": bad size " + size);
        }
    }

    /** A mandatory, machine-wide region. */
    public MmioRegion(String name, long size, MmioDevice handler) {
        this(name, size, handler, false, false);
    }

    /** The configuration key holding this region's base address. */
    public String baseKey() {
        return "mmio." + name;
    }
}
