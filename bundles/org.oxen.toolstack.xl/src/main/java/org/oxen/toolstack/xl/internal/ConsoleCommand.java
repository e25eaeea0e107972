package org.oxen.toolstack.xl.internal;


import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.GuestConsole;

/**
 * {@code xl console [-t pv] [-n 0] [-w seconds] <Domain>}: the domain's console (its console ring,
 * served by the console backend as a {@link GuestConsole} service): the output so far, then new
 * output as it comes, keys typed sent to the guest, until the domain ends or Ctrl-] is typed.
 * {@code -w} (oxen) gives up after that many seconds, for scripts following a domain that does
 * not end. A domain that has ended: the log the backend kept of it.
 */
@Component(service = XlSubcommand.class)
public final class ConsoleCommand extends DomainSubcommand {

    /** How long a live domain's console may take to appear (its backend connects at creation). */
    private static final long BACKEND_WAIT_MS = 5000;

    private final Domains hv;

    /** Every domain's console, provided by the console backend (live ones and kept logs). */
    private final ConsoleServices consoles = new ConsoleServices();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeConsole")
    void addConsole(GuestConsole c) {
        consoles.add(c);
    }

    void removeConsole(GuestConsole c) {
        consoles.remove(c);
    }

    @Activate
    public ConsoleCommand(@Reference Domains hv) {
        this.hv = hv;
    }

    @Override
    public String name() {
        return "console";
    }

    @Override
    public String summary() {
        return "Attach to domain's console";
    }

    @Override
    public String usage() {
        return "[options] <Domain>\n"
                + "-t <type>       console type, pv (the only console of a PV domain in oxen)\n"
                + "-n <number>     console number (0)\n"
                + "-w <seconds>    oxen: detach after this many seconds (for scripts)\n"
                + "Keys typed go to the guest; Ctrl-] detaches (at a terminal, which xl console puts\n"
                + "in raw mode, at once; elsewhere once the line is sent). The console also ends when\n"
                + "the domain shuts down, crashes or is destroyed; the console of a domain that has\n"
                + "ended prints what it wrote (the backend keeps the last domains' logs).";
    }

    @Override
    public String shortOptions() {
        return "t:n:w:";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"type:=t", "num:=n", "wait:=w"};
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        String type = inv.options().value("t");
        if (type != null && !type.equals("pv")) {
            throw new XlError(type.equals("serial") ? "Error: oxen's PV domains have no serial console; use -t pv"
                    : "Error: Invalid console type \"" + type + "\"");
        }
        String num = inv.options().value("n");
        if (num != null && !num.equals("0")) {
            throw new XlError("Error: domain has only console 0");
        }
        long waitMs = 0;
        String w = inv.options().value("w");
        if (w != null) {
            try {
                waitMs = Math.round(Double.parseDouble(w) * 1000);
            } catch (NumberFormatException e) {
                throw new XlUsageException("-w needs a number of seconds, not '" + w + "'");
            }
            if (waitMs <= 0) {
                throw new XlUsageException("-w needs a positive number of seconds");
            }
        }
        String qualifier = oneDomain(inv);
        Domain d;
        try {
            d = DomainLookup.guest(hv, qualifier, "attached to (its console is the Gogo shell)");
        } catch (XlError notLive) {
            GuestConsole kept = ended(qualifier);
            if (kept == null) throw notLive;
            print(inv, kept.log());
            return 0;
        }
        attach(awaitConsole(consoles, hv, d), inv, waitMs, () -> { });
        return 0;
    }

    /** The console of a live domain, once its backend has connected it (also for {@code xl create -c}). */
    static GuestConsole awaitConsole(ConsoleServices consoles, Domains hv, Domain d) throws XlError, InterruptedException {
        if (d.consoleRing().isEmpty()) {
            return new ConsoleIoConsole(hv, d); // no PV ring (an HVM domain): its COM1 output
        }
        GuestConsole c = consoles.await(d.id(), BACKEND_WAIT_MS, () -> hv.find(d.id()).isEmpty());
        if (c == null) {
            throw new XlError("Error: no console backend serves domain " + d.name() + " (id " + d.id()
                    + "): is the bundle org.oxen.io.consoleback running?");
        }
        return c;
    }

    /** The kept console of an ended domain by id or name (the latest of that name), or null. */
    private GuestConsole ended(String qualifier) {
        GuestConsole found = null;
        for (GuestConsole c : consoles.list()) {
            boolean match = DomainLookup.isId(qualifier) ? String.valueOf(c.domid()).equals(qualifier)
                    : c.domainName().equals(qualifier);
            if (match && !c.isLive() && (found == null || c.domid() > found.domid())) found = c;
        }
        return found;
    }

    private static void print(XlInvocation inv, byte[] log) {
        inv.out().write(log, 0, log.length);
        if (log.length > 0 && log[log.length - 1] != '\n') inv.out().println();
        inv.out().flush();
    }

    /**
     * Follows {@code console} on the invocation's session (also for {@code xl create -c}); runs
     * {@code attached} once the viewer is attached (see {@link ConsoleFollower#follow}).
     */
    static void attach(GuestConsole console, XlInvocation inv, long waitMs, Runnable attached)
            throws InterruptedException {
        boolean keyboard = inv.interactive();
        RawTerminal raw = keyboard && XlCommand.terminal() && XlCommand.processStdin(inv.in()) ? RawTerminal.enter() : null;
        try {
            ConsoleFollower.follow(console, inv.out(), keyboard ? inv.in() : null, raw != null, waitMs, attached);
        } catch (java.io.IOException e) {
            // the session's console is gone: nothing more to show
        } finally {
            if (raw != null) raw.close();
        }
    }
}
