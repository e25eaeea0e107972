package org.oxen.x86.api.device;

import java.util.Objects;

import org.oxen.x86.api.IoPortDevice;

/**
 * A window of {@code size} consecutive I/O ports handled by {@code handler}, which sees
 * offsets {@code 0..size-1}. The board maps it at the base of option {@code io.<name>}; an
 * {@code optional} region whose option is absent is simply not mapped.
 */
public record PortRegion(String name, int size, IoPortDevice handler, boolean optional) {

    public PortRegion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (size <= 0 || size > 0x10000) {
            throw new IllegalArgumentException("port region " + name + ": bad size " + size);
        }
    }

    /** A mandatory region. */
    public PortRegion(String name, int size, IoPortDevice handler) {
        this(name, size, handler, false);
    }

    /** The configuration key holding this region's base port. */
    public String baseKey() {
        return "io." + name;
    }
}
