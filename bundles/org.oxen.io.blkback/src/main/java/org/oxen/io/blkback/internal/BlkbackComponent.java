package org.oxen.io.blkback.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.io.blkback.VbdStatistics;
import org.oxen.storage.api.BlockImageProvider;
import org.oxen.vmm.api.backend.Backend;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.XenbusState;

/**
 * blkback in the runtime: the {@link BackendFactory} of device type {@code vbd} (xenbus binds it
 * to every {@code /local/domain/0/backend/vbd/<domU>/<devid>} directory the toolstack writes),
 * over the storage SPI's provider services, and the {@link VbdStatistics} of its devices.
 * Stopping or updating the bundle makes xenbus close every device (Closing, Closed); the next
 * vbd factory reconnects them and the frontends resubmit what was in flight.
 *
 * <p>Locking: providers and devices are concurrent maps (DS threads add providers, the xenbus
 * thread creates backends, the toolstack reads statistics).
 */
@Component(service = { BackendFactory.class, VbdStatistics.class },
        property = { BackendFactory.DEVICE_TYPE + "=vbd" })
public final class BlkbackComponent implements BackendFactory, VbdStatistics {

    private final Map<String, BlockImageProvider> providers = new ConcurrentHashMap<>();
    private final Map<String, Entry> devices = new ConcurrentHashMap<>();
    private final ImageOpener opener = new ImageOpener(() -> Map.copyOf(providers));
    private final VbdBackend.Settings settings;
    /** Responses of devices no longer bound (their counters left {@link #devices}). */
    private final java.util.concurrent.atomic.AtomicLong retiredAnswers = new java.util.concurrent.atomic.AtomicLong();

    private record Entry(BackendDevice device, VbdCounters counters) {
    }

    public BlkbackComponent() {
        this(VbdBackend.Settings.DEFAULT);
    }

    BlkbackComponent(VbdBackend.Settings settings) {
        this.settings = settings;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeProvider")
    public void addProvider(BlockImageProvider p) {
        providers.put(p.format(), p);
    }

    public void removeProvider(BlockImageProvider p) {
        providers.remove(p.format(), p);
    }

    @Override
    public Backend create(BackendDevice device) {
        VbdCounters counters = devices.computeIfAbsent(device.backendPath(), k -> new Entry(device, new VbdCounters()))
                .counters();
        return new VbdBackend(device, opener, settings, counters, () -> {
            Entry e = devices.remove(device.backendPath());
            if (e != null) retiredAnswers.addAndGet(e.counters().answered);
        });
    }

    /** Responses this backend has put on rings, over all devices it served (tests count both sides). */
    long answered() {
        long n = retiredAnswers.get();
        for (Entry e : devices.values()) n += e.counters().answered;
        return n;
    }

    @Override
    public List<Vbd> devices() {
        List<Vbd> l = new ArrayList<>();
        for (Entry e : devices.values()) {
            BackendDevice d = e.device();
            VbdCounters c = e.counters();
            l.add(new Vbd(d.frontendDomid(), d.devid(), d.backendPath(), d.state() == XenbusState.CONNECTED, c.reads,
                    c.writes, c.sectorsRead, c.sectorsWritten, c.flushes, c.discards, c.errors));
        }
        l.sort(Comparator.comparingInt(Vbd::domid).thenComparingInt(Vbd::devid));
        return l;
    }
}
