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
import org.oxen.storage.api.BlockImageProvider;
import org.oxen.vmm.api.backend.Backend;
import org.oxen.vmm.api.backend.BackendStatistics;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.XenbusState;

/**
 * blkback in the runtime: the {@link BackendFactory} of device type {@code vbd} (xenbus binds it
 * to every {@code /local/domain/0/backend/vbd/<domU>/<devid>} directory the toolstack writes),
 * over the storage SPI's provider services, and the {@link BackendStatistics} of its devices
 * (Linux blkback's statistics names).
 * Stopping or updating the bundle makes xenbus close every device (Closing, Closed); the next
 * vbd factory reconnects them and the frontends resubmit what was in flight.
 *
 * <p>Locking: providers and devices are concurrent maps (DS threads add providers, the xenbus
 * thread creates backends, the toolstack reads statistics).
 */
@Component(service = { BackendFactory.class, BackendStatistics.class },
        property = { BackendFactory.DEVICE_TYPE + "=vbd" })
public final class BlkbackComponent implements BackendFactory, BackendStatistics {

    private final Map<String, BlockImageProvider> providers = new ConcurrentHashMap<>();
    private final Map<String, Entry> devices = new ConcurrentHashMap<>();
    private final ImageOpener opener = new ImageOpener(() -> Map.copyOf(providers));
    private final VbdBackend.Settings settings;
    /** The I/O threads all this instance's devices share (they end when its last device disconnects). */
    private final BlkIoPool pool;
    /** Responses of devices no longer bound (their counters left {@link #devices}). */
    private final java.util.concurrent.atomic.AtomicLong retiredAnswers = new java.util.concurrent.atomic.AtomicLong();

    private record Entry(BackendDevice device, VbdCounters counters) {
    }

    public BlkbackComponent() {
        this(VbdBackend.Settings.DEFAULT);
    }

    BlkbackComponent(VbdBackend.Settings settings) {
        this.settings = settings;
        this.pool = new BlkIoPool(settings.ioThreads());
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
        return new VbdBackend(device, opener, settings, counters, pool, () -> {
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

    /**
     * The service-time figures of the devices bound now, summed (the benchmark's breakdown):
     * {busy, copy, I/O, flush, spin, parked, parks, wake, batches, answered, batches served on
     * the notifying thread, requests served there, kicks handed to the service thread}.
     */
    long[] serviceTimes() {
        long[] t = new long[13];
        for (Entry e : devices.values()) {
            VbdCounters c = e.counters();
            t[0] += c.busyNanos;
            t[1] += c.copyNanos;
            t[2] += c.ioNanos;
            t[3] += c.flushNanos;
            t[4] += c.spinNanos;
            t[5] += c.parkedNanos;
            t[6] += c.parks;
            t[7] += c.wakeNanos;
            t[8] += c.batches;
            t[9] += c.answered;
            t[10] += c.inlineBatches;
            t[11] += c.inlineRequests;
            t[12] += c.handOffs;
        }
        return t;
    }

    /** The I/O threads alive now (tests count them). */
    int ioThreadsAlive() {
        return pool.alive();
    }

    /** Rings halted for a hostile frontend, over the devices bound now (tests read it). */
    long halts() {
        long n = 0;
        for (Entry e : devices.values()) n += e.counters().halts;
        return n;
    }

    @Override
    public List<Device> devices() {
        List<Device> l = new ArrayList<>();
        for (Entry e : devices.values()) {
            BackendDevice d = e.device();
            VbdCounters c = e.counters();
            Map<String, Long> m = new java.util.LinkedHashMap<>();
            m.put("rd_req", c.reads);
            m.put("wr_req", c.writes);
            m.put("rd_sect", c.sectorsRead);
            m.put("wr_sect", c.sectorsWritten);
            m.put("f_req", c.flushes);
            m.put("ds_req", c.discards);
            m.put("oo_req", c.outOfSlots); // a request waited for a free slot (Linux's st_oo_req)
            m.put("errors", c.errors);
            l.add(new Device("vbd", d.frontendDomid(), d.devid(), d.state() == XenbusState.CONNECTED, m));
        }
        l.sort(Comparator.comparingInt(Device::domid).thenComparingInt(Device::devid));
        return l;
    }
}
