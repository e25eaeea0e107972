package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;

/**
 * {@code xl console [-t pv] [-n 0] [-w seconds] <Domain>}: the domain's console output so far,
 * then new output as it comes, until the domain ends or Ctrl-] is typed. {@code -w} (oxen) gives
 * up after that many seconds, for scripts following a domain that does not end.
 */
@Component(service = XlSubcommand.class)
public final class ConsoleCommand extends DomainSubcommand {

    private final Domains hv;

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
                + "Detach with Ctrl-] (then Enter on a line-buffered terminal); the console also\n"
                + "ends when the domain shuts down, crashes or is destroyed.";
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
        Domain d = DomainLookup.guest(hv, oneDomain(inv), "attached to (its console is the Gogo shell)");
        attach(hv, d, inv, waitMs);
        return 0;
    }

    static void attach(Domains hv, Domain d, XlInvocation inv, long waitMs) throws InterruptedException {
        ConsoleFollower.follow(hv, d, inv.out(), inv.interactive() ? inv.in() : null, waitMs);
    }
}
