package org.oxen.sched.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.sched.api.util.Link;
import org.oxen.sched.api.util.LinkedQueue;

class SchedApiTest {

    static final long MS = 1_000_000L;

    @Test
    void cpuMask() {
        CpuMask m = CpuMask.of(0, 2, 3, 70);
        assertEquals("0,2-3,70", m.toString());
        assertEquals(4, m.cardinality());
        assertEquals(2, m.next(0));
        assertEquals(70, m.next(3));
        assertEquals(0, m.cycle(70));
        assertEquals(70, m.last());
        assertEquals(CpuMask.of(2, 3), m.and(CpuMask.range(4)).and(CpuMask.of(1, 2, 3)));
        assertTrue(m.intersects(CpuMask.of(70)));
        assertFalse(m.intersects(CpuMask.of(1)));
        assertTrue(CpuMask.all().contains(4095));
        assertEquals("none", CpuMask.empty().toString());
        assertEquals(-1, CpuMask.empty().first());
    }

    @Test
    void linkedQueueSortsFifoAmongEquals() {
        LinkedQueue<long[]> q = new LinkedQueue<>();
        List<Link<long[]>> links = new ArrayList<>();
        long[][] keys = { { 5, 0 }, { 3, 1 }, { 5, 2 }, { 1, 3 }, { 3, 4 } };
        for (long[] k : keys) {
            Link<long[]> l = new Link<>(k);
            links.add(l);
            q.insertSorted(l, x -> x[0]);
        }
        StringBuilder order = new StringBuilder();
        for (Link<long[]> l = q.first(); l != null; l = l.next()) {
            order.append(l.item()[1]);
        }
        assertEquals("31402", order.toString());
        links.get(4).unlink();
        assertEquals(4, q.size());
        assertFalse(links.get(4).isQueued());
        assertThrows(IllegalStateException.class, () -> q.addLast(links.get(0)));
        assertEquals(3, q.poll()[1]);
    }

    @Test
    void paramParsingAndMessages() {
        ParamSpec t = ParamSpec.of("tslice", ParamUnit.US, 100, 1_000_000, 30_000, "slice");
        assertEquals(10_000, t.parse("x", "10ms"));
        assertEquals(2_000, t.parse("x", " 2000 "));
        assertEquals(1_000_000, t.parse("x", "1s"));
        assertEquals("x: tslice = '1500ns' is not a whole number of us",
                assertThrows(SchedParamException.class, () -> t.parse("x", "1500ns")).getMessage());
        assertEquals("x: tslice = '3parsecs': unknown unit 'parsecs' (use ns, us, ms or s)",
                assertThrows(SchedParamException.class, () -> t.parse("x", "3parsecs")).getMessage());
        assertEquals("x: tslice = 50us is out of range [100us, 1000000us] (default 30000us)",
                assertThrows(SchedParamException.class, () -> t.parse("x", "50")).getMessage());
        ParamSpec cap = ParamSpec.orOff("cap", ParamUnit.PERCENT, 1, 400, 0, "cap");
        assertEquals(25, cap.parse("x", "25%"));
        assertEquals(0, cap.parse("x", "0"));
        assertEquals("x: cap = '5ms': unknown unit 'ms' (cap takes a percentage)",
                assertThrows(SchedParamException.class, () -> cap.parse("x", "5ms")).getMessage());
        ParamSpec f = ParamSpec.flag("extratime", true, "e");
        assertEquals(0, f.parse("x", "off"));
        assertEquals("on", f.format(1));
        assertThrows(IllegalArgumentException.class,
                () -> ParamSpec.of("Bad-Name", ParamUnit.NONE, 0, 1, 0, "d"));
        assertThrows(IllegalArgumentException.class,
                () -> ParamSpec.of("w", ParamUnit.NONE, 1, 10, 0, "default outside the range"));
    }

    @Test
    void parametersCarryOverByNameUnitAndRange() {
        ParamSchema from = ParamSchema.of(ParamSpec.of("weight", ParamUnit.NONE, 1, 65535, 256, "w"),
                ParamSpec.orOff("cap", ParamUnit.PERCENT, 1, 400, 0, "c"));
        ParamValues v = from.defaults().parse("credit", Map.of("weight", "5000", "cap", "50"));
        ParamSchema fifo = ParamSchema.of(ParamSpec.of("weight", ParamUnit.NONE, 1, 1000, 10, "stored, ignored"),
                ParamSpec.flag("fifo_only", false, "a parameter only this scheduler has"));
        ParamValues carried = v.carryTo(fifo);
        // weight 5000 is outside fifo's [1, 1000]: its default stays
        assertEquals(10, carried.get("weight"));
        assertEquals(7, from.defaults().with("credit", "weight", 7).carryTo(fifo).get("weight"));
        assertEquals("weight=10 fifo_only=off", carried.toString());
    }

    @Test
    void registrationCheckRefusesCollidingOptionLettersAndBadNames() {
        ParamSchema dom = ParamSchema.of(ParamSpec.of("weight", ParamUnit.NONE, 1, 10, 5, "w").withOption('w'));
        ParamSchema pool = ParamSchema.of(ParamSpec.of("window", ParamUnit.US, 1, 10, 5, "w").withOption('w'));
        SchedulerFactory clash = new AbstractSchedulerFactory("clash", 99, "letters collide", dom, pool) {
            @Override
            public Scheduler<?, ?> create(CpuPool p, ParamValues v) {
                throw new UnsupportedOperationException();
            }
        };
        Conformance.Report r = Conformance.check(clash);
        assertEquals(List.of("option letter -w is both weight's and window's"), r.problems());
        assertThrows(Conformance.ConformanceException.class, () -> Conformance.require(clash));
        SchedulerFactory badName = new AbstractSchedulerFactory("Bad Name", 1, "x", ParamSchema.empty(),
                ParamSchema.empty()) {
            @Override
            public Scheduler<?, ?> create(CpuPool p, ParamValues v) {
                throw new UnsupportedOperationException();
            }
        };
        assertFalse(Conformance.check(badName).passed());
        // a factory that cannot create an instance is refused at registration (RuntimeHotSwapIT's starving bundle)
        SchedulerFactory starving = new AbstractSchedulerFactory("starving", 99, "cannot schedule", ParamSchema.empty(),
                ParamSchema.empty()) {
            @Override
            public Scheduler<?, ?> create(CpuPool p, ParamValues v) {
                throw new UnsupportedOperationException("this scheduler cannot schedule");
            }
        };
        assertEquals(List.of("create on a one-pCPU pool: java.lang.UnsupportedOperationException: this scheduler cannot"
                + " schedule"), Conformance.check(starving).problems());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ParamSpec.of("x", ParamUnit.NONE, 0, 1, 0, "x").withOption('d'));
        assertTrue(e.getMessage().contains("xl's own"), e.getMessage());
        assertEquals("Mcu-advance", ParamSpec.of("mcu_advance", ParamUnit.NONE, 0, 1, 0, "m").column());
        assertEquals("Extra", ParamSpec.of("extratime", ParamUnit.NONE, 0, 1, 0, "e").withColumn("Extra").column());
    }

    @Test
    void decisionIsReusable() {
        Decision d = new Decision();
        d.idle(Decision.NO_TIMER);
        assertTrue(d.isIdle());
        assertEquals("idle for ever", d.toString());
        assertThrows(NullPointerException.class, () -> d.run(null, 5));
    }
}
