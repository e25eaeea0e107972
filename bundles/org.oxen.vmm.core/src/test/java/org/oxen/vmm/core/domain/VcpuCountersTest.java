package org.oxen.vmm.core.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.VcpuExit;
import org.oxen.x86.cpu.ExitReason;

/** Exits are counted by the CPU's reason and read by the API's reason of the same name; the switch stops and resumes counts. */
class VcpuCountersTest {

    @Test
    void everyApiReasonReadsTheCpuReasonOfItsName() {
        VcpuCounters c = new VcpuCounters(new MetricsSwitch(true));
        ExitReason[] cpu = ExitReason.values();
        for (int i = 0; i < cpu.length; i++) {
            for (int k = 0; k <= i; k++) c.exit(cpu[i]);
        }
        for (VcpuExit r : VcpuExit.values()) {
            assertEquals(ExitReason.valueOf(r.name()).ordinal() + 1, c.exits(r), r.name());
        }
        c.hypercall(17, 0, 0);
        c.hypercall(17, 0, 0);
        assertEquals(2, c.hypercalls(17));
        assertEquals(0, c.hypercalls(64), "out of range reads 0");
    }

    @Test
    void offFreezesTheCountsAndOnContinuesFromThem() {
        MetricsSwitch sw = new MetricsSwitch(true);
        VcpuCounters c = new VcpuCounters(sw);
        countOneOfEach(c);
        sw.set(false);
        countOneOfEach(c);
        assertEquals(1, c.hypercalls(17), "off: the count stands still, not reset");
        assertEquals(1, c.exits(VcpuExit.HLT));
        assertEquals(1, c.upcalls());
        assertEquals(1, c.eventsSent());
        sw.set(true);
        countOneOfEach(c);
        assertEquals(2, c.hypercalls(17), "on again: counts on from where it stood");
        assertEquals(2, c.exits(VcpuExit.HLT));
        assertEquals(2, c.upcalls());
        assertEquals(2, c.eventsSent());
    }

    /** The last hypercalls come back oldest first, the ring keeping only the last {@link VcpuCounters#RECENT}. */
    @Test
    void theLastHypercallsAreKeptOldestFirst() {
        VcpuCounters c = new VcpuCounters(new MetricsSwitch(true));
        assertEquals(java.util.List.of(), c.recentHypercalls());
        c.hypercall(17, 1, 2);
        c.hypercall(23, 3, 4);
        assertEquals("[17(1,2), 23(3,4)]", c.recentHypercalls().toString());
        for (int i = 0; i < 40; i++) c.hypercall(i, i, -i);
        java.util.List<org.oxen.vmm.api.VcpuEventState.RecentHypercall> l = c.recentHypercalls();
        assertEquals(VcpuCounters.RECENT, l.size());
        assertEquals(new org.oxen.vmm.api.VcpuEventState.RecentHypercall(40 - VcpuCounters.RECENT, 40 - VcpuCounters.RECENT,
                VcpuCounters.RECENT - 40), l.get(0));
        assertEquals(new org.oxen.vmm.api.VcpuEventState.RecentHypercall(39, 39, -39), l.get(VcpuCounters.RECENT - 1));
    }

    private static void countOneOfEach(VcpuCounters c) {
        c.hypercall(17, 0, 0);
        c.exit(ExitReason.HLT);
        c.upcall();
        c.eventSent();
    }
}
