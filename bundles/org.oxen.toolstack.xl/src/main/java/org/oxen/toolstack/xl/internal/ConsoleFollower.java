package org.oxen.toolstack.xl.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.Domains;

/**
 * {@code xl console}'s loop: prints a domain's console output so far, then follows new output
 * until the domain shuts down, crashes or is destroyed, the user types Ctrl-] (0x1d, xenconsole's
 * escape character), or an optional deadline passes.
 *
 * <p>The snapshot of the console ring and the stream of new output overlap: output written while
 * the listener was being added appears in both. {@link #unseen} drops the leading chunks that
 * the snapshot already ends with.
 */
final class ConsoleFollower {

    /** xenconsole's escape: Ctrl-]. */
    static final int ESCAPE = 0x1d;
    private static final long POLL_MS = 50;

    /** How following ended. */
    enum End {
        DOMAIN_ENDED, DETACHED, TIMED_OUT
    }

    private ConsoleFollower() {
    }

    /**
     * @param in the keyboard, read only through {@code available()}; {@code null} = not watched
     * @param timeoutMillis 0 = no deadline
     */
    static End follow(Domains hv, Domain d, PrintStream out, InputStream in, long timeoutMillis)
            throws InterruptedException {
        LineEnd tracked = new LineEnd(out);
        try {
            return follow(hv, d, tracked, in, timeoutMillis);
        } finally {
            tracked.finishLine();
        }
    }

    /** Remembers whether the last character printed ended a line, so the prompt starts on its own line. */
    private static final class LineEnd extends PrintStream {
        private final PrintStream out;
        private boolean open;

        LineEnd(PrintStream out) {
            super(out, true);
            this.out = out;
        }

        @Override
        public void print(String s) {
            if (!s.isEmpty()) {
                open = s.charAt(s.length() - 1) != '\n';
                out.print(s);
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        void finishLine() {
            if (open) {
                out.println();
            }
            out.flush();
        }
    }

    private static End follow(Domains hv, Domain d, LineEnd out, InputStream in, long timeoutMillis)
            throws InterruptedException {
        LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
        Consumer<String> listener = queue::add;
        d.addConsoleListener(listener);
        try {
            String snapshot = d.consoleOutput();
            out.print(snapshot);
            List<String> pending = new ArrayList<>();
            queue.drainTo(pending);
            for (String s : unseen(snapshot, pending)) {
                out.print(s);
            }
            out.flush();
            long deadline = timeoutMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : 0;
            while (true) {
                if (ended(hv, d)) {
                    drain(queue, out);
                    return End.DOMAIN_ENDED;
                }
                String s = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (s != null) {
                    out.print(s);
                    drain(queue, out);
                }
                if (in != null && escapeTyped(in)) {
                    return End.DETACHED;
                }
                if (deadline != 0 && System.nanoTime() - deadline > 0) {
                    drain(queue, out);
                    return End.TIMED_OUT;
                }
            }
        } finally {
            d.removeConsoleListener(listener);
            out.flush();
        }
    }

    private static void drain(LinkedBlockingQueue<String> queue, LineEnd out) {
        List<String> rest = new ArrayList<>();
        queue.drainTo(rest);
        rest.forEach(s -> out.print(s));
        out.flush();
    }

    static boolean ended(Domains hv, Domain d) {
        DomainState s = d.state();
        return s == DomainState.SHUTDOWN || s == DomainState.CRASHED || s == DomainState.DYING
                || hv.find(d.id()).isEmpty();
    }

    /** Reads what is typed (never blocking); true when it holds Ctrl-]. */
    static boolean escapeTyped(InputStream in) {
        try {
            int n = in.available();
            if (n <= 0) {
                return false;
            }
            byte[] b = new byte[n];
            int got = in.read(b);
            for (int i = 0; i < got; i++) {
                if (b[i] == ESCAPE) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** The chunks of {@code pending} after the longest leading run whose concatenation ends {@code snapshot}. */
    static List<String> unseen(String snapshot, List<String> pending) {
        int skip = 0;
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < pending.size(); i++) {
            prefix.append(pending.get(i));
            if (snapshot.endsWith(prefix.toString())) {
                skip = i + 1;
            }
        }
        return pending.subList(skip, pending.size());
    }
}
