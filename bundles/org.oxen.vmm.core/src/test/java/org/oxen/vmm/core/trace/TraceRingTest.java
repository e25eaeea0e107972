package org.oxen.vmm.core.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.abi.Trace;

/** The ring alone: records come out in order with their words, a full ring drops and counts, threads never lose a published record. */
class TraceRingTest {

    private record Rec(int buffer, long ns, int event, int[] extra) {
    }

    private static List<Rec> drain(TraceRing r) {
        List<Rec> out = new ArrayList<>();
        r.drain(3, (b, ns, ev, extra, n) -> out.add(new Rec(b, ns, ev, java.util.Arrays.copyOf(extra, n))), new int[TraceRing.EXTRA],
                Trace.TRC_LOST_RECORDS, 999);
        return out;
    }

    @Test
    void recordsComeOutOldestFirstWithTheirWords() {
        TraceRing r = new TraceRing(8);
        r.put(10, Trace.TRC_SCHED_WAKE, 2, 1, 0, 0, 0, 0);
        r.put(11, Trace.TRC_PV_HYPERCALL_V2, 5, 18, -1, 2, 3, 4);
        List<Rec> l = drain(r);
        assertEquals(2, l.size());
        assertEquals(3, l.get(0).buffer());
        assertEquals(10, l.get(0).ns());
        assertEquals(Trace.TRC_SCHED_WAKE, l.get(0).event());
        assertArrayEquals(new int[] {1, 0}, l.get(0).extra());
        assertArrayEquals(new int[] {18, -1, 2, 3, 4}, l.get(1).extra());
        assertEquals(0, drain(r).size(), "drained records are gone");
    }

    @Test
    void aFullRingDropsNewRecordsAndReportsThemLost() {
        TraceRing r = new TraceRing(4);
        for (int i = 0; i < 10; i++) r.put(i, Trace.TRC_SCHED_WAKE, 1, i, 0, 0, 0, 0);
        assertEquals(6, r.lost());
        List<Rec> l = drain(r);
        assertEquals(5, l.size(), "4 records then one TRC_LOST_RECORDS");
        for (int i = 0; i < 4; i++) assertEquals(i, l.get(i).extra()[0], "the oldest kept, the newest dropped");
        assertEquals(Trace.TRC_LOST_RECORDS, l.get(4).event());
        assertArrayEquals(new int[] {6, 0, 0, 3}, l.get(4).extra());
        r.put(20, Trace.TRC_SCHED_WAKE, 1, 20, 0, 0, 0, 0);
        l = drain(r);
        assertEquals(1, l.size(), "room again after the drain; the loss is reported once");
        assertEquals(20, l.get(0).extra()[0]);
    }

    @Test
    void concurrentProducersLoseNothingTheRingHadRoomFor() throws Exception {
        TraceRing r = new TraceRing(1 << 16);
        int threads = 4, each = 10_000;
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                for (int i = 0; i < each; i++) r.put(i, Trace.TRC_SCHED_WAKE, 2, id, i, 0, 0, 0);
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        List<Rec> l = drain(r);
        assertEquals(threads * each, l.size());
        int[] next = new int[threads];
        for (Rec x : l) {
            int id = x.extra()[0];
            assertEquals(next[id]++, x.extra()[1], "each producer's records in its order");
        }
        assertEquals(0, r.lost());
    }

    @Test
    void aRingSizeThatIsNoPowerOfTwoIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TraceRing(100));
    }

    @Test
    void maskBitsAboveTheClassesAreRefused() {
        TraceBuffers b = new TraceBuffers(1, 16, () -> 0L);
        assertThrows(IllegalArgumentException.class, () -> b.enable(0x10000000));
        b.enable(Trace.TRC_SCHED);
        assertEquals(Trace.TRC_SCHED, b.mask());
    }
}
