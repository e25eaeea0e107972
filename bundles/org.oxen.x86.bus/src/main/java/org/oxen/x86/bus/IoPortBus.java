package org.oxen.x86.bus;

import java.util.ArrayList;
import java.util.List;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.PortRegion;
import org.oxen.x86.api.device.DeviceConfigException;

/**
 * The I/O-port address space: 65536 byte ports, each owned by at most one mapped window.
 *
 * <p>Like v86's {@code io.js}, unconnected ports are served by a null device: reads return all
 * ones (0xFF, 0xFFFF, 0xFFFFFFFF), writes are ignored. A 16- or 32-bit access that lies wholly
 * inside one window goes to the handler's wide method with the offset from the window base;
 * one that straddles windows is split into byte accesses, little-endian. Ports wrap at 0xFFFF.
 *
 * <p>This bus is itself an {@link IoPortDevice} addressed by absolute port (base 0), so the CPU
 * can hold it as its port space.
 */
public final class IoPortBus implements IoPortDevice {

    /** One mapped window. */
    public record Mapping(String owner, String region, int base, int size, IoPortDevice handler) {
        public int last() {
            return base + size - 1;
        }

        @Override
        public String toString() {
            return String.format("%s region '%s' [0x%x-0x%x]", owner, region, base, last());
        }
    }

    private static final IoPortDevice NULL_DEVICE = new IoPortDevice() {
        @Override
        public int read8(int offset) {
            return 0xFF;
        }

        @Override
        public void write8(int offset, int value) {
        }
    };

    private static final Mapping UNMAPPED = new Mapping("(none)", "(none)", 0, 0x10000, NULL_DEVICE);

    private final Mapping[] ports = new Mapping[0x10000];

    public IoPortBus() {
        java.util.Arrays.fill(ports, UNMAPPED);
    }

    /**
     * Maps {@code handler} at ports {@code base..base+size-1}.
     *
     * @param owner the device id, for messages
     * @throws DeviceConfigException naming both devices and the first shared port if the
     *     window overlaps one already mapped, or if it runs past port 0xFFFF
     */
    public Mapping map(String owner, String region, int base, int size, IoPortDevice handler) {
        if (base < 0 || size <= 0 || base + size > 0x10000) {
            throw new DeviceConfigException(String.format("device %s: region '%s' at 0x%x size %d is outside the port space",
                    owner, region, base, size));
        }
        Mapping m = new Mapping(owner, region, base, size, handler);
        for (int p = base; p < base + size; p++) {
            if (ports[p] != UNMAPPED) {
                throw new DeviceConfigException(String.format("port 0x%x: device %s overlaps device %s", p, m, ports[p]));
            }
        }
        for (int p = base; p < base + size; p++) {
            ports[p] = m;
        }
        return m;
    }

    /**
     * Maps every port region of {@code device} at the base its configuration gives
     * ({@code io.<region>}); optional regions without a base are skipped. All or nothing: on
     * an error (missing base, overlap) the regions mapped so far are removed again.
     *
     * @return the mappings made
     */
    public List<Mapping> mapDevice(Device device, DeviceConfig config) {
        List<Mapping> made = new ArrayList<>();
        try {
            for (PortRegion r : device.portRegions()) {
                long base = config.regionBase(r.baseKey(), r.optional(), 0xFFFF);
                if (base >= 0) {
                    made.add(map(config.id(), r.name(), (int) base, r.size(), r.handler()));
                }
            }
        } catch (RuntimeException e) {
            for (Mapping m : made) {
                unmap(m);
            }
            throw e;
        }
        return made;
    }

    /** Removes one window. */
    public void unmap(Mapping m) {
        for (int p = m.base; p <= m.last(); p++) {
            if (ports[p] == m) {
                ports[p] = UNMAPPED;
            }
        }
    }

    /** Removes every window of {@code owner}. */
    public void unmapAll(String owner) {
        for (int p = 0; p < ports.length; p++) {
            if (ports[p].owner().equals(owner) && ports[p] != UNMAPPED) {
                ports[p] = UNMAPPED;
            }
        }
    }

    /** The window at {@code port}, or {@code null} if unconnected. */
    public Mapping at(int port) {
        Mapping m = ports[port & 0xFFFF];
        return m == UNMAPPED ? null : m;
    }

    /** Every window, in port order. */
    public List<Mapping> mappings() {
        List<Mapping> list = new ArrayList<>();
        Mapping last = null;
        for (Mapping m : ports) {
            if (m != UNMAPPED && m != last) {
                list.add(m);
            }
            last = m;
        }
        return list;
    }

    @Override
    public int read8(int port) {
        Mapping m = ports[port & 0xFFFF];
        return m.handler.read8((port & 0xFFFF) - m.base) & 0xFF;
    }

    @Override
    public void write8(int port, int value) {
        Mapping m = ports[port & 0xFFFF];
        m.handler.write8((port & 0xFFFF) - m.base, value & 0xFF);
    }

    @Override
    public int read16(int port) {
        port &= 0xFFFF;
        Mapping m = ports[port];
        if (m != UNMAPPED && port + 1 <= m.last()) {
            return m.handler.read16(port - m.base) & 0xFFFF;
        }
        return read8(port) | read8(port + 1) << 8;
    }

    @Override
    public int read32(int port) {
        port &= 0xFFFF;
        Mapping m = ports[port];
        if (m != UNMAPPED && port + 3 <= m.last()) {
            return m.handler.read32(port - m.base);
        }
        return read16(port) | read16(port + 2) << 16;
    }

    @Override
    public void write16(int port, int value) {
        port &= 0xFFFF;
        Mapping m = ports[port];
        if (m != UNMAPPED && port + 1 <= m.last()) {
            m.handler.write16(port - m.base, value & 0xFFFF);
            return;
        }
        write8(port, value);
        write8(port + 1, value >>> 8);
    }

    @Override
    public void write32(int port, int value) {
        port &= 0xFFFF;
        Mapping m = ports[port];
        if (m != UNMAPPED && port + 3 <= m.last()) {
            m.handler.write32(port - m.base, value);
            return;
        }
        write16(port, value);
        write16(port + 2, value >>> 16);
    }
}
