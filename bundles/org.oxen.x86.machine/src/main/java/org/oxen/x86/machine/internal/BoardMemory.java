package org.oxen.x86.machine.internal;

import org.oxen.x86.api.DirectMemory;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;
import org.oxen.x86.bus.MmioMap;

/**
 * The PC's physical address space: device windows ({@link MmioMap}) first, then RAM from 0,
 * then the ROM at the top of 4 GiB. A ROM also appears just below 1 MiB (0xF0000 for 64 KiB):
 * its bytes are copied into RAM there and that range ignores writes. Everything else reads
 * all ones and ignores writes.
 *
 * <p>RAM and ROM pages are offered to the CPU's TLB through {@link DirectMemory} (ROM pages
 * for reads only); pages touched by a device window never are. Threading: the machine thread.
 */
final class BoardMemory implements PhysicalMemory, DirectMemory {

    private static final long FOUR_GIB = 1L << 32;

    private final Ram ram;
    private final long ramSize;
    private final MmioMap mmio;
    /** Lowest address of any device window ({@code Long.MAX_VALUE} if none): below it, no lookup. */
    private long mmioLow = Long.MAX_VALUE;
    private byte[] rom;
    private long romLowBase = Long.MAX_VALUE, romHighBase = Long.MAX_VALUE;
    BoardMemory(Ram ram, MmioMap mmio) {
        this.ram = ram;
        this.ramSize = ram.size();
        this.mmio = mmio;
    }

    Ram ram() {
        return ram;
    }

    /** Call after mapping device windows. */
    void windowsChanged() {
        mmioLow = mmio.mappings().stream().mapToLong(MmioMap.Mapping::base).min().orElse(Long.MAX_VALUE);
    }

    /** Maps {@code image} (a multiple of 4 KiB, at most 128 KiB) below 1 MiB and below 4 GiB. */
    void mapRom(byte[] image) {
        rom = image.clone();
        romLowBase = 0x100000 - rom.length;
        romHighBase = FOUR_GIB - rom.length;
        ram.load(romLowBase, rom, 0, rom.length);
    }

    /** Copies the ROM into its low window again (after a reset: RAM there may have been changed by DMA). */
    void reloadRom() {
        if (rom != null) {
            ram.load(romLowBase, rom, 0, rom.length);
        }
    }

    private boolean romLow(long a) {
        return a >= romLowBase && a < 0x100000;
    }

    private MmioMap.Mapping window(long a) {
        return a >= mmioLow ? mmio.find(a) : null;
    }

    // ---- DirectMemory ----

    @Override
    public byte[] directArray(long page, boolean write) {
        if (page + 0xFFF >= mmioLow && (mmio.find(page) != null || mmio.find(page + 0xFFF) != null
                || touchesWindow(page))) {
            return null;
        }
        if (romLow(page)) {
            return write ? null : ram.directArray(page, false);
        }
        if (page >= 0 && page < ramSize) {
            return ram.directArray(page, write);
        }
        if (!write && page >= romHighBase && page < FOUR_GIB) {
            return rom;
        }
        return null;
    }

    @Override
    public boolean directWrite(long page, boolean writing) {
        return page < 0 || page >= ramSize || ram.directWrite(page, writing);
    }

    private boolean touchesWindow(long page) {
        for (MmioMap.Mapping m : mmio.mappings()) {
            if (m.base() <= page + 0xFFF && m.last() >= page) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int directOffset(long page) {
        if (page >= romHighBase && page < FOUR_GIB) {
            return (int) (page - romHighBase);
        }
        return ram.directOffset(page);
    }

    // ---- byte access (slow path) ----

    @Override
    public int read8(long a) {
        MmioMap.Mapping w = window(a);
        if (w != null) {
            int v = w.handler().read8(a - w.base()) & 0xFF;
            return v;
        }
        if (a >= 0 && a < ramSize) {
            return ram.read8(a);
        }
        if (a >= romHighBase && a < FOUR_GIB) {
            return rom[(int) (a - romHighBase)] & 0xFF;
        }
        return 0xFF;
    }

    @Override
    public void write8(long a, int v) {
        MmioMap.Mapping w = window(a);
        if (w != null) {
            w.handler().write8(a - w.base(), v & 0xFF);
            return;
        }
        if (a >= 0 && a < ramSize && !romLow(a)) {
            ram.write8(a, v);
        }
    }

    /** Whether {@code [a, a+n)} is plain writable RAM (or readable, when {@code !write}) without windows. */
    private boolean plainRam(long a, int n, boolean write) {
        return a >= 0 && a + n <= ramSize && a + n <= mmioLow && !(write && a + n > romLowBase && a < 0x100000);
    }

    private MmioMap.Mapping wholeWindow(long a, int n) {
        MmioMap.Mapping w = window(a);
        return w != null && a + n - 1 <= w.last() ? w : null;
    }

    @Override
    public int read16(long a) {
        if (plainRam(a, 2, false)) {
            return ram.read16(a);
        }
        MmioMap.Mapping w = wholeWindow(a, 2);
        if (w != null) {
            int v = w.handler().read16(a - w.base()) & 0xFFFF;
            return v;
        }
        return read8(a) | read8(a + 1) << 8;
    }

    @Override
    public int read32(long a) {
        if (plainRam(a, 4, false)) {
            return ram.read32(a);
        }
        MmioMap.Mapping w = wholeWindow(a, 4);
        if (w != null) {
            int v = w.handler().read32(a - w.base());
            return v;
        }
        return read16(a) | read16(a + 2) << 16;
    }

    @Override
    public long read64(long a) {
        if (plainRam(a, 8, false)) {
            return ram.read64(a);
        }
        return (read32(a) & 0xFFFFFFFFL) | (long) read32(a + 4) << 32;
    }

    @Override
    public void write16(long a, int v) {
        if (plainRam(a, 2, true)) {
            ram.write16(a, v);
            return;
        }
        MmioMap.Mapping w = wholeWindow(a, 2);
        if (w != null) {
            w.handler().write16(a - w.base(), v & 0xFFFF);
            return;
        }
        write8(a, v);
        write8(a + 1, v >>> 8);
    }

    @Override
    public void write32(long a, int v) {
        if (plainRam(a, 4, true)) {
            ram.write32(a, v);
            return;
        }
        MmioMap.Mapping w = wholeWindow(a, 4);
        if (w != null) {
            w.handler().write32(a - w.base(), v);
            return;
        }
        write16(a, v);
        write16(a + 2, v >>> 16);
    }

    @Override
    public void write64(long a, long v) {
        if (plainRam(a, 8, true)) {
            ram.write64(a, v);
            return;
        }
        write32(a, (int) v);
        write32(a + 4, (int) (v >>> 32));
    }
}
