package org.oxen.toolstack.xl.internal;

import java.io.PrintStream;
import java.util.List;

import org.oxen.toolstack.xl.XlSubcommand;

/** Xen's help texts: {@code xl help} lists subcommands, {@code xl help <cmd>} shows one usage. */
final class HelpPrinter {

    private HelpPrinter() {
    }

    static void summary(List<XlSubcommand> commands, PrintStream out) {
        out.println("Usage xl [-vfN] <subcommand> [args]");
        out.println();
        out.println("xl full list of subcommands:");
        out.println();
        row(out, XlDispatcher.HELP, "Print this help, or the usage of one subcommand");
        for (XlSubcommand c : commands) {
            row(out, c.name(), c.summary());
        }
    }

    static void usage(XlSubcommand command, PrintStream out) {
        String usage = command.usage();
        int nl = usage.indexOf('\n');
        String synopsis = nl < 0 ? usage : usage.substring(0, nl);
        String details = nl < 0 ? "" : usage.substring(nl + 1);
        out.println(("Usage: xl [-v] " + command.name() + " " + synopsis).stripTrailing());
        out.println();
        out.println(command.summary() + ".");
        if (!details.isBlank()) {
            out.println();
            out.println("Options:");
            out.println();
            out.println(details.strip());
        }
    }

    private static void row(PrintStream out, String name, String summary) {
        out.printf(" %-20s%s%n", name, summary);
    }
}
