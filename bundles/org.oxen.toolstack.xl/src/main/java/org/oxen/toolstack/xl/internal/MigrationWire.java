package org.oxen.toolstack.xl.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * xl migrate's conversation over TCP (xl's migrate / migrate-receive over ssh, here a socket to
 * the receiving runtime's {@link MigrationReceiver}), one copy for both ends:
 *
 * <pre>
 *   sender   -> "oxen-migrate 2 &lt;nonce&gt;\n" and the authentication {@link MigrationAuth} describes,
 *               then the save stream (docs/migration-stream.md) and its MAC line (with a pool secret)
 *   receiver -> "restored &lt;domid&gt;\n" (the domain exists, paused) or "error &lt;message&gt;\n"
 *   sender   -> "go\n" (the source will be destroyed)
 *   receiver -> "running &lt;domid&gt;\n" (unpaused) or "error &lt;message&gt;\n"
 * </pre>
 *
 * A sender that gets an error or loses the connection before "running" resumes its domain; a
 * receiver that loses the connection before "go" destroys what it restored.
 */
final class MigrationWire {
    private MigrationWire() {
    }

    static final int DEFAULT_PORT = 8002;
    static final int MAX_LINE = 4096;

    static void writeLine(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A line without its newline; IOException at the end of the stream or beyond MAX_LINE. */
    static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (;;) {
            int c = in.read();
            if (c < 0) throw new IOException("the connection closed" + (b.length() > 0 ? " inside a line" : ""));
            if (c == '\n') return b.toString();
            if (b.length() >= MAX_LINE) throw new IOException("a line longer than " + MAX_LINE + " bytes");
            b.append((char) c);
        }
    }
}
