package org.oxen.io.netback;

import java.util.List;
import java.util.function.LongSupplier;

import org.oxen.io.vswitch.VirtualSwitches;
import org.oxen.vmm.api.backend.Backend;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.BackendFactory;

/**
 * The vif backend factory, usable without a framework (the tests hand it to xenbus directly).
 * Thread-safe.
 */
public final class Netback implements BackendFactory {

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
        return new VifBackend(device, switches, clock, stats);
    }

    /** Frontends this netback found hostile, as "vifD.N: reason". */
    public List<String> fatalErrors() {
        return stats.fatals.stream().map(f -> f.vif() + ": " + f.why()).toList();
    }

    /** The vifs connected now, by name. */
    public List<String> connectedVifs() {
        return stats.live.stream().map(Vif::name).toList();
    }

    /** Stops every vif still serving (xenbus closes the backends themselves). */
    void close() {
        for (Vif v : stats.live) v.stop();
    }
}
