package org.oxen.x86.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The physical (for PV guests: machine) address space as the CPU and DMA-capable devices see
 * it: RAM, ROM and MMIO regions. Little-endian; values are zero-extended.
 *
 * <p>Addresses are up to 36 bits wide under PAE, hence {@code long}. Reads of unbacked
 * addresses return all ones; writes to them are ignored.
 */
@ProviderType
public interface PhysicalMemory {

    int read8(long address);

    int read16(long address);

    int read32(long address);

    long read64(long address);

    void write8(long address, int value);

    void write16(long address, int value);

    void write32(long address, int value);

    void write64(long address, long value);
}
