package org.oxen.toolstack.xl.internal;

import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.vmm.api.CpuPools;
import org.oxen.vmm.api.Domains;

/**
 * {@code xl vcpu-list [Domain...]}: one row per vcpu (its pCPU, state r/b/p, CPU time, hard
 * affinity as xl prints it; soft affinity is always {@code all}: oxen has none).
 */
@Component(service = XlSubcommand.class)
public final class VcpuListCommand extends DomainSubcommand {

    private final Domains hv;
    private final CpuPools pools;

    @Activate
    public VcpuListCommand(@Reference Domains hv, @Reference CpuPools pools) {
        this.hv = hv;
        this.pools = pools;
    }

    @Override
    public String name() {
        return "vcpu-list";
    }

    @Override
    public String summary() {
        return "List the VCPUs for all/some domains";
    }

    @Override
    public String usage() {
        return "[Domain, ...]";
    }

    @Override
    int execute(XlInvocation inv) throws XlError {
        List<DomainInfo> domains = new ArrayList<>();
        if (inv.operands().isEmpty()) {
            domains = DomainLookup.all(hv);
        } else {
            for (String q : inv.operands()) {
                domains.add(DomainLookup.resolve(hv, q));
            }
        }
        inv.out().println(XlFormat.VCPU_HEADER);
        for (DomainInfo d : domains) {
            for (DomainInfo.VcpuInfo v : d.vcpus()) {
                String hard = d.isHost() ? "all"
                        : CpuList.format(pools.vcpuAffinity(d.id(), v.id()), pools.pcpus());
                inv.out().println(XlFormat.vcpuRow(d, v, hard));
            }
        }
        return 0;
    }
}
