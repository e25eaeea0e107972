package org.oxen.pool.internal.xl;

import java.util.Collection;

import org.oxen.pool.internal.DomainRecord;
import org.oxen.pool.internal.HostRecord;
import org.oxen.pool.internal.LocalSubcommands.PoolSubcommand;
import org.oxen.pool.internal.PoolMember;
import org.oxen.toolstack.xl.XlInvocation;

/**
 * {@code xl host-list}: the pool's live hosts (XAPI's {@code xe host-list}): name, migration
 * address, free and total memory, pCPUs, domains, and which is the master.
 */
final class HostListCommand implements PoolSubcommand {

    static final String HEADER = String.format("%-20s %-22s %9s %9s %5s %7s  %s", "Name", "Migration", "Free(MiB)",
            "Mem(MiB)", "pCPUs", "Domains", "Role");

    private final PoolMember member;

    HostListCommand(PoolMember member) {
        this.member = member;
    }

    @Override
    public String name() {
        return "host-list";
    }

    @Override
    public String summary() {
        return "List the hosts of the pool (xe host-list)";
    }

    @Override
    public String usage() {
        return "\n\nOne line per live runtime of the pool; the master is marked.";
    }

    @Override
    public int run(XlInvocation inv) {
        String master = member.masterName().orElse("");
        Collection<DomainRecord> domains = member.domains();
        inv.out().println(HEADER);
        for (HostRecord h : member.hosts().values()) {
            inv.out().println(String.format("%-20s %-22s %9d %9d %5d %7d  %s", h.name(),
                    h.migration().isEmpty() ? "-" : h.migration(), h.freeMiB(), h.totalMiB(), h.pcpus(),
                    h.domainNames().size(), (h.name().equals(master) ? "master" : "member")
                            + (h.name().equals(member.settings().host()) ? ", this host" : "")));
        }
        long lost = domains.stream().filter(d -> !d.state().equals(DomainRecord.PLACED)).count();
        if (lost > 0) {
            inv.out().println(lost + " pool domain(s) run nowhere (xl list shows why)");
        }
        return 0;
    }
}
