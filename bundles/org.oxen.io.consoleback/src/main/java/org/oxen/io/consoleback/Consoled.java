package org.oxen.io.consoleback;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainEvent;
import org.oxen.vmm.api.DomainListener;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.EventChannelException;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.GuestConsole;
import org.oxen.vmm.api.PvConsoleRing;
import org.oxen.vmm.api.backend.ForeignMapException;
import org.oxen.vmm.api.backend.ForeignMapping;
import org.oxen.vmm.api.backend.ForeignMemory;

/**
 * xenconsoled without OSGi: serves the console ring of every PV domain, from its creation (or
 * from {@link #start} for domains already running) until it ends, and keeps the logs of the
 * {@link Settings#endedKept} domains that ended last.
 *
 * <p>Design: a domain's events (its console port) only queue its console ({@link #kick}): they
 * run on the guest's pCPU thread and must not wait. One service thread ({@code oxen-consoled})
 * drains the queued rings into logs and viewers, as xenconsoled's select loop does. A guest that
 * floods its ring is rate-limited like xenconsoled's (RATE_LIMIT_ALLOWANCE reads per
 * RATE_LIMIT_PERIOD, oxen's allowance larger, see {@link Settings#DEFAULT}): past its allowance
 * its console waits for the next period, the ring stays full and the guest waits on it; Domain-0
 * reads at most allowance × 2 KiB per period from it and never waits for it. Lifecycle events (the hypervisor's event thread) connect a new domain at
 * once and ask the service thread to drain an ended one a last time and end its console.
 *
 * <p>Locking: this object's monitor serializes connecting (the event thread's CREATED and
 * {@link #start}) and guards the retention deque; under it a console's monitor may be taken, never
 * the reverse. {@code consoles} and the service queue are concurrent.
 */
public final class Consoled implements DomainListener {

    /** Tunables. */
    public record Settings(int logBytes, int endedKept, int readsPerPeriod, long periodNanos) {
        /**
         * A 64 KiB log per domain, 32 ended domains' logs, 250 ring reads per 200 ms per domain.
         * xenconsoled allows 30 events per 200 ms; a guest that notifies after every line (the
         * kit, hvc_xen) and a backend that reads at each event would be held to 150 lines/s by
         * that (measured: 26 KB/s, docs/PERFORMANCE.md), so oxen allows 250: a flooder costs
         * Domain-0 at most 1,250 reads and 2.5 MB of copying per second.
         */
        public static final Settings DEFAULT = new Settings(64 * 1024, 32, 250, TimeUnit.MILLISECONDS.toNanos(200));
    }

    /** Publishes a console (as an OSGi service, in the runtime); closing withdraws it. */
    public interface Registrar {
        AutoCloseable register(GuestConsole console);
    }

    private final Domains domains;
    private final Dom0EventChannels evtchn;
    private final ForeignMemory foreign;
    private final Registrar registrar;
    private final Consumer<String> log;
    private final LongSupplier clock;
    private final Settings settings;

    private final Map<Integer, DomainConsole> consoles = new ConcurrentHashMap<>();
    private final Map<Integer, AutoCloseable> registrations = new ConcurrentHashMap<>();
    private final ArrayDeque<DomainConsole> ended = new ArrayDeque<>();
    private final LinkedBlockingQueue<DomainConsole> queue = new LinkedBlockingQueue<>();
    private final Thread service;
    private volatile boolean stopping;

    public Consoled(Domains domains, Dom0EventChannels evtchn, ForeignMemory foreign, Registrar registrar,
            Consumer<String> log, LongSupplier clock, Settings settings) {
        this.domains = domains;
        this.evtchn = evtchn;
        this.foreign = foreign;
        this.registrar = registrar;
        this.log = log;
        this.clock = clock;
        this.settings = settings;
        service = new Thread(this::serve, "oxen-consoled");
        service.setDaemon(true);
    }

    /** Starts serving: listens for domains and connects every PV domain already running. */
    public void start() {
        service.start();
        domains.addListener(this);
        for (Domain d : domains.list()) {
            if (d.id() != 0 && !consoles.containsKey(d.id())) connect(d);
        }
    }

    /**
     * Stops serving: the consoles end (their rings DISCONNECTED, so guests fall back to
     * console_io; viewers told), their services are withdrawn.
     */
    public void stop() {
        domains.removeListener(this);
        stopping = true;
        service.interrupt();
        try {
            service.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (DomainConsole c : consoles.values()) {
            c.end(true);
        }
        for (AutoCloseable r : registrations.values()) {
            close(r);
        }
        registrations.clear();
        consoles.clear();
    }

    /** The console of {@code domid}, live or kept after its end. */
    public Optional<GuestConsole> console(int domid) {
        return Optional.ofNullable(consoles.get(domid));
    }

    /** Ring reads done for {@code domid} and rate-limit periods it ran out of allowance in (tests). */
    long[] counters(int domid) {
        DomainConsole c = consoles.get(domid);
        return c == null ? null : new long[] {c.reads, c.throttledPeriods, c.bytesOut};
    }

    @Override
    public void domainEvent(DomainEvent e) {
        switch (e.type()) {
            // RESUMED: a cancelled suspend (xl save -c, a failed migration) serves the ring again
            case CREATED, RESUMED -> domains.find(e.domid()).ifPresent(this::connect);
            case SHUTDOWN, CRASHED, DESTROYED -> {
                DomainConsole c = consoles.get(e.domid());
                if (c != null && c.isLive()) {
                    c.endRequested = true;
                    kick(c);
                }
            }
            default -> { }
        }
    }

    /** Maps the domain's console page, binds its port, marks the ring connected, publishes it. */
    synchronized void connect(Domain d) {
        PvConsoleRing ring = d.consoleRing().orElse(null);
        DomainConsole known = consoles.get(d.id());
        if (ring == null || stopping || (known != null && known.isLive())) return;
        ForeignMapping m;
        try {
            m = foreign.map(d.id(), ring.mfn());
        } catch (ForeignMapException e) {
            if (domains.find(d.id()).isPresent()) log.accept("consoled: d" + d.id() + ": cannot map the console page: " + e.getMessage());
            return;
        }
        DomainConsole c = new DomainConsole(d.id(), d.name(), settings.logBytes(), log);
        EventPort p;
        try {
            p = evtchn.bindInterdomain(d.id(), ring.port(), port -> kick(c));
        } catch (EventChannelException e) {
            m.close();
            if (domains.find(d.id()).isPresent()) log.accept("consoled: d" + d.id() + ": cannot bind console port " + ring.port() + ": " + e.getMessage());
            return;
        }
        c.periodStart = clock.getAsLong();
        c.connect(m, p);
        consoles.put(d.id(), c);
        close(registrations.put(d.id(), registrar.register(c)));
        // events sent before the bind were dropped (Xen): look at the ring once
        kick(c);
        c.consoleIo = d::consoleOutput;
        if (d.state() == DomainState.SHUTDOWN || d.state() == DomainState.CRASHED || domains.find(d.id()).isEmpty()) {
            // it ended before any backend served its ring: its last read and its end now
            c.endRequested = true;
            kick(c);
        }
    }

    private void kick(DomainConsole c) {
        if (c.queued.compareAndSet(false, true)) {
            queue.add(c);
        }
    }

    // ---------------------------------------------------------------- the service thread

    private void serve() {
        List<DomainConsole> deferred = new ArrayList<>();
        List<DomainConsole> due = new ArrayList<>();
        while (!stopping) {
            try {
                long now = clock.getAsLong();
                long wait = Long.MAX_VALUE;
                for (Iterator<DomainConsole> it = deferred.iterator(); it.hasNext();) {
                    DomainConsole c = it.next();
                    long left = c.periodStart + settings.periodNanos() - now;
                    if (left <= 0 || c.endRequested) {
                        it.remove();
                        c.deferred = false;
                        due.add(c);
                    } else {
                        wait = Math.min(wait, left);
                    }
                }
                for (DomainConsole c : due) {
                    service(c, now, deferred);
                }
                if (!due.isEmpty()) {
                    due.clear();
                    continue;
                }
                DomainConsole c = wait == Long.MAX_VALUE ? queue.take() : queue.poll(wait, TimeUnit.NANOSECONDS);
                if (c != null) {
                    c.queued.set(false);
                    if (!c.deferred) service(c, clock.getAsLong(), deferred);
                }
            } catch (InterruptedException e) {
                if (stopping) return;
            } catch (RuntimeException e) {
                log.accept("consoled: internal error: " + e);
            }
        }
    }

    /** One turn for a console: a rate-limited read, or the last read and the end. */
    private void service(DomainConsole c, long now, List<DomainConsole> deferred) {
        if (c.endRequested) {
            while (c.drain() > 0) {
                // what the guest wrote before it ended, however much the allowance says
            }
            // a guest that ended while (or before) the backend connected may have written only to
            // console_io (the ring still DISCONNECTED): then that is its log
            if (c.consoleIo != null) c.seedIfRingSilent(c.consoleIo);
            // the kept log is bytes: it must not keep the destroyed domain reachable through its
            // console_io reader (XlDomainReclaimTest found every ended domain held this way)
            c.consoleIo = null;
            c.end(false);
            retire(c);
            return;
        }
        if (now - c.periodStart >= settings.periodNanos()) {
            c.periodStart = now;
            c.readsInPeriod = 0;
        }
        if (c.readsInPeriod >= settings.readsPerPeriod()) {
            c.throttledPeriods++;
            c.deferred = true;
            deferred.add(c);
            return;
        }
        if (c.drain() > 0) {
            c.readsInPeriod++;
        }
    }

    /** Keeps the log of an ended domain; withdraws the oldest beyond the bound. */
    private void retire(DomainConsole c) {
        DomainConsole evicted = null;
        synchronized (this) {
            ended.add(c);
            if (ended.size() > settings.endedKept()) {
                evicted = ended.removeFirst();
            }
        }
        if (evicted != null && consoles.remove(evicted.domid(), evicted)) {
            close(registrations.remove(evicted.domid()));
        }
    }

    private static void close(AutoCloseable r) {
        if (r == null) return;
        try {
            r.close();
        } catch (Exception e) {
            // withdrawing a service of a stopping bundle may fail: nothing to keep
        }
    }
}
