package org.oxen.toolstack.xl.internal;

import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.Xenstore;

/**
 * {@code xl shutdown [-w] [-F] <Domain>}: asks the guest to shut down through its control/shutdown node
 * ({@link PvControl}); {@code -F} falls back to SCHEDOP_remote_shutdown for a guest without PV
 * control, {@code -w} waits until the domain has shut down.
 */
@Component(service = XlSubcommand.class)
public final class ShutdownCommand extends DomainSubcommand {

    private final Domains hv;
    private volatile Xenstore xenstore;

    @Activate
    public ShutdownCommand(@Reference Domains hv) {
        this.hv = hv;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetXenstore")
    void setXenstore(Xenstore x) {
        xenstore = x;
    }

    void unsetXenstore(Xenstore x) {
        if (xenstore == x) xenstore = null;
    }

    @Override
    public String name() {
        return "shutdown";
    }

    @Override
    public String summary() {
        return "Issue a shutdown signal to a domain";
    }

    @Override
    public String usage() {
        return "[options] <Domain>\n\n"
                + "-w, --wait     Wait for guest to shut down.\n"
                + "-F             Fallback to SCHEDOP_remote_shutdown for a guest without PV control\n"
                + "               (xl: the ACPI event; a PV guest on oxen has none).";
    }

    @Override
    public String shortOptions() {
        return "wF";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"wait=w"};
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        var d = DomainLookup.guest(hv, oneDomain(inv), "shut down");
        PvControl.shutdown(hv, Optional.ofNullable(xenstore), d, ShutdownReason.POWEROFF, inv.options().has("F"),
                inv.options().has("w"), inv.err());
        return 0;
    }
}
