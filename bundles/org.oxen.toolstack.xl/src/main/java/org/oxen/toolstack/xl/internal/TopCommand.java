package org.oxen.toolstack.xl.internal;

import java.io.PrintStream;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.toolstack.xl.TopTable;
import org.oxen.toolstack.xl.TopTables;
import org.oxen.toolstack.xl.TopView;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;

/**
 * {@code xl top [-b] [-i iterations] [-d delay]}: xentop's table of this host's domains
 * ({@link HostTopTables}), or what a registered {@link TopView} makes of it (a pool: every host's
 * domains). CPU % is the domain's CPU time over wall time between two tables (100 % = one pCPU
 * busy); the first table samples over one second (or the delay, if shorter). Batch mode
 * ({@code -b}) prints tables one after another; otherwise the screen is redrawn every delay
 * until {@code q} or Ctrl-] is typed. Without a terminal and without
 * {@code -i}, one table is printed (a script cannot type {@code q}).
 */
@Component(service = XlSubcommand.class)
public final class TopCommand extends DomainSubcommand {

    private static final long FIRST_WINDOW_MS = 1000;
    private static final long POLL_MS = 50;

    private final TopTables tables;

    /** A wider view (a pool's), the highest ranked, when a bundle registers one. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile TopView view;

    @Activate
    public TopCommand(@Reference TopTables tables) {
        this.tables = tables;
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
        TopTables.Sampler sampler = tables.open();
        if (waitOrQuit(inv, Math.min(delayMs, FIRST_WINDOW_MS))) {
            return 0;
        }
        for (long i = 0; i < iterations; i++) {
            if (i > 0 && waitOrQuit(inv, delayMs)) {
                return 0;
            }
            TopTable table = sampler.next();
            TopView v = view;
            print(inv.out(), v == null ? table : v.view(table), batch);
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

    private static void print(PrintStream out, TopTable table, boolean batch) {
        if (!batch) {
            out.print("\033[H\033[2J");
            table.summary().forEach(out::println);
            out.println();
        }
        out.println(table.header());
        table.rows().forEach(out::println);
        out.flush();
    }
}
