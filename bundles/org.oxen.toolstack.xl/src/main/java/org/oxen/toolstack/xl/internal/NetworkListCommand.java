package org.oxen.toolstack.xl.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * {@code xl network-list <Domain(s)>}: xl's table of each domain's vifs (index, backend domain,
 * MAC, handle, frontend state, event channel, tx/rx ring refs, backend path), from xenstore.
 */
@Component(service = XlSubcommand.class)
public final class NetworkListCommand extends DomainSubcommand {

    private final Toolstack toolstack;

    @Activate
    public NetworkListCommand(@Reference Toolstack toolstack) {
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "network-list";
    }

    @Override
    public String summary() {
        return "List virtual network interfaces for a domain";
    }

    @Override
    public String usage() {
        return "<Domain(s)>";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        if (inv.operands().isEmpty()) throw new XlUsageException("network-list needs a domain");
        Xenstore store = toolstack.xenstore();
        if (store == null) throw new XlError("network-list: xenstored is not running (devices live in xenstore)");
        inv.out().printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s%n", "Idx", "BE", "Mac Addr.", "handle", "state",
                "evt-ch", "tx-", "rx-ring-ref", "BE-path");
        for (String q : inv.operands()) {
            Domain d = DomainLookup.guest(toolstack.hypervisor(), q, "listed");
            try {
                for (NetworkDevices.Vif v : NetworkDevices.list(store, d.id())) {
                    inv.out().printf("%-3d %-2d %-17s %-6d %-5s %-6s %5s/%-11s %-30s%n", v.devid(), 0, v.mac(), v.devid(),
                            v.state(), v.eventChannel(), v.txRingRef(), v.rxRingRef(), v.backendPath());
                }
            } catch (XenstoreException e) {
                throw new XlError("network-list: xenstore: " + e.getMessage());
            }
        }
        return 0;
    }
}
