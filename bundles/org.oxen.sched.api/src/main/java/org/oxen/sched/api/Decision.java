package org.oxen.sched.api;

/**
 * The result of one scheduling decision (Xen's {@code struct task_slice}): the vcpu to run next
 * or idle, the time budget, and whether the vcpu was migrated to this pCPU by the decision.
 *
 * <p>The core keeps one instance per pCPU and passes it to every
 * {@link Scheduler#schedule(int, long, Decision)} on that pCPU, so the hot path allocates
 * nothing. A scheduler fills it with exactly one of {@link #run} or {@link #idle}.
 */
public final class Decision {

    /** Budget meaning "no timer": run until something tickles the pCPU (Xen's -1). */
    public static final long NO_TIMER = -1;

    private VcpuData next;
    private long budget;
    private boolean migrated;

    /** Run {@code v} for {@code budgetNs} (positive) or {@link #NO_TIMER}. */
    public void run(VcpuData v, long budgetNs, boolean migratedHere) {
        if (v == null) {
            throw new NullPointerException("run(null): use idle()");
        }
        this.next = v;
        this.budget = budgetNs;
        this.migrated = migratedHere;
    }

    /** Run {@code v} for {@code budgetNs}. */
    public void run(VcpuData v, long budgetNs) {
        run(v, budgetNs, false);
    }

    /** Idle, re-deciding after {@code budgetNs} or at a tickle ({@link #NO_TIMER}). */
    public void idle(long budgetNs) {
        this.next = null;
        this.budget = budgetNs;
        this.migrated = false;
    }

    /** The vcpu to run, or {@code null} for the idle vcpu. */
    public VcpuData next() {
        return next;
    }

    public boolean isIdle() {
        return next == null;
    }

    /** Time budget in ns, or {@link #NO_TIMER}. */
    public long budget() {
        return budget;
    }

    public boolean migrated() {
        return migrated;
    }

    /** Clear before a decision, so a scheduler that fills nothing is caught. */
    void reset() {
        next = null;
        budget = Long.MIN_VALUE;
        migrated = false;
    }

    boolean isFilled() {
        return budget != Long.MIN_VALUE;
    }

    @Override
    public String toString() {
        return (next == null ? "idle" : next.toString()) + " for "
                + (budget == NO_TIMER ? "ever" : budget + "ns") + (migrated ? " (migrated)" : "");
    }
}
