package org.oxen.sched.api.util;

import java.util.function.IntUnaryOperator;

import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.SchedVcpu;

/** pCPU placement helpers for schedulers without a placement policy of their own. */
public final class CpuPick {

    private CpuPick() {
    }

    /**
     * The least loaded pCPU of {@code pool} in {@code v}'s affinity; on a tie its current
     * processor, then the lowest id. For schedulers with per-pCPU queues and no balancing, which
     * place a vcpu once, when it is inserted.
     *
     * @param load the load of a pCPU, e.g. its queue length
     * @throws IllegalStateException if no pCPU of the pool is allowed
     */
    public static int leastLoaded(CpuMask pool, SchedVcpu v, IntUnaryOperator load) {
        CpuMask aff = v.affinity();
        int best = -1;
        int bestLoad = Integer.MAX_VALUE;
        int cur = v.processor();
        if (pool.contains(cur) && aff.contains(cur)) {
            best = cur;
            bestLoad = load.applyAsInt(cur);
        }
        for (int c = pool.first(); c >= 0; c = pool.next(c)) {
            if (aff.contains(c)) {
                int l = load.applyAsInt(c);
                if (l < bestLoad) {
                    best = c;
                    bestLoad = l;
                }
            }
        }
        if (best < 0) {
            throw new IllegalStateException("no pCPU of pool " + pool + " in affinity " + aff + " of " + v);
        }
        return best;
    }
}
