package org.oxen.toolstack.fuzz;

import java.util.List;

import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Vcpu;

/**
 * The campaign's storm and stall detector for one fuzzer domain, sampled while the campaign
 * waits for it to power off. A fuzzer makes a hypercall other than iret for every call it
 * fuzzes, its sanity checks and its console output, so the count of those ("progress") moves
 * all the time; measured in the domain's own terms, not the host's clock:
 * <ul>
 * <li>an <b>upcall storm</b>: {@link #STORM_UPCALLS} event upcalls with no progress (the vcpu
 *     re-entering its event callback and leaving it by iret, as seed 6003 once did 151.5 M
 *     times: the hypervisor finding {@code evtchn_upcall_pending} set in the vcpu_info it
 *     delivers through, each time);</li>
 * <li>a <b>stall</b>: {@link #STALL_CPU_NANOS} of the domain's own CPU time with no progress
 *     (a fuzzer spinning in guest code).</li>
 * </ul>
 * A fuzzer that blocks or is starved uses no CPU time: the campaign's time limit ends it. The
 * counts are the hypervisor's metrics: while they are off ({@code oxen.metrics=off}, {@code
 * HypervisorMetrics}) nothing is judged but the limit, and when they count again the watch starts
 * afresh.
 *
 * <p>Locking: none; one campaign worker samples one watch.
 */
final class StormWatch {

    /** Upcalls without a hypercall besides iret that make a storm (a fuzzer makes a call every few). */
    static final long STORM_UPCALLS = 100_000;
    /** The domain's CPU time without such a hypercall that makes a stall (a fuzzer makes thousands a second). */
    static final long STALL_CPU_NANOS = 60_000_000_000L;

    private final Domain domain;
    private final java.util.function.BooleanSupplier counting;
    private long progress = -1, upcallsAtProgress, iretsAtProgress, cpuAtProgress;

    /** @param counting whether the hypervisor's metrics count now */
    StormWatch(Domain domain, java.util.function.BooleanSupplier counting) {
        this.domain = domain;
        this.counting = counting;
    }

    /** Hypercalls of every vcpu of the domain but iret (multicall entries included). */
    static long progress(Domain d) {
        return d.vcpus().stream().mapToLong(StormWatch::progressOf).sum();
    }

    static long upcalls(Domain d) {
        return d.vcpus().stream().mapToLong(Vcpu::upcalls).sum();
    }

    /**
     * One look: {@code null} while the fuzzer makes progress, else what is wrong ("an upcall
     * storm: ..." or "stalled: ..."), with the counts since its last progress.
     */
    String look() {
        if (!counting.getAsBoolean()) {
            progress = -1; // counts that stand still say nothing; start afresh when they move again
            return null;
        }
        long p = progress(domain), up = upcalls(domain), irets = irets(domain), cpu = domain.cpuTimeNanos();
        if (p != progress) {
            progress = p;
            upcallsAtProgress = up;
            iretsAtProgress = irets;
            cpuAtProgress = cpu;
            return null;
        }
        if (p == 0) return null; // not started
        if (up - upcallsAtProgress >= STORM_UPCALLS) {
            return String.format("an upcall storm: %d upcalls and %d iret hypercalls with no other hypercall (%d made "
                    + "before it), in %.1f s of its CPU time", up - upcallsAtProgress, irets - iretsAtProgress, p,
                    (cpu - cpuAtProgress) / 1e9);
        }
        if (cpu - cpuAtProgress >= STALL_CPU_NANOS) {
            return String.format("stalled: %.1f s of its CPU time with no hypercall but iret (%d made before, %d upcalls since)",
                    (cpu - cpuAtProgress) / 1e9, p, up - upcallsAtProgress);
        }
        return null;
    }

    static long irets(Domain d) {
        return d.vcpus().stream().mapToLong(v -> v.hypercalls(Hypercall.IRET)).sum();
    }

    /**
     * The state a storm is diagnosed by, one line per vcpu: its upcall, iret and other hypercall
     * counts and its event state as the hypervisor reads it (where its vcpu_info is, the flags,
     * the pending and mask words, its last hypercalls). The domain is best paused.
     */
    static List<String> state(Domain d) {
        return d.vcpus().stream().map(v -> String.format("vcpu %d: %d upcalls, %d irets, %d other hypercalls; %s", v.id(),
                v.upcalls(), v.hypercalls(Hypercall.IRET), progressOf(v),
                v.eventState().map(org.oxen.vmm.api.VcpuEventState::describe).orElse("no event state"))).toList();
    }

    private static long progressOf(Vcpu v) {
        long n = 0;
        for (int nr = 0; nr < Vcpu.HYPERCALL_NUMBERS; nr++) {
            if (nr != Hypercall.IRET) n += v.hypercalls(nr);
        }
        return n;
    }
}
