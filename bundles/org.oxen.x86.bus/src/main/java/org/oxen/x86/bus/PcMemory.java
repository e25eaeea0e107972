package org.oxen.x86.bus;

import org.oxen.x86.api.DirectMemory;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;
import org.oxen.x86.host.RawMemory;

/**
 * A PC's physical address space: device windows ({@link MmioMap}) first, then RAM from 0, then
 * the ROM at the top of 4 GiB. A ROM also appears just below 1 MiB (0xF0000 for 64 KiB): its
 * bytes are copied into RAM there and that range ignores writes. Everything else reads all ones
 * and ignores writes.
 *
 * <p>RAM is any {@link PhysicalMemory} that is also {@link DirectMemory}, addressed from 0: the
 * bare machine's own {@code Ram}, or a domain's pseudo-physical memory whose pages are machine
 * frames found through its P2M (the VMM core's HVM domains). RAM and ROM pages are offered to
 * the CPU's TLB through {@link DirectMemory} (ROM pages for reads only), so the TLB caches the
 * whole linear → (guest-)physical → host-address translation; pages touched by a device window
 * never are.
 *
 * <p>Views: {@link #view(Gate)} gives another {@code PcMemory} over the same RAM, windows and
 * ROM whose device accesses run inside a {@link Gate} (a hypervisor serializes one domain's
 * devices across the pCPUs running its vcpus, and tells the devices which vcpu accesses them).
 *
 * <p>Threading: RAM accesses are the RAM's own; device accesses are serialized by the caller
 * (the board's one thread) or by the view's gate. {@link #mapRom} happens before the CPUs run.
 */
public final class PcMemory implements PhysicalMemory, DirectMemory {

    /** Wraps every device (MMIO) access of a view: {@link #enter()} before, {@link #exit()} after. */
    public interface Gate {
        void enter();

        void exit();

        /** No gate (one thread calls the devices). */
        Gate NONE = new Gate() {
            @Override
            public void enter() {
            }

            @Override
            public void exit() {
            }
        };
    }

    private static final long FOUR_GIB = 1L << 32;

    /** What every view of one address space shares. */
    private static final class Layout {
        final PhysicalMemory ram;
        final DirectMemory direct;
        final long ramSize;
        /** Whether the RAM answers addresses above {@link #ramSize} too ({@link PcMemory#sparse}). */
        final boolean sparse;
        final MmioMap mmio;
        /** Lowest address of any device window ({@code Long.MAX_VALUE} if none): below it, no lookup. */
        volatile long mmioLow = Long.MAX_VALUE;
        volatile byte[] rom;
        /** The ROM's bytes in host memory, for the TLB's reads of its high window. */
        volatile Ram romHost;
        volatile long romLowBase = Long.MAX_VALUE, romHighBase = Long.MAX_VALUE;

        Layout(PhysicalMemory ram, DirectMemory direct, long ramSize, boolean sparse, MmioMap mmio) {
            this.ram = ram;
            this.direct = direct;
            this.ramSize = ramSize;
            this.sparse = sparse;
            this.mmio = mmio;
        }
    }

    private final Layout l;
    private final PhysicalMemory ram;
    private final long ramSize;
    private final MmioMap mmio;
    private final Gate gate;

    /**
     * @param ram the RAM, addressed from 0 ({@code ramSize} bytes; it must also be
     *     {@link DirectMemory})
     * @param ramSize bytes of RAM
     * @param mmio the device windows (mapped before or after; call {@link #windowsChanged()})
     */
    public <R extends PhysicalMemory & DirectMemory> PcMemory(R ram, long ramSize, MmioMap mmio) {
        this(new Layout(ram, ram, ramSize, false, mmio), Gate.NONE);
    }

    /**
     * An address space whose RAM object also answers the addresses above {@code ramSize} that no
     * device window or ROM claims, up to 4 GiB (a hypervisor's P2M, which maps pages there —
     * Xen's special pages, add_to_physmap — and reads all ones where it maps none).
     * {@code ramSize} is still the RAM a loader may fill and the fast path's bound.
     */
    public static <R extends PhysicalMemory & DirectMemory> PcMemory sparse(R ram, long ramSize, MmioMap mmio) {
        return new PcMemory(new Layout(ram, ram, ramSize, true, mmio), Gate.NONE);
    }

    private PcMemory(Layout l, Gate gate) {
        this.l = l;
        this.ram = l.ram;
        this.ramSize = l.ramSize;
        this.mmio = l.mmio;
        this.gate = gate;
    }

    /** The same address space with device accesses inside {@code gate}. */
    public PcMemory view(Gate gate) {
        return new PcMemory(l, gate);
    }

    public long ramSize() {
        return ramSize;
    }

    /** Call after mapping device windows. */
    public void windowsChanged() {
        l.mmioLow = mmio.mappings().stream().mapToLong(MmioMap.Mapping::base).min().orElse(Long.MAX_VALUE);
    }

    /** Maps {@code image} (a multiple of 4 KiB, at most 128 KiB) below 1 MiB and below 4 GiB. */
    public void mapRom(byte[] image) {
        byte[] rom = image.clone();
        Ram romHost = new Ram(rom.length, "ROM image");
        romHost.load(0, rom, 0, rom.length);
        l.romHighBase = FOUR_GIB - rom.length;
        l.romHost = romHost;
        l.rom = rom;
        loadRam(0x100000 - rom.length, rom, 0, rom.length);
        l.romLowBase = 0x100000 - rom.length;
    }

    /**
     * Releases the host memory of the ROM image mapped by {@link #mapRom} ({@link Ram#release}):
     * for the owner of this address space when it ends, after its CPUs have stopped for good.
     * The RAM this address space was built over is its creator's to release. Since 1.4.
     */
    public void releaseRom() {
        Ram r = l.romHost;
        if (r != null) r.release();
    }

    /** Copies the ROM into its low window again (after a reset: RAM there may have been changed by DMA). */
    public void reloadRom() {
        byte[] rom = l.rom;
        if (rom != null) {
            loadRam(l.romLowBase, rom, 0, rom.length);
        }
    }

    /**
     * Copies {@code len} bytes into RAM at {@code address} (a loader's bulk write; ROM windows
     * and devices are not consulted).
     *
     * @throws IllegalArgumentException if the range is not inside RAM
     */
    public void loadRam(long address, byte[] b, int off, int len) {
        if (address < 0 || address + len > ramSize) {
            throw new IllegalArgumentException(String.format("[0x%x, 0x%x) is not inside RAM (0x%x bytes)", address,
                    address + len, ramSize));
        }
        while (len > 0) {
            long page = address & ~0xFFFL;
            int in = (int) (address - page);
            int n = Math.min(len, 4096 - in);
            long host = l.direct.directAddress(page, true);
            if (host != 0) {
                RawMemory.copyFromArray(b, off, host + in, n); // in + n <= 4096: inside the page
            } else {
                for (int k = 0; k < n; k++) {
                    ram.write8(address + k, b[off + k]);
                }
            }
            address += n;
            off += n;
            len -= n;
        }
    }

    /** Whether {@code a} (outside every device window) is the RAM object's. */
    private boolean inRam(long a) {
        return a >= 0 && (a < ramSize || l.sparse && a < FOUR_GIB && a < l.romHighBase);
    }

    private boolean romLow(long a) {
        return a >= l.romLowBase && a < 0x100000;
    }

    private MmioMap.Mapping window(long a) {
        return a >= l.mmioLow ? mmio.find(a) : null;
    }

    // ---- DirectMemory ----

    @Override
    public long directAddress(long page, boolean write) {
        if (page + 0xFFF >= l.mmioLow && (mmio.find(page) != null || mmio.find(page + 0xFFF) != null
                || touchesWindow(page))) {
            return 0;
        }
        if (romLow(page)) {
            return write ? 0 : l.direct.directAddress(page, false);
        }
        if (inRam(page)) {
            return l.direct.directAddress(page, write);
        }
        if (!write && page >= l.romHighBase && page < FOUR_GIB) {
            return l.romHost.directAddress(page - l.romHighBase, false);
        }
        return 0;
    }

    /** Log-dirty's write check (DirectMemory 1.4) passes through to the RAM; device windows and ROM have none. */
    @Override
    public boolean directWrite(long page, boolean writing) {
        return !inRam(page) || l.direct.directWrite(page, writing);
    }

    private boolean touchesWindow(long page) {
        for (MmioMap.Mapping m : mmio.mappings()) {
            if (m.base() <= page + 0xFFF && m.last() >= page) {
                return true;
            }
        }
        return false;
    }

    // ---- byte access (slow path) ----

    @Override
    public int read8(long a) {
        MmioMap.Mapping w = window(a);
        if (w != null) {
            gate.enter();
            try {
                return w.handler().read8(a - w.base()) & 0xFF;
            } finally {
                gate.exit();
            }
        }
        if (inRam(a)) {
            return ram.read8(a);
        }
        if (a >= l.romHighBase && a < FOUR_GIB) {
            return l.rom[(int) (a - l.romHighBase)] & 0xFF;
        }
        return 0xFF;
    }

    @Override
    public void write8(long a, int v) {
        MmioMap.Mapping w = window(a);
        if (w != null) {
            gate.enter();
            try {
                w.handler().write8(a - w.base(), v & 0xFF);
            } finally {
                gate.exit();
            }
            return;
        }
        if (inRam(a) && !romLow(a)) {
            ram.write8(a, v);
        }
    }

    /** Whether {@code [a, a+n)} is plain writable RAM (or readable, when {@code !write}) without windows. */
    private boolean plainRam(long a, int n, boolean write) {
        return a >= 0 && a + n <= ramSize && a + n <= l.mmioLow && !(write && a + n > l.romLowBase && a < 0x100000);
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
            gate.enter();
            try {
                return w.handler().read16(a - w.base()) & 0xFFFF;
            } finally {
                gate.exit();
            }
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
            gate.enter();
            try {
                return w.handler().read32(a - w.base());
            } finally {
                gate.exit();
            }
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
            gate.enter();
            try {
                w.handler().write16(a - w.base(), v & 0xFFFF);
            } finally {
                gate.exit();
            }
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
            gate.enter();
            try {
                w.handler().write32(a - w.base(), v);
            } finally {
                gate.exit();
            }
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
