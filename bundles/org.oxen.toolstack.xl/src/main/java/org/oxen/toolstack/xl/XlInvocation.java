package org.oxen.toolstack.xl;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
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
    private final InputStream in;
    private final boolean interactive;
    private final Path workingDirectory;

    /** An invocation without input (nothing typed can reach the subcommand). */
    public XlInvocation(String command, GetOpt.Parsed options, boolean verbose, boolean dryRun,
            PrintStream out, PrintStream err) {
        this(command, options, verbose, dryRun, out, err, new ByteArrayInputStream(new byte[0]), false,
                Path.of("").toAbsolutePath());
    }

    /**
     * @param in the session's keyboard
     * @param interactive whether {@code in} carries keys typed by a user (a terminal or a test's
     *     stream) rather than the rest of a piped script, which a subcommand must not consume
     * @param workingDirectory the session's current directory (Gogo's {@code cd}), against which
     *     relative file names are resolved
     * @since 1.1
     */
    public XlInvocation(String command, GetOpt.Parsed options, boolean verbose, boolean dryRun,
            PrintStream out, PrintStream err, InputStream in, boolean interactive, Path workingDirectory) {
        this.workingDirectory = Objects.requireNonNull(workingDirectory, "workingDirectory");
        this.in = Objects.requireNonNull(in, "in");
        this.interactive = interactive;
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

    /**
     * This invocation with other operands and the same options, streams and directory: for a
     * subcommand that hands the call on to another ({@code xl migrate} of a pool passing a pool
     * host's migration address to the host's own xl migrate).
     *
     * @since 2.3
     */
    public XlInvocation withOperands(List<String> operands) {
        return new XlInvocation(command, options.withOperands(operands), verbose, dryRun, out, err, in, interactive,
                workingDirectory);
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

    /**
     * The session's keyboard, for subcommands that follow output until a key ({@code xl console}
     * detaches on Ctrl-]). Read it only when {@link #interactive()}, and only what
     * {@link InputStream#available()} says is there.
     *
     * @since 1.1
     */
    public InputStream in() {
        return in;
    }

    /** The session's current directory: relative file names are resolved against it. @since 1.1 */
    public Path workingDirectory() {
        return workingDirectory;
    }

    /** Whether {@link #in()} carries keys a user types. @since 1.1 */
    public boolean interactive() {
        return interactive;
    }
}
