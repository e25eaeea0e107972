package org.oxen.vmm.core.domain;

import org.oxen.vmm.api.Vcpu;
import org.oxen.vmm.api.VcpuExit;
import org.oxen.x86.cpu.ExitReason;

/**
 * A vcpu's counters for metrics (Xen's perfc, per vcpu): hypercalls by number, exits by reason,
 * event upcalls delivered and events sent; and its last {@link #RECENT} hypercalls (number and
 * first two arguments), for a diagnosis ({@code Vcpu.eventState}: a storm detector).
 *
 * <p>Design: plain {@code long} slots bumped with {@code ++} on the hot path: no allocation, no
 * lock, no atomic instruction; each count first checks the hypervisor's {@link MetricsSwitch}
 * (one volatile read and a branch), so with metrics off nothing is written. Locking: single writer — only the pCPU thread running the vcpu
 * counts (hypercalls, exits, upcalls happen on it; a vcpu runs on one pCPU at a time and moves
 * between pCPUs through the scheduler's locks, which order the writes). Readers (metrics, xl)
 * on other threads read without synchronization and may see a value a few events old; a 64-bit
 * JVM never tears a long. The last hypercalls are a ring of plain ints: a reader while the vcpu
 * runs may see an entry half written (pause the domain for a consistent one).
 */
public final class VcpuCounters {

    private static final ExitReason[] CPU_REASONS = ExitReason.values();
    /**
     * The CPU's exit reason for each {@link VcpuExit} (matched by name), -1 for one the CPU does
     * not have: the API's enum and the CPU's may grow apart (a reason the API does not name yet
     * is counted but not shown), never fail.
     */
    private static final int[] CPU_ORDINAL = new int[VcpuExit.values().length];

    static {
        for (VcpuExit r : VcpuExit.values()) {
            CPU_ORDINAL[r.ordinal()] = -1;
            for (ExitReason c : CPU_REASONS) {
                if (c.name().equals(r.name())) CPU_ORDINAL[r.ordinal()] = c.ordinal();
            }
        }
    }

    private final MetricsSwitch counting;
    private final long[] hypercalls = new long[Vcpu.HYPERCALL_NUMBERS];
    private final long[] exits = new long[CPU_REASONS.length];
    private long upcalls;
    private long eventsSent;
    /** The hypercalls {@link #recentHypercalls} returns. */
    public static final int RECENT = 16;
    /** The last hypercalls: number, first and second argument, in slot {@code recentNext % RECENT} next. */
    private final int[] recentNr = new int[RECENT], recentA1 = new int[RECENT], recentA2 = new int[RECENT];
    private long recentNext;

    /** Counters that count while {@code counting} is on. */
    public VcpuCounters(MetricsSwitch counting) {
        this.counting = counting;
    }

    /**
     * A hypercall of number {@code nr} (0 ≤ nr < {@link Vcpu#HYPERCALL_NUMBERS}, checked by the
     * dispatcher) with first arguments {@code a1} and {@code a2}.
     */
    public void hypercall(int nr, int a1, int a2) {
        if (!counting.on()) return;
        hypercalls[nr]++;
        int i = (int) (recentNext++ & (RECENT - 1));
        recentNr[i] = nr;
        recentA1[i] = a1;
        recentA2[i] = a2;
    }

    public void exit(ExitReason reason) {
        if (counting.on()) exits[reason.ordinal()]++;
    }

    public void upcall() {
        if (counting.on()) upcalls++;
    }

    public void eventSent() {
        if (counting.on()) eventsSent++;
    }

    long hypercalls(int nr) {
        return nr >= 0 && nr < hypercalls.length ? hypercalls[nr] : 0;
    }

    long exits(VcpuExit reason) {
        int i = CPU_ORDINAL[reason.ordinal()];
        return i < 0 ? 0 : exits[i];
    }

    /** The last hypercalls, oldest first (fewer before {@link #RECENT} were made; none while not counting). */
    java.util.List<org.oxen.vmm.api.VcpuEventState.RecentHypercall> recentHypercalls() {
        long end = recentNext;
        java.util.List<org.oxen.vmm.api.VcpuEventState.RecentHypercall> l = new java.util.ArrayList<>();
        for (long k = Math.max(0, end - RECENT); k < end; k++) {
            int i = (int) (k & (RECENT - 1));
            l.add(new org.oxen.vmm.api.VcpuEventState.RecentHypercall(recentNr[i], recentA1[i], recentA2[i]));
        }
        return l;
    }

    long upcalls() {
        return upcalls;
    }

    long eventsSent() {
        return eventsSent;
    }
}
