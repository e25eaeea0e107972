package org.oxen.shell.exit;

import java.io.Console;
import java.util.List;

/** What commands need to know about the runtime process's exit status and its terminal. */
public final class ProcessStatus {

    /**
     * Service property of the status whiteboard: an {@code IntConsumer} service with this
     * property {@code =true} takes a command's exit status (non-zero marks a script as failed).
     */
    public static final String SERVICE_PROPERTY = "oxen.command.status";

    /** Framework property turning the process exit status on ({@code true} in the runtime's bndruns). */
    public static final String ENABLE_PROPERTY = "oxen.exit.status";

    /**
     * Framework property of a job: one command run without the Gogo shell, its words separated by
     * {@link #JOB_SEPARATOR} (the first names the command, e.g. {@code machine}; the launch of
     * {@code ./oxen machine ...} sets it). The command's component runs it, reports its status to the
     * whiteboard and stops the framework; the process's exit status is then a script's (1 when the
     * command failed, at a terminal too).
     */
    public static final String JOB_PROPERTY = "oxen.job";

    /** What separates a job's words (ASCII unit separator): no quoting to undo, any other character is a word's own. */
    public static final char JOB_SEPARATOR = '\u001f';

    private ProcessStatus() {
    }

    /** A job property's words ({@link #JOB_PROPERTY}); an empty list when there is no job. */
    public static List<String> jobWords(String property) {
        if (property == null || property.isEmpty()) {
            return List.of();
        }
        return List.of(property.split(String.valueOf(JOB_SEPARATOR), -1));
    }

    /** Whether the process's standard streams are a terminal (Java 22+ has a Console for redirected ones too). */
    public static boolean terminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            // Java 22+: a Console exists even for redirected streams; ask whether it is a terminal
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before Java 22 a Console exists only on a terminal
        }
    }
}
