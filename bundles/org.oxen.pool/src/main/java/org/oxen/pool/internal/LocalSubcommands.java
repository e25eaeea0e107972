package org.oxen.pool.internal;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.oxen.toolstack.xl.GetOpt;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;

/**
 * The host's own xl subcommands (those of the xl bundle, not the pool's), run from Java with
 * their output captured: the pool lists, migrates and destroys through the same code as
 * {@code xl list}, {@code xl migrate} and {@code xl destroy} typed on that host.
 */
public final class LocalSubcommands {

    /** Marks the pool's own subcommands, which override the host's in the dispatcher. */
    public interface PoolSubcommand extends XlSubcommand {
    }

    /** What a subcommand printed and returned. */
    public record Outcome(int status, String out, String err) {
        /** The error text, or the output when there is none. */
        public String message() {
            String e = err.strip();
            return e.isEmpty() ? out.strip() : e;
        }
    }

    private final Supplier<List<XlSubcommand>> subcommands;

    public LocalSubcommands(Supplier<List<XlSubcommand>> subcommands) {
        this.subcommands = subcommands;
    }

    /** The host's own subcommand {@code name}. */
    public Optional<XlSubcommand> find(String name) {
        for (XlSubcommand c : subcommands.get()) {
            if (c.name().equals(name) && !(c instanceof PoolSubcommand)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** Runs the host's {@code xl name args...}, output captured. */
    public Outcome run(String name, List<String> args, Path cwd) {
        XlSubcommand c = find(name).orElse(null);
        if (c == null) {
            return new Outcome(1, "", "xl " + name + " is not available on this host");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            int status;
            try {
                GetOpt.Parsed parsed = new GetOpt("h" + c.shortOptions(), c.longOptions()).parse(args);
                status = c.run(new XlInvocation(name, parsed, false, false, o, e,
                        java.io.InputStream.nullInputStream(), false, cwd));
            } catch (Exception ex) {
                e.println("xl " + name + ": " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
                status = 1;
            }
            return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}
