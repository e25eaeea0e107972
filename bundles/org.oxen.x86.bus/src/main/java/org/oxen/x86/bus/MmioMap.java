package org.oxen.x86.bus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.oxen.x86.api.MmioDevice;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.device.MmioRegion;

/**
 * The device windows of the physical address space, for the board's {@code PhysicalMemory}
 * to consult before RAM (v86 registers MMIO per block; QEMU keeps a flat view). Windows never
 * overlap; a lookup is a binary search over the windows' bases. Per-CPU windows (the local APIC page)
 * are mapped once: their handler selects the CPU itself.
 *
 * <p>Design: the sorted map is for mapping and listing; every change publishes a new
 * {@link Sorted} view (bases in a {@code long[]}, the windows beside them) that {@link #find}
 * reads, so a device access boxes nothing and allocates nothing (it is on the path of every
 * local-APIC and I/O-APIC access). Locking: changes are the board builder's (one thread);
 * {@code find} may run on another thread and then sees the view before or after a change, whole.
 */
public final class MmioMap {

    /** One mapped window. */
    public record Mapping(String owner, String region, long base, long size, MmioDevice handler, boolean perCpu) {
        public long last() {
            return base + size - 1;
        }

        @Override
        public String toString() {
            return String.format("%s region '%s' [0x%x-0x%x]", owner, region, base, last());
        }
    }

    private final TreeMap<Long, Mapping> windows = new TreeMap<>();
    /** The windows by base, for {@link #find}; replaced whole at each change. */
    private volatile Sorted sorted = new Sorted(new long[0], new Mapping[0]);

    private record Sorted(long[] bases, Mapping[] mappings) {
    }

    private void publish() {
        Mapping[] ms = windows.values().toArray(new Mapping[0]);
        long[] bases = new long[ms.length];
        for (int i = 0; i < ms.length; i++) bases[i] = ms[i].base();
        sorted = new Sorted(bases, ms);
    }

    /**
     * Maps a window.
     *
     * @throws DeviceConfigException naming both devices and the first shared address if it
     *     overlaps a window already mapped, or if it leaves the 36-bit physical address space
     */
    public Mapping map(String owner, String region, long base, long size, MmioDevice handler, boolean perCpu) {
        if (base < 0 || size <= 0 || base + size > 1L << 36) {
            throw new DeviceConfigException(String.format("device %s: region '%s' at 0x%x size 0x%x is outside the physical address space",
                    owner, region, base, size));
        }
        Mapping m = new Mapping(owner, region, base, size, handler, perCpu);
        Map.Entry<Long, Mapping> below = windows.floorEntry(m.last());
        if (below != null && below.getValue().last() >= base) {
            Mapping other = below.getValue();
            throw new DeviceConfigException(String.format("address 0x%x: device %s overlaps device %s",
                    Math.max(base, other.base()), m, other));
        }
        windows.put(base, m);
        publish();
        return m;
    }

    /**
     * Maps every MMIO region of {@code device} at the base its configuration gives
     * ({@code mmio.<region>}); optional regions without a base are skipped. All or nothing.
     */
    public List<Mapping> mapDevice(Device device, DeviceConfig config) {
        List<Mapping> made = new ArrayList<>();
        try {
            for (MmioRegion r : device.mmioRegions()) {
                long base = config.regionBase(r.baseKey(), r.optional(), (1L << 36) - 1);
                if (base >= 0) {
                    made.add(map(config.id(), r.name(), base, r.size(), r.handler(), r.perCpu()));
                }
            }
        } catch (RuntimeException e) {
            made.forEach(this::unmap);
            throw e;
        }
        return made;
    }

    /** Removes one window. */
    public void unmap(Mapping m) {
        if (windows.remove(m.base(), m)) {
            publish();
        }
    }

    /** The window containing {@code address}, or {@code null} (RAM, ROM or nothing). */
    public Mapping find(long address) {
        Sorted v = sorted;
        int i = java.util.Arrays.binarySearch(v.bases, address);
        if (i < 0) i = -i - 2; // the window with the greatest base below the address
        if (i < 0) return null;
        Mapping m = v.mappings[i];
        return m.last() >= address ? m : null;
    }

    /** Every window, by address. */
    public List<Mapping> mappings() {
        return List.copyOf(windows.values());
    }
}
