package org.oxen.toolstack.xl.internal;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.vmm.api.HypervisorLog;

/**
 * {@code xl dmesg [-c]}: the hypervisor's log (Xen's console ring). The hypervisor keeps its
 * log; {@code -c} makes later calls start after the last line shown, as a cleared ring would.
 */
@Component(service = XlSubcommand.class, immediate = true)
public final class DmesgCommand extends DomainSubcommand {

    private final HypervisorLog hv;
    /** The last line shown by {@code dmesg -c}; later calls print what follows it. */
    private volatile String clearedAfter;

    @Activate
    public DmesgCommand(@Reference HypervisorLog hv) {
        this.hv = hv;
    }

    @Override
    public String name() {
        return "dmesg";
    }

    @Override
    public String summary() {
        return "Read and/or clear dmesg buffer";
    }

    @Override
    public String usage() {
        return "[-c]\n-c                        Clear dmesg buffer as well as printing it";
    }

    @Override
    public String shortOptions() {
        return "c";
    }

    @Override
    int execute(XlInvocation inv) {
        List<String> lines = hv.dmesg();
        int from = 0;
        String mark = clearedAfter;
        if (mark != null) {
            int at = lines.lastIndexOf(mark);
            from = at + 1; // a mark that left the bounded log: everything left is new
        }
        for (String l : lines.subList(from, lines.size())) {
            inv.out().println(l);
        }
        if (inv.options().has("c") && !lines.isEmpty()) {
            clearedAfter = lines.get(lines.size() - 1);
        }
        return 0;
    }
}
