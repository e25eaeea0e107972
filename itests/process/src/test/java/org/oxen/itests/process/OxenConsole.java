package org.oxen.itests.process;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A runtime process driven through its Gogo console, as a user types at it: each command is
 * bracketed by two {@code echo} marks and {@link #run} returns what it printed on stdout between
 * them. Closing it types {@code stop 0} and waits for the process to end (killing it if it does
 * not). Not thread-safe: one test thread drives it.
 */
final class OxenConsole implements AutoCloseable {

    private static final long DEADLINE_S = 180;

    private final OxenProcess.Running running;
    private final Writer stdin;
    private int marks;

    OxenConsole(Path dir, List<String> jvm) throws IOException {
        running = OxenProcess.interactive(dir, jvm);
        stdin = new java.io.OutputStreamWriter(running.process().getOutputStream(), StandardCharsets.UTF_8);
    }

    String out() throws IOException {
        return running.outSoFar();
    }

    String err() throws IOException {
        return running.errSoFar();
    }

    private void send(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    /** Waits until {@code done} holds for its stderr (or stdout, with {@code stdout}); fails at the deadline or if the process ends. */
    String await(String what, boolean stdout, Predicate<String> done) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_S);
        while (true) {
            String s = stdout ? out() : err();
            if (done.test(s)) return s;
            if (!running.process().isAlive()) {
                throw new AssertionError("oxen exited (" + running.process().exitValue() + ") while waiting for " + what
                        + "\nstdout:\n" + out() + "\nstderr:\n" + err());
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + what + " within " + DEADLINE_S + " s\nstdout:\n" + out() + "\nstderr:\n"
                        + err());
            }
            Thread.sleep(50);
        }
    }

    /** Runs one Gogo command and returns what it printed on stdout. */
    String run(String command) throws IOException, InterruptedException {
        int n = ++marks;
        String begin = "oxenmark_b_" + n + "\n", end = "oxenmark_e_" + n + "\n";
        send("echo oxenmark_b_" + n);
        send(command);
        send("echo oxenmark_e_" + n);
        String s = await("the output of '" + command + "'", true, t -> t.contains(end));
        int b = s.lastIndexOf(begin);
        return s.substring(b + begin.length(), s.lastIndexOf(end)).replaceAll("(?m)^(g! )+", "");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (running.process().isAlive()) send("stop 0");
        } catch (IOException gone) {
            // it ended already
        }
        if (!running.process().waitFor(30, TimeUnit.SECONDS)) running.kill();
    }
}
