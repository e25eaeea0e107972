package org.oxen.pool.internal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.oxen.pool.internal.PoolMember.DomainNode;

/**
 * The pool master's work (one runtime at a time, elected with Curator's LeaderLatch): when a
 * host's session has expired (its ephemeral node is gone), each domain placed on it that is
 * marked restartable is placed on the live host with the most room ({@link Placement}) and
 * created there from its record by that host; the others, and those no host has room for, are
 * marked {@code lost} with the reason, and the master says so. A lost restartable domain is
 * placed again when a host with room joins. Corrupt domain nodes are reported once.
 *
 * <p>Locking: runs on the member's worker thread only.
 */
final class PoolMaster {

    private final PoolMember member;
    private final PrintStream log;
    private final Map<String, Integer> reportedCorrupt = new HashMap<>();

    PoolMaster(PoolMember member, PrintStream log) {
        this.member = member;
        this.log = log;
    }

    void run() throws Exception {
        Map<String, HostRecord> hosts = member.hosts();
        Map<String, DomainNode> nodes = member.domainNodes();
        List<DomainRecord> records = new ArrayList<>(member.domains());
        String pool = member.settings().pool();
        for (DomainNode n : nodes.values()) {
            DomainRecord r = n.record();
            if (r == null) {
                if (!Integer.valueOf(n.version()).equals(reportedCorrupt.put(n.name(), n.version()))) {
                    log.println("pool " + pool + ": refused " + n.corruption() + "; nothing created");
                }
                continue;
            }
            boolean hostAlive = hosts.containsKey(r.host());
            if (r.state().equals(DomainRecord.PLACED) && !hostAlive) {
                if (!r.restart()) {
                    member.updateDomain(r.with(DomainRecord.LOST, "host " + r.host()
                            + " died; not restartable (xl create --ha-restart)"), n.version());
                    log.println("pool " + pool + ": host " + r.host() + " is gone: " + r.name()
                            + " is lost (not restartable)");
                    continue;
                }
                place(r, n, hosts, records, "host " + r.host() + " is gone: ");
            } else if (r.state().equals(DomainRecord.LOST) && r.restart() && !hostAlive) {
                place(r, n, hosts, records, "");
            }
        }
    }

    private void place(DomainRecord r, DomainNode n, Map<String, HostRecord> hosts, List<DomainRecord> records,
            String why) throws Exception {
        String pool = member.settings().pool();
        Optional<String> target = Placement.choose(hosts, records, r.memoryMiB(), null);
        if (target.isPresent()) {
            if (member.updateDomain(r.withHost(target.get(), ""), n.version())) {
                records.remove(r);
                records.add(r.withHost(target.get(), "")); // counted as pending on its new host
                log.println("pool " + pool + ": " + why + r.name() + " restarted on " + target.get());
            }
        } else if (r.state().equals(DomainRecord.PLACED)) {
            String reason = "host " + r.host() + " died; no host has room for " + r.memoryMiB() + " MiB";
            member.updateDomain(r.with(DomainRecord.LOST, reason), n.version());
            log.println("pool " + pool + ": " + why + "could not place " + r.name() + ": " + reason);
        }
    }
}
