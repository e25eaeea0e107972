package org.oxen.pool.internal.xl;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.oxen.pool.internal.DomainRecord;
import org.oxen.pool.internal.HostRecord;
import org.oxen.pool.internal.LocalSubcommands;
import org.oxen.pool.internal.PoolMember;
import org.oxen.pool.internal.PoolMember.DomainNode;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;

/**
 * {@code xl list [Domain...]} over the pool: every host's {@code xl list} rows (as each host
 * published them, at most a second old) with a Host column after the name, then the pool's
 * domains that no host runs (placed and starting, lost with their host, failed to create) with
 * their state in words. {@code -l} and {@code -v} are the host's own list (this host only).
 */
final class PoolListCommand extends PoolOverride {

    static final String HEADER = String.format("%-40s %-12s%6s%6s%6s\tState\tTime(s)", "Name", "Host", "ID", "Mem",
            "VCPUs");

    private final PoolMember member;

    PoolListCommand(PoolMember member, LocalSubcommands local) {
        super("list", local);
        this.member = member;
    }

    @Override
    public String summary() {
        return "List information about all/some domains of the pool's hosts";
    }

    @Override
    String poolUsage() {
        return "In a pool: every host's domains with a Host column, then the pool's domains no host runs;\n"
                + "-l and -v show this host's domains only.";
    }

    @Override
    public int run(XlInvocation inv) throws Exception {
        if (inv.options().has("l") || inv.options().has("v")) {
            return delegate(inv);
        }
        Set<String> wanted = new HashSet<>(inv.operands());
        List<String> lines = table(member, wanted);
        Set<String> shown = new HashSet<>();
        for (String l : lines) {
            shown.add(l.split("\\s+", 2)[0]);
        }
        for (String w : wanted) {
            if (!shown.contains(w)) {
                throw new XlError(w + " is an invalid domain identifier (rc=-6)");
            }
        }
        inv.out().println(HEADER);
        lines.forEach(inv.out()::println);
        return 0;
    }

    /** The pool's rows (no header), only those named in {@code wanted} unless it is empty. */
    static List<String> table(PoolMember member, Set<String> wanted) {
        List<String> out = new ArrayList<>();
        Set<String> running = new HashSet<>();
        for (HostRecord h : member.hosts().values()) {
            for (String row : h.listRows()) {
                String[] parts = row.split("\\s+", 2);
                running.add(parts[0]);
                if (wanted.isEmpty() || wanted.contains(parts[0])) {
                    out.add(row(parts[0], h.name(), row.substring(Math.min(row.length(), Math.max(40, parts[0].length())))));
                }
            }
        }
        for (DomainNode n : member.domainNodes().values()) {
            if (running.contains(n.name()) || !wanted.isEmpty() && !wanted.contains(n.name())) {
                continue;
            }
            DomainRecord r = n.record();
            String what = r == null ? "corrupt: " + n.corruption()
                    : r.state().equals(DomainRecord.PLACED) ? "placed, starting"
                    : r.state() + (r.error().isEmpty() ? "" : ": " + r.error());
            out.add(row(n.name(), r == null ? "-" : r.host(), String.format("%6s %5d %5s     %s", "-",
                    r == null ? 0 : r.memoryMiB(), "-", what)));
        }
        return out;
    }

    private static String row(String name, String host, String rest) {
        return String.format("%-40s %-12s%s", name, host, rest);
    }
}
