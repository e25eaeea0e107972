package org.oxen.x86.machine.internal;

import org.oxen.x86.api.device.Console;

/** A device console whose output also goes to the machine's buffer ({@code machine console}). */
final class TeeConsole implements Console {

    private final Console sink;
    private final OutputBuffer buffer;

    TeeConsole(Console sink, OutputBuffer buffer) {
        this.sink = sink;
        this.buffer = buffer;
    }

    @Override
    public void write(int b) {
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
