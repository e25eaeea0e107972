package org.oxen.pool.internal.xl;

import java.util.List;
import java.util.Optional;

import org.oxen.pool.internal.DomainRecord;
import org.oxen.pool.internal.HostRecord;
import org.oxen.pool.internal.LocalSubcommands;
import org.oxen.pool.internal.PoolMember;
import org.oxen.pool.internal.PoolMember.DomainNode;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;

/**
 * {@code xl migrate [--live] <Domain> <host>} in a pool, {@code host} a host name of the pool
 * (xl host-list). A pool domain, wherever it runs: the pool's record asks its host to move it
 * there (live with {@code --live}), the host migrates it over the target's migration port (as
 * {@code xl migrate} does) and hands the record on, with how it went (rounds, downtime); the
 * command returns when the target runs it or with the failure (the domain goes on where it
 * was). A domain of this host outside the pool goes straight to the pool host's migration port
 * and {@code host:port} (not a pool host) is the host's own xl migrate, as typed.
 */
final class PoolMigrateCommand extends PoolOverride {

    private final PoolMember member;

    PoolMigrateCommand(PoolMember member, LocalSubcommands local) {
        super("migrate", local);
        this.member = member;
    }

    @Override
    public String summary() {
        return "Migrate a domain to another host of the pool (or host[:port])";
    }

    @Override
    String poolUsage() {
        return "In a pool, <host> is a host name of the pool (xl host-list), or host[:port] of any oxen\n"
                + "migration port; a pool domain moves between the pool's hosts only.";
    }

    @Override
    public int run(XlInvocation inv) throws Exception {
        if (inv.operands().size() != 2) {
            return delegate(inv); // the host's xl migrate says what is wrong with the command line
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
            return delegate(inv);
        }
        if (node.isEmpty()) {
            if (host.migration().isEmpty()) {
                throw new XlError("host " + target + " has no migration receiver (oxen.migration.port)");
            }
            return delegate(inv.withOperands(List.of(name, host.migration())));
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
}
