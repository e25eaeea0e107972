package org.oxen.pool.internal.xl;

import java.util.Optional;

import org.oxen.pool.internal.LocalSubcommands;
import org.oxen.pool.internal.LocalSubcommands.PoolSubcommand;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;

/**
 * A pool subcommand that takes over one of the host's ({@code xl list}, {@code xl migrate},
 * {@code xl destroy}) with the same command line: its options and synopsis are the host
 * command's own (one copy, in the xl bundle), the pool adds a paragraph to the usage, and what is
 * not the pool's to do (a domain outside the pool, a command line the host command refuses) is
 * handed to the host's command as it was typed.
 */
abstract class PoolOverride implements PoolSubcommand {

    private final String name;
    final LocalSubcommands local;

    PoolOverride(String name, LocalSubcommands local) {
        this.name = name;
        this.local = local;
    }

    @Override
    public final String name() {
        return name;
    }

    /** The host's own command of this name (the xl bundle provides it beside the dispatcher). */
    private Optional<XlSubcommand> host() {
        return local.find(name);
    }

    @Override
    public final String shortOptions() {
        return host().map(XlSubcommand::shortOptions).orElse("");
    }

    @Override
    public final String[] longOptions() {
        return host().map(XlSubcommand::longOptions).orElse(new String[0]);
    }

    @Override
    public final String usage() {
        return host().map(XlSubcommand::usage).orElse("") + "\n" + poolUsage();
    }

    /** What the pool adds to the host command's usage. */
    abstract String poolUsage();

    /** Runs the host's own command with {@code inv} (its options parsed by the same spec). */
    final int delegate(XlInvocation inv) throws Exception {
        XlSubcommand c = host().orElseThrow(() -> new XlError("xl " + name + " is not available on this host"));
        return c.run(inv);
    }
}
