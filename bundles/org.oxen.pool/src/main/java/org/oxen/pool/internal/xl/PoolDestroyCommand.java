package org.oxen.pool.internal.xl;

import java.util.Optional;

import org.oxen.pool.internal.HostRecord;
import org.oxen.pool.internal.LocalSubcommands;
import org.oxen.pool.internal.PoolMember;
import org.oxen.pool.internal.PoolMember.DomainNode;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;

/**
 * {@code xl destroy <Domain>} in a pool: a pool domain's record is removed and the host that
 * runs it destroys it (the command waits until no host lists it); a lost, failed or corrupt
 * record is simply removed. A domain outside the pool is the host's own xl destroy.
 */
final class PoolDestroyCommand extends PoolOverride {

    private final PoolMember member;

    PoolDestroyCommand(PoolMember member, LocalSubcommands local) {
        super("destroy", local);
        this.member = member;
    }

    @Override
    public String summary() {
        return "Terminate a domain immediately, on whichever host of the pool runs it";
    }

    @Override
    String poolUsage() {
        return "In a pool: a pool domain is destroyed on whichever host runs it (its record removed).";
    }

    @Override
    public int run(XlInvocation inv) throws Exception {
        if (inv.operands().size() != 1) {
            return delegate(inv); // the host's xl destroy says what is wrong with the command line
        }
        String name = inv.operands().get(0);
        Optional<DomainNode> node = member.readDomain(name);
        if (node.isEmpty()) {
            return delegate(inv);
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
