package org.oxen.x86.machine.internal;

import java.io.IOException;
import java.io.OutputStream;

import org.oxen.x86.api.device.Console;

/**
 * Console {@code gogo}: output to the session that started the machine, flushed at each line
 * end and at {@link #flush()}. The session is not closed with the console. Output only.
 */
final class StreamConsole implements Console {

    private final OutputStream out;
    private volatile boolean broken;

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
            }
        } catch (IOException e) {
            broken = true; // the session went away: keep the machine running
        }
    }

    @Override
    public void flush() {
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
