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

/**
 * {@code xl vcpu-pin <Domain> <VCPU|all> <Hard affinity|-|all> [Soft affinity|-|all]}: sets the
 * hard affinity of one or every vcpu (Hypervisor.setVcpuAffinity, the scheduler SPI's mask).
 * oxen has no soft affinity: only {@code -} or {@code all} are accepted for it.
 */
@Component(service = XlSubcommand.class)
public final class VcpuPinCommand extends DomainSubcommand {

    private final Hypervisor hv;

    @Activate
    public VcpuPinCommand(@Reference Hypervisor hv) {
        this.hv = hv;
    }

    @Override
    public String name() {
        return "vcpu-pin";
    }

    @Override
    public String summary() {
        return "Set which CPUs a VCPU can use";
    }

    @Override
    public String usage() {
        return "<Domain> <VCPU|all> <Hard affinity|-|all> <Soft affinity|-|all>";
    }

    @Override
    int execute(XlInvocation inv) throws XlError, XlUsageException {
        List<String> ops = inv.operands();
        if (ops.size() < 3 || ops.size() > 4) {
            throw new XlUsageException(ops.size() < 3 ? "'vcpu-pin' requires a domain, a vcpu and a cpu list"
                    : "too many arguments");
        }
        if (ops.size() == 4 && !ops.get(3).equals("-") && !ops.get(3).equals("all")) {
            throw new XlError("Error: soft affinity '" + ops.get(3) + "': oxen has no soft affinity (use - or all)");
        }
        Domain d = DomainLookup.guest(hv, ops.get(0), "pinned");
        String hard = ops.get(2);
        if (hard.equals("-")) return 0; // hard affinity unchanged
        List<Integer> cpus;
        try {
            cpus = CpuList.parse(hard, hv.pcpus());
        } catch (IllegalArgumentException e) {
            throw new XlError("Error: hard affinity '" + hard + "': " + e.getMessage());
        }
        int n = d.vcpus().size();
        int first;
        int last;
        if (ops.get(1).equals("all")) {
            first = 0;
            last = n - 1;
        } else {
            try {
                first = last = Integer.parseInt(ops.get(1));
            } catch (NumberFormatException e) {
                throw new XlError("Error: invalid vcpu '" + ops.get(1) + "' (a number or all)");
            }
            if (first < 0 || first >= n) {
                throw new XlError("Error: vcpu " + first + " of domain " + d.id() + " does not exist (vcpus 0-"
                        + (n - 1) + ")");
            }
        }
        try {
            for (int v = first; v <= last; v++) {
                hv.setVcpuAffinity(d.id(), v, cpus);
            }
        } catch (IllegalArgumentException e) {
            throw new XlError("Error: " + e.getMessage());
        }
        return 0;
    }
}
