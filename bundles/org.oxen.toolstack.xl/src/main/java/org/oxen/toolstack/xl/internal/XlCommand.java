package org.oxen.toolstack.xl.internal;

import java.io.FileInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.oxen.shell.exit.ProcessStatus;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.toolstack.xl.XlSubcommand;

/**
 * The {@code xl} command in Gogo. Gogo hands every word after {@code xl} to {@link #xl}, which
 * parses them the way xl does and prints to the typing session, as xl prints to its terminal.
 *
 * <p>Design: immediate, so one dispatcher lives as long as the bundle and keeps its subcommands
 * across calls; subcommands bind dynamically and greedily, so a bundle that adds or removes
 * subcommands never restarts this component.
 */
@Component(
        service = XlCommand.class,
        immediate = true,
        property = {"osgi.command.scope=oxen", "osgi.command.function=xl"})
public final class XlCommand {

    private final XlDispatcher dispatcher = new XlDispatcher();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addSubcommand(XlSubcommand command, java.util.Map<String, Object> properties) {
        Object ranking = properties.get(org.osgi.framework.Constants.SERVICE_RANKING);
        dispatcher.add(command, ranking instanceof Integer i ? i : 0);
    }

    void removeSubcommand(XlSubcommand command) {
        dispatcher.remove(command);
    }

    /** Where exit statuses go (the runtime's process exit status: org.oxen.shell.exit). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + ProcessStatus.SERVICE_PROPERTY + "=true)")
    volatile List<IntConsumer> statusSinks = List.of();

    /**
     * {@code xl [-vNf] <subcommand> [args]}. Prints to the session; returns nothing so an
     * interactive prompt shows exactly what xl would show. The exit status is kept in the session
     * variable {@code xl.status}, like {@code $?} in a POSIX shell.
     */
    @Descriptor("Xen's xl toolstack: 'xl help' lists the subcommands")
    public void xl(CommandSession session, @Descriptor("subcommand and its arguments") String... args) {
        InputStream keyboard = session.getKeyboard();
        PrintStream out = utf8(session.getConsole());
        PrintStream err = utf8(System.err);
        int status = dispatcher.run(Arrays.asList(args), out, err,
                keyboard == null ? InputStream.nullInputStream() : keyboard, interactive(keyboard), cwd(session));
        out.flush();
        err.flush();
        session.put("xl.status", status);
        statusSinks.forEach(sink -> sink.accept(status));
    }

    /**
     * {@code stream} writing UTF-8, whatever the JVM's default charset: names from xl.cfg files
     * (UTF-8) are printed as the bytes they are, as xl prints them, not as '?' when the process
     * runs in the C/POSIX locale. Closing it leaves {@code stream} open.
     */
    static PrintStream utf8(PrintStream stream) {
        return new PrintStream(new FilterOutputStream(stream) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        }, true, StandardCharsets.UTF_8);
    }

    /** The session's directory: Gogo's {@code cd} keeps it in {@code _cwd}; else the process's. */
    static Path cwd(CommandSession session) {
        Object cwd = session.get("_cwd");
        if (cwd instanceof java.io.File f) {
            return f.toPath().toAbsolutePath();
        }
        if (cwd != null) {
            try {
                return (cwd instanceof java.net.URI u ? Path.of(u) : Path.of(cwd.toString())).toAbsolutePath();
            } catch (RuntimeException e) {
                // not a path: fall back to the process's directory
            }
        }
        return Path.of("").toAbsolutePath();
    }

    /**
     * Whether the session's keyboard carries keys a user types: the process's stdin when it is a
     * terminal, or any other stream (a test's, a remote shell's). The process's stdin when it is
     * a pipe is the rest of a script: xl must not read it.
     */
    static boolean interactive(InputStream keyboard) {
        if (keyboard == null) {
            return false;
        }
        return !processStdin(keyboard) || terminal();
    }

    /** Whether {@code keyboard} is the process's stdin (directly or through Gogo's per-thread stream). */
    static boolean processStdin(InputStream keyboard) {
        return keyboard == System.in || keyboard instanceof FileInputStream
                || keyboard.getClass().getName().contains("ThreadInputStream")
                || keyboard.getClass().getName().startsWith("org.apache.felix.gogo");
    }

    /** Whether the process runs at a terminal (its stdin and stdout are one). */
    static boolean terminal() {
        return ProcessStatus.terminal();
    }
}
