package org.oxen.toolstack.xl.internal;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;
import org.oxen.toolstack.xl.cfg.DiskSpec;
import org.oxen.toolstack.xl.cfg.DiskSpecParser;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * {@code xl block-attach <Domain> <disk-spec-component(s)>...}: as xl's main_blockattach, the
 * operands are the parts of one DISKSPEC (joined with commas, parsed by the one
 * {@link DiskSpecParser}); the target is relative to the working directory. The device's nodes
 * are written as libxl writes them and the backend must answer (InitWait) within 10 s, else the
 * nodes are removed again and the command fails. {@code -N} parses and prints, attaching nothing.
 */
@Component(service = XlSubcommand.class)
public final class BlockAttachCommand extends DomainSubcommand {

    private final Hypervisor hv;
    private final Toolstack toolstack;

    @Activate
    public BlockAttachCommand(@Reference Hypervisor hv, @Reference Toolstack toolstack) {
        this.hv = hv;
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "block-attach";
    }

    @Override
    public String summary() {
        return "Create a new virtual block device";
    }

    @Override
    public String usage() {
        return "<Domain> <disk-spec-component(s)>...\n"
                + "A DISKSPEC as in xl.cfg's disk = [...] (xl-disk-configuration(5)), e.g.\n"
                + "  xl block-attach web1 /images/data.qcow2,qcow2,xvdb,rw\n"
                + "  xl block-attach web1 format=raw vdev=xvdc access=ro target=/images/ro.img";
    }

    @Override
    public boolean canDryRun() {
        return true;
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException, InterruptedException {
        List<String> ops = inv.operands();
        if (ops.size() < 2) throw new XlUsageException("'block-attach' requires a domain and a disk spec");
        Domain d = DomainLookup.guest(hv, ops.get(0), "given a disk");
        DiskSpec spec;
        try {
            spec = ConfigLoader.resolveDisk(inv.workingDirectory(), DiskSpecParser.parse(String.join(",", ops.subList(1, ops.size()))));
        } catch (IllegalArgumentException e) {
            throw new XlError(e.getMessage());
        }
        if (inv.dryRun()) {
            inv.out().println("disk: " + spec.canonical());
            return 0;
        }
        Xenstore store = toolstack.xenstore();
        if (store == null) throw new XlError("block-attach: xenstored is not running (the xenstore feature)");
        try (XenstoreClient c = store.connect()) {
            VbdDevices.add(c, d.id(), VbdDevices.of(spec));
            if (!VbdDevices.awaitBackend(c, d.id(), spec.devid(), Toolstack.BACKEND_TIMEOUT_MS)) {
                VbdDevices.remove(c, d.id(), spec.devid());
                throw new XlError("block-attach: no block backend answered for " + spec.vdev() + " within "
                        + Toolstack.BACKEND_TIMEOUT_MS / 1000 + " s (is org.oxen.io.blkback running?)");
            }
        } catch (XenstoreException e) {
            throw new XlError("block-attach: " + ("EEXIST".equals(e.error()) ? e.getMessage() : "xenstore: " + e.getMessage()));
        }
        return 0;
    }
}
