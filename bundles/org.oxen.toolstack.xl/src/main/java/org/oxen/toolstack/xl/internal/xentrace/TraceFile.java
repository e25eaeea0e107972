package org.oxen.toolstack.xl.internal.xentrace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.api.trace.TraceSink;

/**
 * Drained records in xentrace's binary format (docs/xentrace.md): for each buffer, a
 * TRC_TRACE_CPU_CHANGE record {cpu, byte count of what follows}, then its records, each a header
 * (event, extra count, the cycles flag), the 64-bit timestamp (nanoseconds) and the extra words;
 * every word little-endian. Buffers come one after another, as the drain gives them.
 * Not thread-safe: one drain's sink.
 */
final class TraceFile implements TraceSink {

    private final OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int buffer = -1;
    private long records;

    TraceFile(OutputStream out) {
        this.out = out;
    }

    @Override
    public void record(int buf, long ns, int event, int[] extra, int n) {
        if (buf != buffer) {
            flushBuffer();
            buffer = buf;
        }
        word(pending, Trace.header(event, n, true));
        word(pending, (int) ns);
        word(pending, (int) (ns >>> 32));
        for (int i = 0; i < n; i++) word(pending, extra[i]);
        records++;
    }

    /** Writes the last buffer's records; returns the records written in all. */
    long finish() throws IOException {
        flushBuffer();
        out.flush();
        if (failure != null) throw failure;
        return records;
    }

    private IOException failure;

    private void flushBuffer() {
        if (buffer < 0 || pending.size() == 0 || failure != null) {
            pending.reset();
            return;
        }
        try {
            ByteArrayOutputStream head = new ByteArrayOutputStream(12);
            word(head, Trace.header(Trace.TRC_TRACE_CPU_CHANGE, 2, false));
            word(head, buffer);
            word(head, pending.size());
            head.writeTo(out);
            pending.writeTo(out);
        } catch (IOException e) {
            failure = e;
        }
        pending.reset();
    }

    private static void word(ByteArrayOutputStream b, int w) {
        b.write(w);
        b.write(w >>> 8);
        b.write(w >>> 16);
        b.write(w >>> 24);
    }
}
