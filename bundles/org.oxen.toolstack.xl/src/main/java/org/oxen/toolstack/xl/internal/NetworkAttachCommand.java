package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.toolstack.xl.cfg.VifSpec;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * {@code xl network-attach <Domain> [mac=...] [bridge=...] [rate=...] ...}: a new vif, its
 * settings in the xl-network-configuration syntax (one word each, or several joined by commas),
 * written to xenstore as libxl writes it; the domain's netfront then connects to netback.
 */
@Component(service = XlSubcommand.class)
public final class NetworkAttachCommand extends DomainSubcommand {

    private final Toolstack toolstack;

    @Activate
    public NetworkAttachCommand(@Reference Toolstack toolstack) {
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "network-attach";
    }

    @Override
    public String summary() {
        return "Create a new virtual network device";
    }

    @Override
    public String usage() {
        return "<Domain> [type=<type>] [mac=<mac>] [bridge=<bridge>] [ip=<ip>] [script=<script>] [backend=<BackDomain>] "
                + "[vifname=<name>] [rate=<rate>] [mtu=<mtu>] [devid=<devid>]";
    }

    @Override
    public boolean canDryRun() {
        return true;
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        if (inv.operands().isEmpty()) throw new XlUsageException("network-attach needs a domain");
        Domain d = DomainLookup.guest(toolstack.hypervisor(), inv.operands().get(0), "given a vif");
        VifSpec spec;
        try {
            spec = VifSpec.parse(String.join(",", inv.operands().subList(1, inv.operands().size())), -1);
        } catch (IllegalArgumentException e) {
            throw new XlError("network-attach: " + e.getMessage());
        }
        if (inv.dryRun()) {
            inv.out().println("would attach to domain " + d.id() + ": " + spec);
            return 0;
        }
        Xenstore store = toolstack.xenstore();
        if (store == null) throw new XlError("network-attach: xenstored is not running (devices live in xenstore)");
        try {
            NetworkDevices.add(store, d.id(), spec);
        } catch (XenstoreException e) {
            throw new XlError("network-attach: xenstore: " + e.getMessage());
        }
        return 0;
    }
}
