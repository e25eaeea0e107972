package org.oxen.x86.cpu.internal.x64;

import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.host.RawMemory;

/**
 * A {@link NativeRunner}'s RAM (a host mapping) as an interpreter's physical memory: every
 * address checked against the mapping's size; outside it reads are all ones and writes are
 * dropped, as on a bus with nothing there. Test and benchmark support.
 */
final class NativeRam implements PhysicalMemory {

    private final long base;
    private final long size;

    NativeRam(long base, long size) {
        this.base = base;
        this.size = size;
    }

    private boolean inside(long address, int bytes) {
        return address >= 0 && address + bytes <= size;
    }

    @Override
    public int read8(long address) {
        return inside(address, 1) ? RawMemory.getByte(base + address) & 0xFF : 0xFF;
    }

    @Override
    public int read16(long address) {
        return inside(address, 2) ? RawMemory.getShort(base + address) & 0xFFFF : 0xFFFF;
    }

    @Override
    public int read32(long address) {
        return inside(address, 4) ? RawMemory.getInt(base + address) : -1;
    }

    @Override
    public long read64(long address) {
        return inside(address, 8) ? RawMemory.getLong(base + address) : -1L;
    }

    @Override
    public void write8(long address, int value) {
        if (inside(address, 1)) RawMemory.putByte(base + address, (byte) value);
    }

    @Override
    public void write16(long address, int value) {
        if (inside(address, 2)) RawMemory.putShort(base + address, (short) value);
    }

    @Override
    public void write32(long address, int value) {
        if (inside(address, 4)) RawMemory.putInt(base + address, value);
    }

    @Override
    public void write64(long address, long value) {
        if (inside(address, 8)) RawMemory.putLong(base + address, value);
    }
}
