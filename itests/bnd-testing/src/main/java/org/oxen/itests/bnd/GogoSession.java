package org.oxen.itests.bnd;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/**
 * A Gogo session whose output the test reads: commands go through the real command processor,
 * exactly as typed at the oxen prompt.
 */
final class GogoSession implements AutoCloseable {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CommandSession session;

    GogoSession(CommandProcessor processor) {
        session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Runs one command line; returns what it printed on stdout (and clears the buffers). */
    String run(String line) throws Exception {
        out.reset();
        err.reset();
        session.execute(line);
        session.getConsole().flush();
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What the last command printed on stderr. */
    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    Object get(String variable) {
        return session.get(variable);
    }

    @Override
    public void close() {
        session.close();
    }
}
