package org.oxen.webconsole.view;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.Vcpu;

/**
 * Rates for the console's table and charts, as xentop computes them: every second, each
 * domain's CPU time, hypercalls and events are read and the change since the previous sample,
 * over the time between them, gives CPU% (100 = one pCPU busy) and per-second rates. The last
 * {@value #HISTORY} samples are kept for the charts.
 *
 * <p>Design/Locking: one sampler thread writes; readers get the immutable {@link Sample} list
 * last published (a volatile reference) and a copy of the history taken under the history's
 * monitor. The counters read are the VMM's own (no cost to guests).
 */
@Component(service = DomainSampler.class, immediate = true)
public final class DomainSampler {

    static final int HISTORY = 120;
    static final long PERIOD_MS = 1000;

    /** One domain's rates over the last period. */
    public record Rate(int domid, String name, double cpuPercent, double hypercallsPerSecond,
            double eventsSentPerSecond, double eventsDeliveredPerSecond) {
    }

    /** One sample: its time (ms since the sampler started) and the rate of every domain. */
    public record Sample(long timeMs, List<Rate> rates) {
    }

    private record Totals(long wallNs, long cpuNs, long hypercalls, long sent, long delivered) {
    }

    private final Domains domains;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "oxen-web-sampler");
        t.setDaemon(true);
        return t;
    });
    private final long start = System.nanoTime();
    private Map<Integer, Totals> previous = new HashMap<>();
    private final ArrayDeque<Sample> history = new ArrayDeque<>();
    private volatile Sample latest = new Sample(0, List.of());

    @Activate
    public DomainSampler(@Reference Domains domains) {
        this.domains = domains;
        thread.scheduleAtFixedRate(this::sample, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        thread.shutdownNow();
    }

    /** The last sample (rates of the domains that lived through it). */
    public Sample latest() {
        return latest;
    }

    /** The last {@value #HISTORY} samples, oldest first. */
    public List<Sample> history() {
        synchronized (history) {
            return new ArrayList<>(history);
        }
    }

    /** Hypercalls of every number by every vcpu of {@code d}. */
    public static long hypercalls(Domain d) {
        long n = 0;
        for (Vcpu v : d.vcpus()) {
            for (int nr = 0; nr < Vcpu.HYPERCALL_NUMBERS; nr++) {
                n += v.hypercalls(nr);
            }
        }
        return n;
    }

    /** Events sent by every vcpu of {@code d}. */
    public static long eventsSent(Domain d) {
        long n = 0;
        for (Vcpu v : d.vcpus()) {
            n += v.eventsSent();
        }
        return n;
    }

    private void sample() {
        try {
            long now = System.nanoTime();
            Map<Integer, Totals> current = new HashMap<>();
            List<Rate> rates = new ArrayList<>();
            for (Domain d : domains.list()) {
                Totals t = new Totals(now, d.cpuTimeNanos(), hypercalls(d), eventsSent(d), d.eventsDelivered());
                current.put(d.id(), t);
                Totals p = previous.get(d.id());
                if (p == null) continue;
                double dt = (t.wallNs - p.wallNs) / 1e9;
                if (dt <= 0) continue;
                rates.add(new Rate(d.id(), d.name(), 100.0 * (t.cpuNs - p.cpuNs) / (t.wallNs - p.wallNs),
                        (t.hypercalls - p.hypercalls) / dt, (t.sent - p.sent) / dt, (t.delivered - p.delivered) / dt));
            }
            previous = current;
            Sample s = new Sample((now - start) / 1_000_000, List.copyOf(rates));
            latest = s;
            synchronized (history) {
                history.addLast(s);
                while (history.size() > HISTORY) history.removeFirst();
            }
        } catch (RuntimeException e) {
            // a domain going away mid-read: the next sample reads it again (or not at all)
        }
    }
}
