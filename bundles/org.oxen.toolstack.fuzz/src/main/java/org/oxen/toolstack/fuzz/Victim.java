package org.oxen.toolstack.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.EventChannelException;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.backend.ForeignMapException;
import org.oxen.vmm.api.backend.ForeignMapping;
import org.oxen.vmm.api.backend.ForeignMemory;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.PageView;

/**
 * A victim domain (the guest kit's {@code victim}) seen from Domain-0: its pattern pages through
 * foreign mappings of the frames its index page lists, its page 0 through the grant it gave
 * Domain-0, and its liveness through the event port it allocated for Domain-0 (each event sent
 * is answered with one back).
 *
 * <p>Locking: the echo counter is atomic (the listener runs on the sender's or a pCPU thread);
 * everything else is used by the campaign's thread only.
 */
final class Victim implements AutoCloseable {

    static final Pattern READY = Pattern.compile("victim: ready pages=(\\d+) index=0x([0-9a-f]+) grant=(\\d+) port=(\\d+)");

    /** The pattern of (page, word); programs/victim.c computes the same. */
    static int pattern(int page, int word) {
        int x = page * 0x9E3779B1 ^ word * 0x85EBCA77 ^ 0x6f78656e;
        return x ^ (x >>> 15);
    }

    final Domain domain;
    final int pages;
    final long indexMfn;
    final int grantRef;
    private final EventPort port;
    private final AtomicLong echoes = new AtomicLong();

    private Victim(Domain domain, Matcher ready, Hypervisor hv) throws EventChannelException {
        this.domain = domain;
        this.pages = Integer.parseInt(ready.group(1));
        this.indexMfn = Long.parseLong(ready.group(2), 16);
        this.grantRef = Integer.parseInt(ready.group(3));
        this.port = hv.eventChannels().bindInterdomain(domain.id(), Integer.parseInt(ready.group(4)),
                p -> echoes.incrementAndGet());
    }

    /** Waits for the victim's ready line and binds its port; null with the reason in why if it never came. */
    static Victim attach(Domain d, Hypervisor hv, Consoles consoles, long timeoutMs, StringBuilder why)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < end) {
            Matcher m = READY.matcher(consoles.read(d));
            if (m.find()) {
                try {
                    return new Victim(d, m, hv);
                } catch (EventChannelException e) {
                    why.append("victim ").append(d.name()).append(": cannot bind its port: ").append(e.getMessage());
                    return null;
                }
            }
            if (d.state() == DomainState.CRASHED || d.state() == DomainState.SHUTDOWN) break;
            Thread.sleep(10);
        }
        why.append("victim ").append(d.name()).append(" never got ready (").append(d.state()).append("): ")
                .append(consoles.read(d));
        return null;
    }

    /**
     * Everything Domain-0 can check of this victim; the problems found, none if it is intact:
     * it runs, said no FAIL, its frames hold the pattern, its grant shows page 0, it answers an
     * event.
     */
    List<String> check(ForeignMemory foreign, GrantTables grants, Consoles consoles) throws InterruptedException {
        List<String> problems = new ArrayList<>();
        DomainState s = domain.state();
        if (s != DomainState.RUNNING && s != DomainState.BLOCKED) {
            problems.add("victim " + domain.name() + " is " + s + domain.crashMessage().map(m -> ": " + m).orElse(""));
        }
        String out = consoles.read(domain);
        int fail = out.indexOf("RESULT: FAIL");
        if (fail >= 0) problems.add("victim " + domain.name() + " saw its memory change: " + out.substring(fail).lines().findFirst().orElse(""));
        try (ForeignMapping index = foreign.map(domain.id(), indexMfn)) {
            for (int p = 0; p < pages; p++) {
                long mfn = index.page().getInt(4 * p) & 0xFFFFFFFFL;
                try (ForeignMapping frame = foreign.map(domain.id(), mfn)) {
                    String bad = comparePattern(frame.page(), p);
                    if (bad != null) problems.add("victim " + domain.name() + " frame " + Long.toHexString(mfn) + ": " + bad);
                }
            }
        } catch (ForeignMapException e) {
            problems.add("victim " + domain.name() + ": Domain-0 cannot map its frames: " + e.getMessage());
        }
        try (GrantMapping g = grants.map(domain.id(), grantRef, true)) {
            String bad = comparePattern(g.page(), 0);
            if (bad != null) problems.add("victim " + domain.name() + " grant " + grantRef + ": " + bad);
        } catch (GrantException e) {
            problems.add("victim " + domain.name() + ": Domain-0 cannot map its grant " + grantRef + ": " + e.getMessage());
        }
        long before = echoes.get();
        port.send();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (echoes.get() == before && System.nanoTime() < end) Thread.sleep(1);
        if (echoes.get() == before) problems.add("victim " + domain.name() + " answered no event in 10 s");
        return problems;
    }

    private static String comparePattern(PageView page, int p) {
        for (int w = 0; w < 1024; w++) {
            int v = page.getInt(4 * w);
            if (v != pattern(p, w)) {
                return String.format("page %d word %d is %#x, not %#x", p, w, v, pattern(p, w));
            }
        }
        return null;
    }

    long echoes() {
        return echoes.get();
    }

    /**
     * Whether Domain-0's port is still bound to the victim's. Once the victim is destroyed its end
     * is closed and Domain-0's goes back to unbound (Xen's evtchn_destroy), until Domain-0 closes it.
     */
    boolean portConnected() {
        return port.isOpen() && port.remotePort() >= 0;
    }

    @Override
    public void close() {
        port.close();
    }
}
