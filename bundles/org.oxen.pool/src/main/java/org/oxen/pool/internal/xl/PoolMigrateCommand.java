package org.oxen.pool.internal.xl;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.oxen.pool.internal.DomainRecord;
import org.oxen.pool.internal.HostRecord;
import org.oxen.pool.internal.LocalSubcommands;
import org.oxen.pool.internal.LocalSubcommands.Outcome;
import org.oxen.pool.internal.LocalSubcommands.PoolSubcommand;
import org.oxen.pool.internal.PoolMember;
import org.oxen.pool.internal.PoolMember.DomainNode;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlUsageException;

/**
 * {@code xl migrate [--live] <Domain> <host>} in a pool, {@code host} a host name of the pool
 * (xl host-list). A pool domain, wherever it runs: the pool's record asks its host to move it
 * there (live with {@code --live}), the host migrates it over the target's migration port (as
 * {@code xl migrate} does) and hands the record on, with how it went (rounds, downtime); the command returns when the target runs it or with the failure (the
 * domain goes on where it was). A domain of this host outside the pool goes straight to the
 * host's migration port. {@code host:port} (not a pool host) is the host's own xl migrate.
 */
final class PoolMigrateCommand implements PoolSubcommand {

    private final PoolMember member;
    private final LocalSubcommands local;

    PoolMigrateCommand(PoolMember member, LocalSubcommands local) {
        this.member = member;
        this.local = local;
    }

    @Override
    public String name() {
        return "migrate";
    }

    @Override
    public String summary() {
        return "Migrate a domain to another host of the pool (or host[:port])";
    }

    @Override
    public String usage() {
        return "[options] <Domain> <host>\n\n"
                + "--live  Pre-copy the domain's memory while it runs (otherwise it is suspended first).\n"
                + "<host> is a host name of the pool (xl host-list), or host[:port] of any oxen migration port.";
    }

    @Override
    public String[] longOptions() {
        return new String[] {"live=l"};
    }

    @Override
    public String shortOptions() {
        return "l";
    }

    @Override
    public int run(XlInvocation inv) throws Exception {
        if (inv.operands().size() != 2) {
            throw new XlUsageException(inv.operands().size() < 2 ? "'migrate' requires a domain and a host"
                    : "too many arguments");
        }
        String name = inv.operands().get(0);
        String target = inv.operands().get(1);
        HostRecord host = member.hosts().get(target);
        Optional<DomainNode> node = member.readDomain(name);
        if (host == null) {
            if (node.isPresent()) {
                throw new XlError("no host " + target + " in pool " + member.settings().pool()
                        + " (xl host-list); " + name + " is a pool domain: it moves between the pool's hosts only");
            }
            return localMigrate(inv, name, target);
        }
        if (node.isEmpty()) {
            if (host.migration().isEmpty()) {
                throw new XlError("host " + target + " has no migration receiver (oxen.migration.port)");
            }
            return localMigrate(inv, name, host.migration());
        }
        DomainRecord r = node.get().record();
        if (r == null) {
            throw new XlError(node.get().corruption());
        }
        if (r.host().equals(target)) {
            throw new XlError(name + " already runs on " + target);
        }
        if (!r.state().equals(DomainRecord.PLACED)) {
            throw new XlError(name + " is " + r.state() + " (" + r.error() + "): it runs nowhere to migrate from");
        }
        boolean live = inv.options().has("l");
        member.requestMigration(name, target, live);
        member.schedule();
        inv.out().println("pool " + member.settings().pool() + ": migrating " + name + " from " + r.host() + " to "
                + target + (live ? " (live)" : ""));
        long deadline = System.currentTimeMillis() + PoolCommands.WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline && PoolCommands.pause()) {
            Optional<DomainNode> n = member.readDomain(name);
            if (n.isEmpty() || n.get().record() == null) {
                throw new XlError("pool: " + name + "'s record went during the migration");
            }
            DomainRecord now = n.get().record();
            if (now.host().equals(target)) {
                inv.out().println("pool " + member.settings().pool() + ": " + name + " runs on " + target
                        + (now.moved().isEmpty() ? "" : " (" + now.moved() + ")"));
                return 0;
            }
            if (now.migrateTo().isEmpty()) {
                throw new XlError("pool: " + name + " stays on " + now.host() + ": " + now.error());
            }
        }
        throw new XlError("pool: " + name + " has not reached " + target + " yet; see xl list");
    }

    private int localMigrate(XlInvocation inv, String name, String address) {
        List<String> args = new ArrayList<>();
        if (inv.options().has("l")) {
            args.add("--live");
        }
        args.add(name);
        args.add(address);
        Outcome o = local.run("migrate", args, inv.workingDirectory());
        inv.out().print(o.out());
        inv.err().print(o.err());
        return o.status();
    }
}
