package org.oxen.io.netback;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;

import org.oxen.io.vswitch.VirtualSwitches;
import org.oxen.vmm.api.backend.Backend;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.BackendStatistics;
import org.oxen.vmm.api.backend.XenbusState;

/**
 * The vif backend factory, usable without a framework (the tests hand it to xenbus directly), and
 * the {@link BackendStatistics} of its devices: each vif's counters under Linux's net-device names
 * ({@code rx_bytes}, {@code rx_packets}, ... {@code tx_dropped}; rx is what the frontend sent,
 * tx what it was given, as on dom0's {@code vif<domid>.<devid>}), which xl top reads.
 * Thread-safe.
 */
public final class Netback implements BackendFactory, BackendStatistics {

    private final VirtualSwitches switches;
    private final LongSupplier clock;
    final NetbackStats stats = new NetbackStats();

    /** @param clock monotonic nanoseconds for the rate limit */
    public Netback(VirtualSwitches switches, LongSupplier clock) {
        this.switches = switches;
        this.clock = clock;
    }

    @Override
    public VifBackend create(BackendDevice device) {
        VifBackend b = new VifBackend(device, switches, clock, stats);
        stats.created(b);
        return b;
    }

    @Override
    public List<Device> devices() {
        List<Device> l = new ArrayList<>();
        for (VifBackend b : stats.backends) {
            BackendDevice d = b.device();
            l.add(new Device("vif", d.frontendDomid(), d.devid(), d.state() == XenbusState.CONNECTED,
                    b.counters().snapshot()));
        }
        l.sort(Comparator.comparingInt(Device::domid).thenComparingInt(Device::devid));
        return l;
    }

    /** Frontends this netback found hostile, as "vifD.N: reason". */
    public List<String> fatalErrors() {
        return stats.fatals.stream().map(f -> f.vif() + ": " + f.why()).toList();
    }

    /** The vifs connected now, by name. */
    public List<String> connectedVifs() {
        return stats.live.stream().map(Vif::name).toList();
    }

    /** The connected vif of that name (its negotiated features), for tests. */
    Vif vif(String name) {
        return stats.live.stream().filter(v -> v.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no connected vif " + name));
    }

    /** Stops every vif still serving (xenbus closes the backends themselves). */
    void close() {
        for (Vif v : stats.live) v.stop();
    }
}
