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
import org.oxen.vmm.api.Vcpu;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * {@code xl vcpu-set [-i|--ignore-host] <Domain> <vCPUs>}: as xl's vcpuset and
 * libxl_set_vcpuonline for a PV domain, marks vcpus 0..n-1 {@code online} and the rest of its
 * maxvcpus {@code offline} in xenstore's cpu/N/availability. The guest brings them up or down
 * itself (VCPUOP_up / VCPUOP_down); the hypervisor is not asked to change anything. Refused as xl
 * refuses: no number, 0 vcpus ("No vcpus specified"), more than maxvcpus, more than the host's
 * pCPUs (and than are online now) without {@code --ignore-host}.
 */
@Component(service = XlSubcommand.class)
public final class VcpuSetCommand extends DomainSubcommand {

    private final Hypervisor hv;
    private final Toolstack toolstack;

    @Activate
    public VcpuSetCommand(@Reference Hypervisor hv, @Reference Toolstack toolstack) {
        this.hv = hv;
        this.toolstack = toolstack;
    }

    @Override
    public String name() {
        return "vcpu-set";
    }

    @Override
    public String summary() {
        return "Set the number of active VCPUs allowed for the domain";
    }

    @Override
    public String usage() {
        return "[option] <Domain> <vCPUs>\n\n-i, --ignore-host  Don't limit the vCPU based on the host CPU count";
    }

    @Override
    public String shortOptions() {
        return "i";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"ignore-host=i"};
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        List<String> ops = inv.operands();
        if (ops.size() != 2) {
            throw new XlUsageException(ops.size() < 2 ? "'vcpu-set' requires a domain and a number of vcpus"
                    : "too many arguments");
        }
        Domain d = DomainLookup.guest(hv, ops.get(0), "changed");
        int n;
        try {
            n = Integer.parseInt(ops.get(1));
        } catch (NumberFormatException e) {
            throw new XlError("Error: Invalid argument.");
        }
        if (n < 0) throw new XlError("Error: Invalid argument.");
        boolean checkHost = !inv.options().has("i");
        if (checkHost) {
            long online = d.vcpus().stream().filter(Vcpu::online).count();
            if (n > online && n > hv.pcpus()) {
                throw new XlError("You are overcommmitting! You have " + hv.pcpus() + " physical CPUs and want " + n
                        + " vCPUs! Aborting, use --ignore-host to continue");
            }
        }
        if (n == 0) throw new XlError("No vcpus specified");
        int max = d.vcpus().size();
        if (n > max) {
            throw new XlError("Requested " + n + " VCPUs, however maxcpus is " + max + "!");
        }
        Xenstore store = toolstack.xenstore();
        if (store == null) throw VcpuAvailability.unavailable("vcpu-set");
        try {
            VcpuAvailability.write(store, d.id(), n, max);
        } catch (XenstoreException e) {
            throw new XlError("Error: vcpu-set: xenstore: " + e.getMessage());
        }
        return 0;
    }
}
