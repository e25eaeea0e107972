package org.oxen.vmm.core.trace;

import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.api.trace.HypervisorTrace;
import org.oxen.vmm.api.trace.TraceSink;
import org.oxen.x86.api.Clock;

/**
 * Xen's trace buffers (common/trace.c): one {@link TraceRing} per pCPU and one for Domain-0's
 * host threads, the event mask, and the trace points' entry ({@link #on} then {@code traceN}).
 *
 * <p>A trace point is written as
 * <pre>
 *   if (trace.on(Trace.TRC_SCHED)) trace.trace2(Trace.TRC_SCHED_WAKE, domid, vcpu);
 * </pre>
 * so that with tracing off it costs one volatile read and a branch; {@code traceN} then checks
 * the event's sub-class, picks the calling pCPU's buffer (the host buffer for any other thread)
 * and writes the record without allocating.
 *
 * <p>Locking: the mask is volatile (written by {@link #enable}, read by every trace point);
 * rings are lock-free ({@link TraceRing}); drains are serialised by this object's monitor.
 */
public final class TraceBuffers implements HypervisorTrace {

    /** Records per buffer (32 bytes each in Xen's terms: about 2 MiB per buffer with the timestamps). */
    public static final int DEFAULT_RECORDS = 1 << 16;

    private final TraceRing[] rings;
    private final Clock clock;
    private final int[] drainExtra = new int[TraceRing.EXTRA];
    private volatile int mask;

    public TraceBuffers(int pcpus, int records, Clock clock) {
        this.clock = clock;
        rings = new TraceRing[pcpus + 1];
        for (int i = 0; i < rings.length; i++) rings[i] = new TraceRing(records);
    }

    /** Whether events of class {@code cls} (a TRC_ class constant) may be traced now: one volatile read. */
    @Override
    public boolean on(int cls) {
        return (mask & cls & 0x0fff0000) != 0;
    }

    @Override
    public int buffers() {
        return rings.length;
    }

    @Override
    public int recordsPerBuffer() {
        return rings[0].capacity();
    }

    @Override
    public int mask() {
        return mask;
    }

    @Override
    public void enable(int m) {
        if ((m & 0xf0000000) != 0) {
            throw new IllegalArgumentException(String.format("trace mask 0x%08x has bits above TRC_ALL (0x%08x)", m, Trace.TRC_ALL));
        }
        mask = m;
    }

    @Override
    public long lost() {
        long n = 0;
        for (TraceRing r : rings) n += r.lost();
        return n;
    }

    @Override
    public synchronized long drain(TraceSink sink) {
        long n = 0;
        long now = clock.nanos();
        for (int i = 0; i < rings.length; i++) {
            n += rings[i].drain(i, sink, drainExtra, Trace.TRC_LOST_RECORDS, now);
        }
        return n;
    }

    public void trace1(int event, int a) {
        record(event, 1, a, 0, 0, 0, 0);
    }

    public void trace2(int event, int a, int b) {
        record(event, 2, a, b, 0, 0, 0);
    }

    public void trace3(int event, int a, int b, int c) {
        record(event, 3, a, b, c, 0, 0);
    }

    @Override
    public void trace4(int event, int a, int b, int c, int d) {
        record(event, 4, a, b, c, d, 0);
    }

    @Override
    public void trace5(int event, int a, int b, int c, int d, int e) {
        record(event, 5, a, b, c, d, e);
    }

    private void record(int event, int count, int a, int b, int c, int d, int e) {
        if (!Trace.selects(mask, event)) return;
        ring().put(clock.nanos(), event, count, a, b, c, d, e);
    }

    private TraceRing ring() {
        if (Thread.currentThread() instanceof TraceCpu t) {
            int cpu = t.traceCpu();
            if (cpu >= 0 && cpu < rings.length - 1) return rings[cpu];
        }
        return rings[rings.length - 1];
    }
}
