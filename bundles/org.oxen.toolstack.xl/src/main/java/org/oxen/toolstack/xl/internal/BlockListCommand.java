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
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * {@code xl block-list <Domain(s)>}: xl's table of each domain's virtual block devices, read from
 * xenstore as libxl_device_disk_getinfo reads it: device number, backend domain, frontend domain
 * (xl's "handle" column), the frontend's state, its event channel and ring reference (-1 before
 * the frontend wrote them), the backend path.
 */
@Component(service = XlSubcommand.class)
public final class BlockListCommand extends DomainSubcommand {

    static final String HEADER = String.format("%-5s %-3s %-6s %-5s %-6s %-8s %-30s", "Vdev", "BE", "handle", "state",
            "evt-ch", "ring-ref", "BE-path");

    private final Hypervisor hv;
    private final Toolstack toolstack;

    @Activate
    public BlockListCommand(@Reference Hypervisor hv, @Reference Toolstack toolstack) {
        this.hv = hv;
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "block-list";
    }

    @Override
    public String summary() {
        return "List virtual block devices for a domain";
    }

    @Override
    public String usage() {
        return "<Domain(s)>";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        List<String> ops = inv.operands();
        if (ops.isEmpty()) throw new XlUsageException("'block-list' requires at least one domain");
        Xenstore store = toolstack.xenstore();
        if (store == null) throw new XlError("block-list: xenstored is not running (the xenstore feature)");
        inv.out().println(HEADER);
        int rc = 0;
        try (XenstoreClient c = store.connect()) {
            for (String q : ops) {
                Domain d;
                try {
                    d = DomainLookup.guest(hv, q, "listed");
                } catch (XlError e) {
                    inv.err().println(e.getMessage());
                    rc = 1;
                    continue;
                }
                for (VbdDevices.Listed l : VbdDevices.list(c, d.id())) {
                    inv.out().println(String.format("%-5d %-3d %-6d %-5d %-6d %-8d %-30s", l.devid(), l.backendId(),
                            l.domid(), l.state(), l.evtchn(), l.ringRef(), l.backendPath()));
                }
            }
        } catch (XenstoreException e) {
            throw new XlError("block-list: xenstore: " + e.getMessage());
        }
        return rc;
    }
}
