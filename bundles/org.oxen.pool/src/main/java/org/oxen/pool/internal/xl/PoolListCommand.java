package org.oxen.pool.internal.xl;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.oxen.pool.internal.DomainRecord;
import org.oxen.pool.internal.HostRecord;
import org.oxen.pool.internal.LocalSubcommands;
import org.oxen.pool.internal.LocalSubcommands.Outcome;
import org.oxen.pool.internal.LocalSubcommands.PoolSubcommand;
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
final class PoolListCommand implements PoolSubcommand {

    static final String HEADER = String.format("%-40s %-12s%6s%6s%6s\tState\tTime(s)", "Name", "Host", "ID", "Mem",
            "VCPUs");

    private final PoolMember member;
    private final LocalSubcommands local;

    PoolListCommand(PoolMember member, LocalSubcommands local) {
        this.member = member;
        this.local = local;
    }

    @Override
    public String name() {
        return "list";
    }

    @Override
    public String summary() {
        return "List information about all/some domains of the pool's hosts";
    }

    @Override
    public String usage() {
        return "[options] [Domain...]\n"
                + "Every host of the pool, with a Host column; domains of the pool no host runs follow.\n"
                + "-l, --long              This host's domains only, as JSON\n"
                + "-v, --verbose           This host's domains only, with UUIDs";
    }

    @Override
    public String shortOptions() {
        return "lv";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"long=l", "verbose=v"};
    }

    @Override
    public int run(XlInvocation inv) throws XlError {
        if (inv.options().has("l") || inv.options().has("v")) {
            List<String> args = new ArrayList<>();
            if (inv.options().has("l")) {
                args.add("-l");
            }
            if (inv.options().has("v")) {
                args.add("-v");
            }
            args.addAll(inv.operands());
            Outcome o = local.run("list", args, inv.workingDirectory());
            inv.out().print(o.out());
            inv.err().print(o.err());
            return o.status();
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
