package org.oxen.pool.internal.xl;

import java.util.List;

import org.oxen.pool.internal.LocalSubcommands;
import org.oxen.pool.internal.PoolMember;
import org.oxen.toolstack.xl.XlSubcommand;

/** The pool's xl subcommands: list, create, migrate and destroy over the pool; host-list, pool-info. */
public final class PoolCommands {

    /** How long a command waits for the pool to do what it asked (a host creating, migrating). */
    static final long WAIT_MILLIS = 60_000;

    private PoolCommands() {
    }

    public static List<XlSubcommand> all(PoolMember member, LocalSubcommands local) {
        return List.of(new PoolListCommand(member, local), new PoolCreateCommand(member),
                new PoolMigrateCommand(member, local), new PoolDestroyCommand(member, local),
                new HostListCommand(member), new PoolInfoCommand(member));
    }

    /** Sleeps a little while waiting for the pool; false when interrupted. */
    static boolean pause() {
        try {
            Thread.sleep(50);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
