package org.oxen.vmm.core.domain;

import org.oxen.vmm.api.Vcpu;
import org.oxen.vmm.api.VcpuExit;
import org.oxen.x86.cpu.ExitReason;

/**
 * A vcpu's counters for metrics (Xen's perfc, per vcpu): hypercalls by number, exits by reason,
 * event upcalls delivered and events sent.
 *
 * <p>Design: plain {@code long} slots bumped with {@code ++} on the hot path: no allocation, no
 * lock, no atomic instruction. Locking: single writer — only the pCPU thread running the vcpu
 * counts (hypercalls, exits, upcalls happen on it; a vcpu runs on one pCPU at a time and moves
 * between pCPUs through the scheduler's locks, which order the writes). Readers (metrics, xl)
 * on other threads read without synchronization and may see a value a few events old; a 64-bit
 * JVM never tears a long.
 */
public final class VcpuCounters {

    private static final ExitReason[] CPU_REASONS = ExitReason.values();
    private static final VcpuExit[] API_REASONS = VcpuExit.values();

    static {
        // one table, two enums: the API's names are the CPU's, in the same order
        if (CPU_REASONS.length != API_REASONS.length) {
            throw new ExceptionInInitializerError("VcpuExit and ExitReason differ in length");
        }
        for (int i = 0; i < CPU_REASONS.length; i++) {
            if (!CPU_REASONS[i].name().equals(API_REASONS[i].name())) {
                throw new ExceptionInInitializerError("VcpuExit." + API_REASONS[i] + " is not ExitReason." + CPU_REASONS[i]);
            }
        }
    }

    private final long[] hypercalls = new long[Vcpu.HYPERCALL_NUMBERS];
    private final long[] exits = new long[CPU_REASONS.length];
    private long upcalls;
    private long eventsSent;

    /** A hypercall of number {@code nr} (0 ≤ nr < {@link Vcpu#HYPERCALL_NUMBERS}, checked by the dispatcher). */
    public void hypercall(int nr) {
        hypercalls[nr]++;
    }

    public void exit(ExitReason reason) {
        exits[reason.ordinal()]++;
    }

    public void upcall() {
        upcalls++;
    }

    public void eventSent() {
        eventsSent++;
    }

    long hypercalls(int nr) {
        return nr >= 0 && nr < hypercalls.length ? hypercalls[nr] : 0;
    }

    long exits(VcpuExit reason) {
        return exits[reason.ordinal()];
    }

    long upcalls() {
        return upcalls;
    }

    long eventsSent() {
        return eventsSent;
    }
}
