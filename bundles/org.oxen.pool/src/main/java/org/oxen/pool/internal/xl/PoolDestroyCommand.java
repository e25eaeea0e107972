package org.oxen.pool.internal.xl;

import java.util.List;
import java.util.Optional;

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
 * {@code xl destroy <Domain>} in a pool: a pool domain's record is removed and the host that
 * runs it destroys it (the command waits until no host lists it); a lost, failed or corrupt
 * record is simply removed. A domain outside the pool is the host's own xl destroy.
 */
final class PoolDestroyCommand implements PoolSubcommand {

    private final PoolMember member;
    private final LocalSubcommands local;

    PoolDestroyCommand(PoolMember member, LocalSubcommands local) {
        this.member = member;
        this.local = local;
    }

    @Override
    public String name() {
        return "destroy";
    }

    @Override
    public String summary() {
        return "Terminate a domain immediately, on whichever host of the pool runs it";
    }

    @Override
    public String usage() {
        return "<Domain>";
    }

    @Override
    public int run(XlInvocation inv) throws Exception {
        if (inv.operands().size() != 1) {
            throw new XlUsageException(inv.operands().isEmpty() ? "'destroy' requires a domain" : "too many arguments");
        }
        String name = inv.operands().get(0);
        Optional<DomainNode> node = member.readDomain(name);
        if (node.isEmpty()) {
            Outcome o = local.run("destroy", List.of(name), inv.workingDirectory());
            inv.out().print(o.out());
            inv.err().print(o.err());
            return o.status();
        }
        member.deleteDomain(name, node.get().version());
        member.schedule();
        long deadline = System.currentTimeMillis() + PoolCommands.WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline && PoolCommands.pause()) {
            boolean listed = false;
            for (HostRecord h : member.hosts().values()) {
                listed |= h.domainNames().contains(name);
            }
            if (!listed) {
                return 0;
            }
        }
        throw new XlError("pool: " + name + "'s record is removed but a host still lists it; see xl list");
    }
}
