package org.oxen.vmm.core.trace;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

import org.oxen.vmm.api.trace.TraceSink;

/**
 * One trace buffer: a ring of fixed-size records (a timestamp, an event, up to
 * {@link #EXTRA} words) in preallocated arrays.
 *
 * <p>Design: lock-free, many producers and one consumer. A producer claims the next slot with a
 * compare-and-set of {@link #head} (uncontended on a pCPU's own buffer: only its thread writes
 * there), fills it and publishes it by storing its sequence number with release semantics; the
 * consumer reads slots whose sequence says they are published, then advances {@link #tail} (a
 * volatile write) so producers may reuse them. A full ring drops the new record and counts it
 * (Xen's lost_records), never waits and never overwrites what the consumer has not read.
 * Nothing is allocated per record.
 */
final class TraceRing {

    /** Extra words per record. */
    static final int EXTRA = 5;
    private static final int WORDS = 2 + EXTRA; // event, count, extra...
    private static final VarHandle SEQ = MethodHandles.arrayElementVarHandle(long[].class);

    private final int mask;
    private final long[] time;
    private final int[] words;
    /** Slot i holds record number {@code seq[i] - 1} once published. */
    private final long[] seq;
    private final AtomicLong head = new AtomicLong();
    private volatile long tail;
    private final AtomicLong lost = new AtomicLong();
    /** Lost records not yet reported by a drain (consumer only). */
    private long lostReported;

    TraceRing(int records) {
        if (Integer.bitCount(records) != 1) throw new IllegalArgumentException("records must be a power of two: " + records);
        mask = records - 1;
        time = new long[records];
        words = new int[records * WORDS];
        seq = new long[records];
    }

    int capacity() {
        return mask + 1;
    }

    long lost() {
        return lost.get();
    }

    /** Writes a record, or counts it lost if the ring is full. */
    void put(long ns, int event, int count, int a, int b, int c, int d, int e) {
        long h;
        do {
            h = head.get();
            if (h - tail > mask) {
                lost.incrementAndGet();
                return;
            }
        } while (!head.compareAndSet(h, h + 1));
        int s = (int) h & mask;
        int w = s * WORDS;
        time[s] = ns;
        words[w] = event;
        words[w + 1] = count;
        words[w + 2] = a;
        words[w + 3] = b;
        words[w + 4] = c;
        words[w + 5] = d;
        words[w + 6] = e;
        SEQ.setRelease(seq, s, h + 1);
    }

    /**
     * Passes every published record to {@code sink}, oldest first, then frees their slots; a
     * record claimed but not yet published ends the drain (the next drain takes it). Records
     * lost since the last drain are reported after them as one {@code lostEvent} record
     * {lost, 0, 0, buffer} (Xen's TRC_LOST_RECORDS). Consumer only (callers serialise).
     */
    long drain(int buffer, TraceSink sink, int[] extra, int lostEvent, long nowNs) {
        long t = tail;
        long n = 0;
        for (;;) {
            int s = (int) t & mask;
            if ((long) SEQ.getAcquire(seq, s) != t + 1) break;
            int w = s * WORDS;
            int count = words[w + 1];
            System.arraycopy(words, w + 2, extra, 0, EXTRA);
            long ns = time[s];
            int event = words[w];
            t++;
            tail = t; // the slot may be reused from here: everything was read
            sink.record(buffer, ns, event, extra, count);
            n++;
        }
        long l = lost.get();
        if (l != lostReported) {
            extra[0] = (int) Math.min(l - lostReported, 0xFFFFFFFFL);
            extra[1] = 0;
            extra[2] = 0;
            extra[3] = buffer;
            lostReported = l;
            sink.record(buffer, nowNs, lostEvent, extra, 4);
            n++;
        }
        return n;
    }
}
