package org.oxen.x86.machine.internal;

import java.util.function.BooleanSupplier;

import org.oxen.x86.api.device.Console;

/**
 * A device console whose output also goes to the machine's buffer ({@code machine console}).
 * Muted once the machine is ending: the CPU may retire a few more instructions after the
 * guest wrote the exit port, and what they print is not part of the run.
 */
final class TeeConsole implements Console {

    private final Console sink;
    private final OutputBuffer buffer;
    private final BooleanSupplier muted;

    TeeConsole(Console sink, OutputBuffer buffer, BooleanSupplier muted) {
        this.sink = sink;
        this.buffer = buffer;
        this.muted = muted;
    }

    @Override
    public void write(int b) {
        if (muted.getAsBoolean()) {
            return;
        }
        buffer.write(b);
        sink.write(b);
    }

    @Override
    public void flush() {
        sink.flush();
    }

    @Override
    public boolean readable() {
        return sink.readable();
    }

    @Override
    public int poll() {
        return sink.poll();
    }

    @Override
    public void close() {
        sink.close();
    }
}
