package org.oxen.toolstack.xl.internal;

import java.util.List;

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
 * {@code xl network-detach <Domain> <DevId|mac>}: the vif is closed as libxl closes a device
 * (backend Closing, the frontend follows to Closed, both directories removed; forced after 10 s
 * when the frontend does not follow, with a warning).
 */
@Component(service = XlSubcommand.class)
public final class NetworkDetachCommand extends DomainSubcommand {

    private final Toolstack toolstack;

    @Activate
    public NetworkDetachCommand(@Reference Toolstack toolstack) {
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "network-detach";
    }

    @Override
    public String summary() {
        return "Destroy a domain's virtual network device";
    }

    @Override
    public String usage() {
        return "<Domain> <DevId|mac>";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        if (inv.operands().size() != 2) throw new XlUsageException("network-detach needs a domain and a devid or mac");
        Domain d = DomainLookup.guest(toolstack.hypervisor(), inv.operands().get(0), "detached from");
        Xenstore store = toolstack.xenstore();
        if (store == null) throw new XlError("network-detach: xenstored is not running (devices live in xenstore)");
        String which = inv.operands().get(1);
        try {
            List<NetworkDevices.Vif> vifs = NetworkDevices.list(store, d.id());
            NetworkDevices.Vif vif = vifs.stream()
                    .filter(v -> which.contains(":") ? v.mac().equalsIgnoreCase(which) : Integer.toString(v.devid()).equals(which))
                    .findFirst().orElseThrow(() -> new XlError("Error: Device " + which + " not found on domain " + d.id()));
            if (!NetworkDevices.remove(store, d.id(), vif.devid(), NetworkDevices.DETACH_TIMEOUT_MS)) {
                inv.err().println("libxl: warning: vif " + vif.devid() + " of domain " + d.id()
                        + ": the frontend did not close in time; removed by force");
            }
        } catch (XenstoreException e) {
            throw new XlError("network-detach: xenstore: " + e.getMessage());
        }
        return 0;
    }
}
