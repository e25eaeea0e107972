package org.oxen.toolstack.xl.internal;

import java.util.Optional;

import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.Xenstore;

/**
 * {@code xl shutdown|reboot [-w] [-F] <Domain>}: asks the guest to shut down with one reason
 * through its control/shutdown node ({@link PvControl}); {@code -F} falls back to
 * SCHEDOP_remote_shutdown for a guest without PV control, {@code -w} waits until the domain has
 * shut down. The concrete commands are DS components that hold the optional Xenstore reference.
 */
abstract class ShutdownRequestCommand extends DomainSubcommand {

    private final Domains hv;
    private final String name;
    private final ShutdownReason reason;
    /** "shut down", "reboot": the verb in xl's words. */
    private final String verb;

    ShutdownRequestCommand(Domains hv, String name, ShutdownReason reason, String verb) {
        this.hv = hv;
        this.name = name;
        this.reason = reason;
        this.verb = verb;
    }

    /** The xenstore connection, if xenstored is present. */
    abstract Optional<Xenstore> xenstore();

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String summary() {
        return "Issue a " + name + " signal to a domain";
    }

    @Override
    public final String usage() {
        return "[options] <Domain>\n\n"
                + "-w, --wait     Wait for guest to " + verb + ".\n"
                + "-F             Fallback to SCHEDOP_remote_shutdown for a guest without PV control\n"
                + "               (xl: the ACPI event; a PV guest on oxen has none).";
    }

    @Override
    public final String shortOptions() {
        return "wF";
    }

    @Override
    public final String[] longOptions() {
        return new String[] {"wait=w"};
    }

    @Override
    final int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        var d = DomainLookup.guest(hv, oneDomain(inv), reason == ShutdownReason.REBOOT ? "rebooted" : "shut down");
        PvControl.shutdown(hv, xenstore(), d, reason, inv.options().has("F"), inv.options().has("w"), inv.err());
        return 0;
    }
}
