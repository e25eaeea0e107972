package org.oxen.x86.machine.internal;

import java.io.IOException;
import java.io.OutputStream;

import org.oxen.x86.api.device.Console;

/**
 * Console {@code gogo}: output to the session that started the machine, flushed at each line
 * end, at {@link #flush()}, and when the machine idles with a partial line written
 * ({@link #flushPartialLine()}: a shell's prompt has no line end, and the guest then waits in
 * HLT for what is typed). The session is not closed with the console. Output only.
 *
 * <p>Locking: the machine thread writes and flushes; {@code broken} is volatile.
 */
final class StreamConsole implements Console {

    private final OutputStream out;
    private volatile boolean broken;
    /** Bytes written since the last flush (machine thread only). */
    private boolean partialLine;

    StreamConsole(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) {
        if (broken) {
            return;
        }
        try {
            out.write(b);
            if (b == '\n') {
                out.flush();
                partialLine = false;
            } else {
                partialLine = true;
            }
        } catch (IOException e) {
            broken = true; // the session went away: keep the machine running
        }
    }

    /** Flushes what was written since the last line end, if anything (the board calls it when idle). */
    void flushPartialLine() {
        if (partialLine) {
            flush();
        }
    }

    @Override
    public void flush() {
        partialLine = false;
        if (!broken) {
            try {
                out.flush();
            } catch (IOException e) {
                broken = true;
            }
        }
    }

    @Override
    public void close() {
        flush();
    }
}
