package org.oxen.x86.bus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * The devices of one machine, created and mapped from its description all or nothing: the
 * board's step between "description parsed" and "CPU started".
 *
 * <p>For each entry, in order: find the factory of its type (unknown types are an error that
 * lists the installed ones), create the device, map its port and MMIO regions at the bases of
 * its options, reject options nobody read. On the first error every device created so far is
 * unmapped and closed, and the error (a {@link DeviceConfigException} naming the device and the
 * key, port or address) is thrown: nothing is started.
 */
public final class DeviceAssembly {

    /** One created device and where it is mapped. */
    public record Placed(DeviceEntry entry, Device device, List<IoPortBus.Mapping> ports, List<MmioMap.Mapping> mmio) {
    }

    private final List<Placed> placed;

    private DeviceAssembly(List<Placed> placed) {
        this.placed = Collections.unmodifiableList(placed);
    }

    /**
     * Creates and maps every device of {@code entries}.
     *
     * @param factories the installed factories by type ({@code oxen.device.name}), a snapshot
     *     taken for this machine
     */
    public static DeviceAssembly assemble(List<DeviceEntry> entries, Map<String, DeviceFactory> factories,
            DeviceContext context, IoPortBus io, MmioMap mmio) {
        List<Placed> done = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        try {
            for (DeviceEntry e : entries) {
                if (!ids.add(e.id())) {
                    throw new DeviceConfigException("device id '" + e.id() + "' is used twice");
                }
                DeviceFactory f = factories.get(e.type());
                if (f == null) {
                    throw new DeviceConfigException("device " + e.id() + ": unknown device type '" + e.type()
                            + "' (installed: " + String.join(" ", new TreeSet<>(factories.keySet())) + ")");
                }
                DeviceConfig cfg = e.config();
                Device d;
                try {
                    d = f.create(context, cfg);
                } catch (DeviceConfigException ex) {
                    throw ex;
                } catch (RuntimeException ex) {
                    throw new DeviceConfigException(cfg.describe() + ": " + ex.getMessage(), ex);
                }
                Placed p = new Placed(e, d, new ArrayList<>(), new ArrayList<>());
                done.add(p);
                p.ports().addAll(io.mapDevice(d, cfg));
                p.mmio().addAll(mmio.mapDevice(d, cfg));
                cfg.checkAllUsed();
            }
        } catch (RuntimeException ex) {
            for (int i = done.size() - 1; i >= 0; i--) {
                Placed p = done.get(i);
                p.ports().forEach(io::unmap);
                p.mmio().forEach(mmio::unmap);
                try {
                    p.device().close();
                } catch (RuntimeException suppressed) {
                    ex.addSuppressed(suppressed);
                }
            }
            throw ex;
        }
        return new DeviceAssembly(done);
    }

    /** The devices, in description order. */
    public List<Placed> devices() {
        return placed;
    }

    /** Machine reset: every device back to its power-on state, in description order. */
    public void resetAll() {
        placed.forEach(p -> p.device().reset());
    }

    /** The machine is gone: closes every device, last created first. */
    public void closeAll() {
        for (int i = placed.size() - 1; i >= 0; i--) {
            placed.get(i).device().close();
        }
    }
}
