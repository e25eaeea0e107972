package org.oxen.x86.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A device mapped into the physical address space.
 *
 * <p>The board maps it at a base address from the machine description and passes the offset
 * from that base. As with {@link IoPortDevice}, wider accesses default to little-endian byte
 * sequences and values are zero-extended.
 */
@ConsumerType
public interface MmioDevice {

    int read8(long offset);

    void write8(long offset, int value);

    default int read16(long offset) {
        return read8(offset) | read8(offset + 1) << 8;
    }

    default int read32(long offset) {
        return read16(offset) | read16(offset + 2) << 16;
    }

    default void write16(long offset, int value) {
        write8(offset, value);
        write8(offset + 1, value >>> 8);
    }

    default void write32(long offset, int value) {
        write16(offset, value);
        write16(offset + 2, value >>> 16);
    }
}
