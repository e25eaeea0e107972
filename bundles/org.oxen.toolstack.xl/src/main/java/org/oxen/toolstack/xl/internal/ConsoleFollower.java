package org.oxen.toolstack.xl.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.oxen.vmm.api.ConsoleViewer;
import org.oxen.vmm.api.GuestConsole;

/**
 * {@code xl console}'s loop (xenconsole's main loop): prints a domain's console log so far, then
 * follows new output until the console ends (the domain shut down, crashed or was destroyed),
 * the user types Ctrl-] (0x1d, xenconsole's escape character), or an optional deadline passes;
 * keys typed meanwhile go to the guest ({@link GuestConsole#write}), all but the escape.
 *
 * <p>The snapshot of the log and the stream of new output overlap: output that arrived while the
 * viewer was being attached appears in both. {@link #unseen} drops the leading chunks that the
 * snapshot already ends with. In a raw terminal a lone LF is shown as CR LF (the guest kit writes
 * LF alone; a terminal in raw mode does not return the carriage by itself).
 */
final class ConsoleFollower {

    /** xenconsole's escape: Ctrl-]. */
    static final int ESCAPE = 0x1d;
    /**
     * How long the loop waits for output before it looks at the keyboard again: a key waits up to
     * this long before it is sent (the keyboard is read only through {@code available()}: a
     * blocking read would take keys meant for the shell after a detach). 20 ms made the echo's
     * best 15.6 ms where the browser's was 1.6 ms (docs/PERFORMANCE.md); 5 ms costs an attached
     * console 200 wake-ups a second.
     */
    private static final long POLL_MS = 5;

    /** How following ended. */
    enum End {
        DOMAIN_ENDED, DETACHED, TIMED_OUT
    }

    private ConsoleFollower() {
    }

    /** What the console's viewer collected: output chunks, then (maybe) the end. */
    private static final class Queue implements ConsoleViewer {
        final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        volatile boolean ended;

        @Override
        public void output(byte[] bytes) {
            chunks.add(bytes);
        }

        @Override
        public void ended() {
            ended = true;
            chunks.add(new byte[0]);
        }
    }

    /**
     * @param in the keyboard, read only through {@code available()}; {@code null} = not watched
     * @param rawTerminal whether {@code out} is a terminal in raw mode (LF shown as CR LF)
     * @param timeoutMillis 0 = no deadline
     * @param onAttached run once the viewer is attached and the log so far shown ({@code xl create -c}
     *     unpauses the new domain there, so the follower sees all of its output)
     */
    static End follow(GuestConsole console, OutputStream out, InputStream in, boolean rawTerminal, long timeoutMillis,
            Runnable onAttached) throws InterruptedException, IOException {
        Screen screen = new Screen(out, rawTerminal);
        Queue q = new Queue();
        try (AutoCloseable attached = console.attach(q)) {
            String snapshot = new String(console.log(), StandardCharsets.ISO_8859_1);
            screen.print(snapshot);
            List<byte[]> pending = new ArrayList<>();
            q.chunks.drainTo(pending);
            List<String> texts = new ArrayList<>();
            for (byte[] b : pending) texts.add(new String(b, StandardCharsets.ISO_8859_1));
            for (String s : unseen(snapshot, texts)) screen.print(s);
            screen.flush();
            onAttached.run();
            long deadline = timeoutMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : 0;
            while (true) {
                if (q.ended || !console.isLive()) {
                    drain(q, screen);
                    return End.DOMAIN_ENDED;
                }
                byte[] b = q.chunks.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (b != null) {
                    screen.print(b);
                    drain(q, screen);
                }
                if (in != null && keys(in, console)) {
                    return End.DETACHED;
                }
                if (deadline != 0 && System.nanoTime() - deadline > 0) {
                    drain(q, screen);
                    return End.TIMED_OUT;
                }
            }
        } catch (InterruptedException | IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // AutoCloseable.close of the viewer: never throws
        } finally {
            screen.finishLine();
        }
    }

    private static void drain(Queue q, Screen screen) throws IOException {
        List<byte[]> rest = new ArrayList<>();
        q.chunks.drainTo(rest);
        for (byte[] b : rest) screen.print(b);
        screen.flush();
    }

    /**
     * Reads what is typed (never blocking) and sends it to the guest; true when it holds Ctrl-]
     * (what came before it is sent, what follows is dropped, as xenconsole does).
     */
    static boolean keys(InputStream in, GuestConsole console) {
        try {
            int n = in.available();
            if (n <= 0) {
                return false;
            }
            byte[] b = new byte[n];
            int got = in.read(b);
            int upto = got;
            boolean escape = false;
            for (int i = 0; i < got; i++) {
                if (b[i] == ESCAPE) {
                    upto = i;
                    escape = true;
                    break;
                }
            }
            send(console, b, upto);
            return escape;
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends keys, retrying briefly while the guest's input ring is full (1024 bytes). */
    private static void send(GuestConsole console, byte[] b, int len) {
        int off = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (off < len && console.isLive() && console.broken().isEmpty()) {
            try {
                off += console.write(b, off, len - off);
            } catch (IllegalStateException e) {
                return; // the domain ended meanwhile
            }
            if (off < len) {
                if (System.nanoTime() - end > 0) return; // the guest does not read: drop, as xenconsoled
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
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

    /** The user's screen: bytes as the guest wrote them; remembers whether a line is open. */
    private static final class Screen {
        private final OutputStream out;
        private final boolean raw;
        private int last = '\n';

        Screen(OutputStream out, boolean raw) {
            this.out = out;
            this.raw = raw;
        }

        void print(String s) throws IOException {
            print(s.getBytes(StandardCharsets.ISO_8859_1));
        }

        void print(byte[] b) throws IOException {
            if (b.length == 0) return;
            if (raw) {
                for (byte c : b) {
                    if (c == '\n' && last != '\r') out.write('\r');
                    out.write(c);
                    last = c;
                }
            } else {
                out.write(b);
                last = b[b.length - 1];
            }
        }

        void flush() throws IOException {
            out.flush();
        }

        /** The prompt that follows starts on its own line. */
        void finishLine() {
            try {
                if (last != '\n') {
                    if (raw) out.write('\r');
                    out.write('\n');
                }
                out.flush();
            } catch (IOException e) {
                // the session's console is gone: nothing to finish
            }
        }
    }
}
