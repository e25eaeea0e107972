package org.oxen.shell.exit;

import java.io.Console;

/** What commands need to know about the runtime process's exit status and its terminal. */
public final class ProcessStatus {

    /**
     * Service property of the status whiteboard: an {@code IntConsumer} service with this
     * property {@code =true} takes a command's exit status (non-zero marks a script as failed).
     */
    public static final String SERVICE_PROPERTY = "oxen.command.status";

    /** Framework property turning the process exit status on ({@code true} in the runtime's bndruns). */
    public static final String ENABLE_PROPERTY = "oxen.exit.status";

    private ProcessStatus() {
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
