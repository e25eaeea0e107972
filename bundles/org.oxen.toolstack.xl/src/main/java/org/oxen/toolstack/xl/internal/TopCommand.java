package org.oxen.toolstack.xl.internal;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.oxen.vmm.api.backend.BackendStatistics;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Hypervisor;

/**
 * {@code xl top [-b] [-i iterations] [-d delay]}: xentop's table (NAME STATE CPU(sec) CPU(%)
 * MEM(k) MEM(%) MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS VBD_OO VBD_RD VBD_WR VBD_RSECT
 * VBD_WSECT; the NET and VBD columns sum the devices each vif and vbd backend's
 * {@link BackendStatistics} reports for the domain). CPU % is the domain's CPU time over wall time between
 * two samples (100 % = one pCPU busy); the first table samples over one second (or the delay,
 * if shorter). Batch mode ({@code -b}) prints tables one after another; otherwise the screen is
 * redrawn every delay until {@code q} or Ctrl-] is typed. Without a terminal and without
 * {@code -i}, one table is printed (a script cannot type {@code q}).
 */
@Component(service = XlSubcommand.class)
public final class TopCommand extends DomainSubcommand {

    private static final long FIRST_WINDOW_MS = 1000;
    private static final long POLL_MS = 50;

    private final Hypervisor hv;

    /** The backends' figures: the vif backend's give the NET columns, the vbd backend's the VBD ones. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    volatile List<BackendStatistics> backends = List.of();

    @Activate
    public TopCommand(@Reference Hypervisor hv) {
        this.hv = hv;
    }

    @Override
    public String name() {
        return "top";
    }

    @Override
    public String summary() {
        return "Monitor a host and the domains in real time";
    }

    @Override
    public String usage() {
        return "[-b] [-i ITERATIONS] [-d DELAY]\n"
                + "-b, --batch             output in batch mode, no screen redraw\n"
                + "-i, --iterations=N      number of tables before exiting\n"
                + "-d, --delay=SECONDS     seconds between updates (default 3)\n"
                + "Interactive: q or Ctrl-] (then Enter on a line-buffered terminal) quits.";
    }

    @Override
    public String shortOptions() {
        return "bi:d:";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"batch=b", "iterations:=i", "delay:=d"};
    }

    @Override
    int execute(XlInvocation inv) throws XlUsageException, InterruptedException {
        boolean batch = inv.options().has("b") || !inv.interactive();
        long delayMs = Math.round(number(inv, "d", 3) * 1000);
        long iterations = inv.options().has("i") ? (long) number(inv, "i", 1)
                : inv.interactive() ? Long.MAX_VALUE : 1;
        if (delayMs <= 0 || iterations <= 0) {
            throw new XlUsageException("-d and -i need positive numbers");
        }
        Map<Integer, Long> before = sample();
        long t0 = System.nanoTime();
        if (waitOrQuit(inv, Math.min(delayMs, FIRST_WINDOW_MS))) {
            return 0;
        }
        for (long i = 0; i < iterations; i++) {
            if (i > 0 && waitOrQuit(inv, delayMs)) {
                return 0;
            }
            long t1 = System.nanoTime();
            List<DomainInfo> now = DomainLookup.all(hv);
            print(inv.out(), now, before, t1 - t0, batch);
            before = new HashMap<>();
            for (DomainInfo d : now) {
                before.put(d.id(), d.cpuTimeNanos());
            }
            t0 = t1;
        }
        return 0;
    }

    private static double number(XlInvocation inv, String opt, double dflt) throws XlUsageException {
        String v = inv.options().value(opt);
        if (v == null) {
            return dflt;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new XlUsageException("-" + opt + " needs a number, not '" + v + "'");
        }
    }

    private Map<Integer, Long> sample() {
        Map<Integer, Long> m = new HashMap<>();
        for (DomainInfo d : DomainLookup.all(hv)) {
            m.put(d.id(), d.cpuTimeNanos());
        }
        return m;
    }

    /** Waits {@code ms}; true when the user typed q or Ctrl-] meanwhile. */
    private static boolean waitOrQuit(XlInvocation inv, long ms) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() - end < 0) {
            if (inv.interactive() && quitTyped(inv)) {
                return true;
            }
            Thread.sleep(Math.min(POLL_MS, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        }
        return false;
    }

    private static boolean quitTyped(XlInvocation inv) {
        try {
            int n = inv.in().available();
            if (n <= 0) {
                return false;
            }
            byte[] b = new byte[n];
            int got = inv.in().read(b);
            for (int i = 0; i < got; i++) {
                if (b[i] == 'q' || b[i] == 'Q' || b[i] == ConsoleFollower.ESCAPE) {
                    return true;
                }
            }
        } catch (java.io.IOException e) {
            return false;
        }
        return false;
    }

    private void print(PrintStream out, List<DomainInfo> domains, Map<Integer, Long> before, long wallNanos,
            boolean batch) {
        long poolKiB = hv.totalFrames() * 4;
        if (!batch) {
            out.print("\033[H\033[2J");
            int running = 0, blocked = 0, paused = 0, crashed = 0, dying = 0, shutdown = 0;
            for (DomainInfo d : domains) {
                running += d.running() ? 1 : 0;
                blocked += d.blocked() ? 1 : 0;
                paused += d.paused() ? 1 : 0;
                crashed += d.crashed() ? 1 : 0;
                dying += d.dying() ? 1 : 0;
                shutdown += d.shutdown() ? 1 : 0;
            }
            out.printf("xl top - %s   Xen %s%n", LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
                    hv.version());
            out.printf("%d domains: %d running, %d blocked, %d paused, %d crashed, %d dying, %d shutdown %n",
                    domains.size(), running, blocked, paused, crashed, dying, shutdown);
            out.printf("Mem: %dk total, %dk used, %dk free    CPUs: %d%n", poolKiB,
                    (hv.totalFrames() - hv.freeFrames()) * 4, hv.freeFrames() * 4, hv.pcpus());
            out.println();
        }
        out.println(XlFormat.TOP_HEADER);
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
        for (DomainInfo d : domains) {
            Long prev = before.get(d.id());
            double pct = prev == null || wallNanos <= 0 ? 0 : 100.0 * (d.cpuTimeNanos() - prev) / wallNanos;
            out.println(XlFormat.topRow(d, Math.max(0, pct), d.isHost() ? 0 : poolKiB,
                    nets.getOrDefault(d.id(), XlFormat.NetTotals.NONE), vbds.getOrDefault(d.id(), XlFormat.VbdTotals.NONE)));
        }
        out.flush();
    }
}
