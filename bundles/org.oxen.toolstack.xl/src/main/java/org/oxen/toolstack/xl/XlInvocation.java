package org.oxen.toolstack.xl;

import java.io.PrintStream;
import java.util.List;
import java.util.Objects;

/**
 * One call of a subcommand: its parsed options and operands, the global xl flags, and the
 * streams of the Gogo session that typed it.
 */
public final class XlInvocation {

    private final String command;
    private final GetOpt.Parsed options;
    private final boolean verbose;
    private final boolean dryRun;
    private final PrintStream out;
    private final PrintStream err;

    public XlInvocation(String command, GetOpt.Parsed options, boolean verbose, boolean dryRun,
            PrintStream out, PrintStream err) {
        this.command = Objects.requireNonNull(command, "command");
        this.options = Objects.requireNonNull(options, "options");
        this.verbose = verbose;
        this.dryRun = dryRun;
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
    }

    /** The subcommand name as typed. */
    public String command() {
        return command;
    }

    /** The subcommand's options and operands. */
    public GetOpt.Parsed options() {
        return options;
    }

    /** Operands left after the options, in order. */
    public List<String> operands() {
        return options.operands();
    }

    /** {@code xl -v}: say more. */
    public boolean verbose() {
        return verbose;
    }

    /** {@code xl -N}: dry run, change nothing. */
    public boolean dryRun() {
        return dryRun;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }
}
