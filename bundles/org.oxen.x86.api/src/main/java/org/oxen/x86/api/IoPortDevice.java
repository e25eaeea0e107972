package org.oxen.x86.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A device on the I/O-port bus.
 *
 * <p>The bus maps a device at a base port taken from the machine description and passes the
 * offset from that base. Multi-byte accesses default to little-endian sequences of byte
 * accesses (like QEMU's {@code MemoryRegionOps} with a 1-byte maximum access size); devices
 * with real 16- or 32-bit registers override them. Values are zero-extended in an {@code int}.
 */
@ConsumerType
public interface IoPortDevice {

    /** Reads one byte at {@code offset} from the device's base. */
    int read8(int offset);

    /** Writes the low byte of {@code value} at {@code offset}. */
    void write8(int offset, int value);

    default int read16(int offset) {
        return read8(offset) | read8(offset + 1) << 8;
    }

    default int read32(int offset) {
        return read16(offset) | read16(offset + 2) << 16;
    }

    default void write16(int offset, int value) {
        write8(offset, value);
        write8(offset + 1, value >>> 8);
    }

    default void write32(int offset, int value) {
        write16(offset, value);
        write16(offset + 2, value >>> 16);
    }
}
