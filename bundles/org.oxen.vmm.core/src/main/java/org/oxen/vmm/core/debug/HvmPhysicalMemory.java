package org.oxen.vmm.core.debug;

import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;

/**
 * An HVM domain's guest-physical memory as its debugger may touch it: what the domain's P2M
 * maps (its RAM, the special pages, shared_info and grant frames where the guest put them), so a
 * breakpoint's address from {@code translateLinear} (guest-physical) lands in the domain's own
 * frame. Pages without a frame (device windows, holes) are an {@link IllegalArgumentException}
 * naming the address: a debugger never reaches a device through them, nor another domain's memory.
 *
 * <p>Locking: none; the P2M lookup is the vcpus' own (DomainMemory's copy-on-write high map, the
 * RAM array written under the mm lock).
 */
final class HvmPhysicalMemory implements PhysicalMemory {

    private final DomainImpl domain;
    private final Ram ram;

    HvmPhysicalMemory(DomainImpl domain) {
        this.domain = domain;
        this.ram = domain.ram();
    }

    private long machine(long address, int size) {
        if (address < 0 || address + size > 1L << 32 || (address & 0xFFF) + size > 0x1000) {
            if (address >= 0 && address + size <= 1L << 32) return -1; // crosses a page: bytewise
            throw new IllegalArgumentException(String.format("guest-physical address 0x%x is outside domain %d's "
                    + "physical space", address, domain.id()));
        }
        int mfn = domain.memory().p2m((int) (address >>> 12));
        if (mfn < 0) {
            throw new IllegalArgumentException(String.format("guest-physical address 0x%x of domain %d has no RAM",
                    address, domain.id()));
        }
        return ((long) mfn << 12) | (address & 0xFFF);
    }

    @Override
    public int read8(long address) {
        return ram.read8(machine(address, 1));
    }

    @Override
    public int read16(long address) {
        long m = machine(address, 2);
        return m >= 0 ? ram.read16(m) : read8(address) | read8(address + 1) << 8;
    }

    @Override
    public int read32(long address) {
        long m = machine(address, 4);
        return m >= 0 ? ram.read32(m) : read16(address) | read16(address + 2) << 16;
    }

    @Override
    public long read64(long address) {
        long m = machine(address, 8);
        return m >= 0 ? ram.read64(m) : (read32(address) & 0xFFFFFFFFL) | (long) read32(address + 4) << 32;
    }

    @Override
    public void write8(long address, int value) {
        ram.write8(machine(address, 1), value);
    }

    @Override
    public void write16(long address, int value) {
        long m = machine(address, 2);
        if (m >= 0) {
            ram.write16(m, value);
        } else {
            write8(address, value);
            write8(address + 1, value >>> 8);
        }
    }

    @Override
    public void write32(long address, int value) {
        long m = machine(address, 4);
        if (m >= 0) {
            ram.write32(m, value);
        } else {
            write16(address, value);
            write16(address + 2, value >>> 16);
        }
    }

    @Override
    public void write64(long address, long value) {
        long m = machine(address, 8);
        if (m >= 0) {
            ram.write64(m, value);
        } else {
            write32(address, (int) value);
            write32(address + 4, (int) (value >>> 32));
        }
    }
}
