package org.oxen.toolstack.fuzz;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Vcpu;

/**
 * The storm detector's rules on a domain whose counts the test sets (the real path, a fuzzer
 * that storms in a real runtime, is the itest FuzzCampaignTest's): a storm is {@link
 * StormWatch#STORM_UPCALLS} upcalls with no hypercall but iret, a stall {@link
 * StormWatch#STALL_CPU_NANOS} of CPU with none; progress resets both; counts taken while the
 * hypervisor's metrics are off judge nothing, and the watch starts afresh when they count again.
 */
class StormWatchTest {

    /** What the fake domain's one vcpu has counted. */
    private long others = 1, irets, upcalls, cpu;
    private boolean counting = true;

    private final Vcpu vcpu = (Vcpu) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Vcpu.class},
            (p, m, a) -> switch (m.getName()) {
                case "hypercalls" -> (int) a[0] == Hypercall.IRET ? irets : (int) a[0] == Hypercall.XEN_VERSION ? others : 0L;
                case "upcalls" -> upcalls;
                case "id" -> 0;
                case "eventState" -> Optional.empty();
                default -> throw new UnsupportedOperationException(m.getName());
            });
    private final Domain domain = (Domain) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Domain.class},
            (p, m, a) -> switch (m.getName()) {
                case "vcpus" -> List.of(vcpu);
                case "cpuTimeNanos" -> cpu;
                default -> throw new UnsupportedOperationException(m.getName());
            });
    private final StormWatch watch = new StormWatch(domain, () -> counting);

    private void storm(long n) {
        upcalls += n;
        irets += n;
        cpu += n * 10_000; // 10 us each
    }

    @Test
    void upcallsWithNoOtherHypercallAreAStormAndProgressResetsTheCount() {
        assertNull(watch.look());
        storm(StormWatch.STORM_UPCALLS - 1);
        assertNull(watch.look(), "one upcall short");
        others++;
        assertNull(watch.look(), "progress");
        storm(StormWatch.STORM_UPCALLS - 1);
        assertNull(watch.look(), "counted from the progress");
        storm(1);
        String s = watch.look();
        assertTrue(s != null && s.startsWith("an upcall storm: 100000 upcalls and 100000 iret hypercalls with no other "
                + "hypercall (2 made before it)"), s);
    }

    @Test
    void cpuTimeWithNoHypercallButIretIsAStall() {
        assertNull(watch.look());
        cpu += StormWatch.STALL_CPU_NANOS - 1;
        assertNull(watch.look());
        cpu += 1;
        String s = watch.look();
        assertTrue(s != null && s.startsWith("stalled: 60.0 s of its CPU time with no hypercall but iret (1 made before, 0 upcalls since)"), s);
    }

    @Test
    void countsThatStandStillWhileMetricsAreOffJudgeNothing() {
        assertNull(watch.look());
        counting = false;
        cpu += 2 * StormWatch.STALL_CPU_NANOS; // the fuzzer runs on, its hypercalls uncounted
        assertNull(watch.look(), "metrics off");
        counting = true;
        assertNull(watch.look(), "counting again: a fresh start");
        cpu += StormWatch.STALL_CPU_NANOS - 1;
        assertNull(watch.look());
        storm(StormWatch.STORM_UPCALLS);
        assertTrue(String.valueOf(watch.look()).startsWith("an upcall storm"));
    }
}
