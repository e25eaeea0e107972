package org.oxen.toolstack.xl.internal;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.toolstack.xl.cfg.VirtualDevices;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * {@code xl block-detach [-f] <Domain> <DevId>}: the device (a number as block-list shows it, or
 * a vdev name) is closed as libxl closes it: the backend set {@code online = 0} and Closing, the
 * frontend given 10 s to follow (Closed), then both directories removed. A frontend that does not
 * answer fails the command unless {@code -f} removes the device anyway.
 */
@Component(service = XlSubcommand.class)
public final class BlockDetachCommand extends DomainSubcommand {

    static final long CLOSE_TIMEOUT_MS = 10_000;

    private final Hypervisor hv;
    private final Toolstack toolstack;

    @Activate
    public BlockDetachCommand(@Reference Hypervisor hv, @Reference Toolstack toolstack) {
        this.hv = hv;
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "block-detach";
    }

    @Override
    public String summary() {
        return "Destroy a domain's virtual block device";
    }

    @Override
    public String usage() {
        return "[-f] <Domain> <DevId>\n"
                + "-f       remove the device even if the guest does not close it\n"
                + "DevId may be the device number (xl block-list) or the vdev (xvdb).";
    }

    @Override
    public String shortOptions() {
        return "f";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"force=f"};
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        List<String> ops = inv.operands();
        if (ops.size() != 2) {
            throw new XlUsageException(ops.size() < 2 ? "'block-detach' requires a domain and a device" : "too many arguments");
        }
        Domain d = DomainLookup.guest(hv, ops.get(0), "changed");
        int devid;
        try {
            devid = VirtualDevices.devid(ops.get(1));
        } catch (IllegalArgumentException e) {
            throw new XlError("Error: Device " + ops.get(1) + " not connected. (" + e.getMessage() + ")");
        }
        Xenstore store = toolstack.xenstore();
        if (store == null) throw new XlError("block-detach: xenstored is not running (the xenstore feature)");
        boolean force = inv.options().has("f");
        try (XenstoreClient c = store.connect()) {
            if (c.read(VbdDevices.frontendPath(d.id(), devid) + "/backend").isEmpty()) {
                throw new XlError("Error: Device " + ops.get(1) + " not connected.");
            }
            if (!force) {
                if (!VbdDevices.closes(c, d.id(), devid, CLOSE_TIMEOUT_MS)) {
                    throw new XlError("libxl: error: device vbd " + devid + " of domain " + d.id()
                            + " did not close within " + CLOSE_TIMEOUT_MS / 1000 + " s (the guest did not answer);"
                            + " xl block-detach -f removes it anyway");
                }
            }
            VbdDevices.remove(c, d.id(), devid);
        } catch (XenstoreException e) {
            throw new XlError("block-detach: xenstore: " + e.getMessage());
        }
        return 0;
    }
}
