package org.oxen.toolstack.xl.internal;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.oxen.toolstack.xl.GetOpt;
import org.oxen.toolstack.xl.XlError;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.toolstack.xl.XlUsageException;

/**
 * xl's main(): global options, then dispatch of the first operand to a subcommand.
 *
 * <p>Design: subcommands are services that come and go; the dispatcher holds them in a
 * copy-on-write list (few dozen entries, read on every call, changed on bundle events) and
 * never holds a lock while a subcommand runs. When two services claim one name, the one with the
 * highest {@code service.ranking} has it (a pool's {@code list} over the host's own), and among
 * equal rankings the first registered keeps it until it leaves.
 *
 * <p>Locking: none; {@link CopyOnWriteArrayList} gives each call a consistent snapshot.
 */
public final class XlDispatcher {

    /** xl's global options: verbose, dry run, force, and the ignored timestamp flags. */
    private static final GetOpt GLOBAL = new GetOpt("hvNftT", "help=h");

    static final String HELP = "help";
    /** xl's refusal of {@code -N} by a command that cannot dry-run (xl.c, main). */
    static final String NO_DRY_RUN = "command does not implement -N (dryrun) option";

    private record Registered(XlSubcommand command, int ranking) {
    }

    private final List<Registered> subcommands = new CopyOnWriteArrayList<>();

    public void add(XlSubcommand command) {
        add(command, 0);
    }

    /** Adds {@code command} with its service's {@code service.ranking}. */
    public void add(XlSubcommand command, int ranking) {
        subcommands.add(new Registered(command, ranking));
    }

    public void remove(XlSubcommand command) {
        subcommands.removeIf(r -> r.command() == command);
    }

    /** The subcommand registered under {@code name}, if any: the best ranked, then the first. */
    public Optional<XlSubcommand> find(String name) {
        Registered best = null;
        for (Registered r : subcommands) {
            if (r.command().name().equals(name) && (best == null || r.ranking() > best.ranking())) {
                best = r;
            }
        }
        return best == null ? Optional.empty() : Optional.of(best.command());
    }

    /** Subcommands sorted by name, only the one {@link #find} gives for each name. */
    public List<XlSubcommand> list() {
        List<XlSubcommand> out = new ArrayList<>();
        for (Registered r : subcommands) {
            XlSubcommand c = r.command();
            if (find(c.name()).orElse(null) == c) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparing(XlSubcommand::name));
        return out;
    }

    /**
     * Runs {@code xl args...}.
     *
     * @return xl's exit status: 0 on success, 1 on a usage error or a failed command
     */
    public int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, out, err, new ByteArrayInputStream(new byte[0]), false, Path.of("").toAbsolutePath());
    }

    /**
     * Runs {@code xl args...} with the session's keyboard.
     *
     * @param interactive whether {@code in} carries keys a user types (see {@link XlInvocation#interactive()})
     */
    public int run(List<String> args, PrintStream out, PrintStream err, InputStream in, boolean interactive,
            Path cwd) {
        // Global options stop at the first operand (the subcommand): split there.
        int split = 0;
        while (split < args.size() && args.get(split).startsWith("-") && !args.get(split).equals("--")) {
            split++;
        }
        GetOpt.Parsed global;
        try {
            global = GLOBAL.parse(args.subList(0, split));
        } catch (XlUsageException e) {
            err.println("xl: " + e.getMessage());
            HelpPrinter.summary(list(), err);
            return 1;
        }
        List<String> rest = args.subList(split, args.size());
        if (!rest.isEmpty() && rest.get(0).equals("--")) {
            rest = rest.subList(1, rest.size());
        }
        if (global.has("h") || rest.isEmpty()) {
            HelpPrinter.summary(list(), out);
            return rest.isEmpty() && !global.has("h") ? 1 : 0;
        }
        String name = rest.get(0);
        List<String> subArgs = rest.subList(1, rest.size());
        if (name.equals(HELP)) {
            return help(subArgs, out, err);
        }
        Optional<XlSubcommand> found = find(name);
        if (found.isEmpty()) {
            err.println("xl: unknown command '" + name + "'; 'xl help' lists the commands");
            return 1;
        }
        return invoke(found.get(), subArgs, global, out, err, in, interactive, cwd);
    }

    private int help(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            HelpPrinter.summary(list(), out);
            return 0;
        }
        String name = args.get(0);
        if (name.equals(HELP)) {
            out.println("Usage: xl [-v] help [<subcommand>]");
            out.println();
            out.println("Print the list of subcommands, or the usage of one.");
            return 0;
        }
        Optional<XlSubcommand> found = find(name);
        if (found.isEmpty()) {
            err.println("xl: unknown command '" + name + "'; 'xl help' lists the commands");
            return 1;
        }
        HelpPrinter.usage(found.get(), out);
        return 0;
    }

    private static int invoke(XlSubcommand command, List<String> args, GetOpt.Parsed global,
            PrintStream out, PrintStream err, InputStream in, boolean interactive, Path cwd) {
        String[] longs = command.longOptions();
        String[] withHelp = new String[longs.length + 1];
        System.arraycopy(longs, 0, withHelp, 0, longs.length);
        withHelp[longs.length] = "help=h";
        GetOpt.Parsed parsed;
        try {
            parsed = new GetOpt("h" + command.shortOptions(), withHelp).parse(args);
        } catch (XlUsageException e) {
            err.println("xl " + command.name() + ": " + e.getMessage());
            HelpPrinter.usage(command, err);
            return 1;
        }
        if (parsed.has("h")) {
            HelpPrinter.usage(command, out);
            return 0;
        }
        if (global.has("N") && !command.canDryRun()) {
            err.println(NO_DRY_RUN);
            return 1;
        }
        XlInvocation invocation = new XlInvocation(command.name(), parsed, global.has("v"), global.has("N"), out, err,
                in, interactive, cwd);
        try {
            return command.run(invocation);
        } catch (XlUsageException e) {
            err.println("xl " + command.name() + ": " + e.getMessage());
            HelpPrinter.usage(command, err);
            return 1;
        } catch (XlError e) {
            err.println(e.getMessage());
            return 1;
        } catch (Exception | LinkageError e) {
            // A failing subcommand must never take the shell down; say what failed.
            err.println("xl " + command.name() + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            if (global.has("v")) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }
}
