package org.oxen.pool.internal.xl;

import org.oxen.pool.internal.DomainRecord;
import org.oxen.pool.internal.HostRecord;
import org.oxen.pool.internal.LocalSubcommands.PoolSubcommand;
import org.oxen.pool.internal.PoolMember;
import org.oxen.toolstack.xl.XlInvocation;

/** {@code xl pool-info}: the pool as {@code xl info} shows a host: name, master, hosts, totals. */
final class PoolInfoCommand implements PoolSubcommand {

    private final PoolMember member;

    PoolInfoCommand(PoolMember member) {
        this.member = member;
    }

    @Override
    public String name() {
        return "pool-info";
    }

    @Override
    public String summary() {
        return "Print information about the pool this host is in";
    }

    @Override
    public String usage() {
        return "";
    }

    @Override
    public int run(XlInvocation inv) {
        var hosts = member.hosts();
        var domains = member.domains();
        long free = 0;
        long total = 0;
        int pcpus = 0;
        int running = 0;
        for (HostRecord h : hosts.values()) {
            free += h.freeMiB();
            total += h.totalMiB();
            pcpus += h.pcpus();
            running += h.domainNames().size();
        }
        row(inv, "pool", member.settings().pool());
        row(inv, "zookeeper", member.settings().connect());
        row(inv, "secret", member.settings().secret() != null ? "yes" : "no (open pool)");
        row(inv, "master", member.masterName().orElse("(none elected)"));
        row(inv, "this_host", member.settings().host());
        row(inv, "hosts", Integer.toString(hosts.size()));
        row(inv, "nr_cpus", Integer.toString(pcpus));
        row(inv, "total_memory", Long.toString(total));
        row(inv, "free_memory", Long.toString(free));
        row(inv, "domains_running", Integer.toString(running));
        row(inv, "pool_domains", Integer.toString(domains.size()));
        row(inv, "pool_domains_lost", Long.toString(domains.stream()
                .filter(d -> !d.state().equals(DomainRecord.PLACED)).count()));
        return 0;
    }

    private static void row(XlInvocation inv, String key, String value) {
        inv.out().println(String.format("%-22s: %s", key, value));
    }
}
