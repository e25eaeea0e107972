package org.oxen.toolstack.xl.internal;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.oxen.toolstack.xl.TopTable;
import org.oxen.toolstack.xl.TopTables;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.backend.BackendStatistics;

/**
 * This host's {@code xl top} tables (xentop's): NAME STATE CPU(sec) CPU(%) MEM(k) MEM(%) MAXMEM(k)
 * MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS VBD_OO VBD_RD VBD_WR VBD_RSECT VBD_WSECT; the NET and
 * VBD columns sum the devices each vif and vbd backend's {@link BackendStatistics} reports for the
 * domain. CPU % is the domain's CPU time over wall time between two tables of one sampler
 * (100 % = one pCPU busy). Used by {@code xl top} and by a pool publishing this host's rows.
 *
 * <p>Locking: a sampler's previous sample is guarded by the sampler; the backends list is volatile.
 */
@Component(service = TopTables.class)
public final class HostTopTables implements TopTables {

    private final Hypervisor hv;

    /** The backends' figures: the vif backend's give the NET columns, the vbd backend's the VBD ones. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    volatile List<BackendStatistics> backends = List.of();

    @Activate
    public HostTopTables(@Reference Hypervisor hv) {
        this.hv = hv;
    }

    @Override
    public Sampler open() {
        return new HostSampler();
    }

    /** One sampler: the CPU times and wall time of its previous table. */
    private final class HostSampler implements Sampler {
        private Map<Integer, Long> before = cpuTimes(DomainLookup.all(hv));
        private long t0 = System.nanoTime();

        @Override
        public synchronized TopTable next() {
            long t1 = System.nanoTime();
            List<DomainInfo> now = DomainLookup.all(hv);
            TopTable t = table(now, before, t1 - t0);
            before = cpuTimes(now);
            t0 = t1;
            return t;
        }
    }

    private static Map<Integer, Long> cpuTimes(List<DomainInfo> domains) {
        Map<Integer, Long> m = new HashMap<>();
        for (DomainInfo d : domains) {
            m.put(d.id(), d.cpuTimeNanos());
        }
        return m;
    }

    private TopTable table(List<DomainInfo> domains, Map<Integer, Long> before, long wallNanos) {
        long poolKiB = hv.totalFrames() * 4;
        int running = 0, blocked = 0, paused = 0, crashed = 0, dying = 0, shutdown = 0;
        for (DomainInfo d : domains) {
            running += d.running() ? 1 : 0;
            blocked += d.blocked() ? 1 : 0;
            paused += d.paused() ? 1 : 0;
            crashed += d.crashed() ? 1 : 0;
            dying += d.dying() ? 1 : 0;
            shutdown += d.shutdown() ? 1 : 0;
        }
        List<String> summary = List.of(
                String.format("xl top - %s   Xen %s", LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
                        hv.version()),
                String.format("%d domains: %d running, %d blocked, %d paused, %d crashed, %d dying, %d shutdown ",
                        domains.size(), running, blocked, paused, crashed, dying, shutdown),
                String.format("Mem: %dk total, %dk used, %dk free    CPUs: %d", poolKiB,
                        (hv.totalFrames() - hv.freeFrames()) * 4, hv.freeFrames() * 4, hv.pcpus()));
        Map<Integer, XlFormat.NetTotals> nets = new HashMap<>();
        Map<Integer, XlFormat.VbdTotals> vbds = new HashMap<>();
        for (BackendStatistics b : backends) {
            for (BackendStatistics.Device dev : b.devices()) {
                switch (dev.type()) {
                    case "vif" -> nets.put(dev.domid(), nets.getOrDefault(dev.domid(), XlFormat.NetTotals.NONE).plus(dev));
                    case "vbd" -> vbds.put(dev.domid(), vbds.getOrDefault(dev.domid(), XlFormat.VbdTotals.NONE).plus(dev));
                    default -> {
                    }
                }
            }
        }
        List<String> rows = new ArrayList<>(domains.size());
        for (DomainInfo d : domains) {
            Long prev = before.get(d.id());
            double pct = prev == null || wallNanos <= 0 ? 0 : 100.0 * (d.cpuTimeNanos() - prev) / wallNanos;
            rows.add(XlFormat.topRow(d, Math.max(0, pct), d.isHost() ? 0 : poolKiB,
                    nets.getOrDefault(d.id(), XlFormat.NetTotals.NONE), vbds.getOrDefault(d.id(), XlFormat.VbdTotals.NONE)));
        }
        return new TopTable(summary, XlFormat.TOP_HEADER, rows);
    }
}
