package org.oxen.vmm.core.sched;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.oxen.vmm.core.domain.VcpuImpl;

/**
 * The built-in scheduler until the scheduler bundles are adopted: one global FIFO run queue,
 * fixed instruction budget per slice.
 *
 * <p>Locking: one lock guards the queue, the queued set and every vcpu's running flag.
 */
public final class RoundRobin implements VcpuScheduler {

    private final long budget;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<VcpuImpl> queue = new ArrayDeque<>();
    private final Set<VcpuImpl> queued = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<VcpuImpl> known = Collections.newSetFromMap(new IdentityHashMap<>());

    public RoundRobin(long budget) {
        this.budget = budget;
    }

    private boolean eligible(VcpuImpl v) {
        return known.contains(v) && v.runnable() && v.domain().schedulable();
    }

    @Override
    public void insert(VcpuImpl v) {
        lock.lock();
        try {
            known.add(v);
            enqueue(v);
        } finally {
            lock.unlock();
        }
    }

    private void enqueue(VcpuImpl v) {
        if (!v.running() && !queued.contains(v) && eligible(v)) {
            queue.addLast(v);
            queued.add(v);
            changed.signal();
        }
    }

    @Override
    public void remove(VcpuImpl v) {
        lock.lock();
        try {
            known.remove(v);
            if (queued.remove(v)) queue.remove(v);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void wake(VcpuImpl v) {
        lock.lock();
        try {
            enqueue(v);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public VcpuImpl pick(int pcpu, long timeoutNs) throws InterruptedException {
        lock.lock();
        try {
            long left = timeoutNs;
            for (;;) {
                VcpuImpl v;
                while ((v = queue.pollFirst()) != null) {
                    queued.remove(v);
                    if (eligible(v) && !v.running()) {
                        v.setRunning(true, pcpu);
                        return v;
                    }
                }
                if (left <= 0) return null;
                left = changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void descheduled(VcpuImpl v, int pcpu) {
        lock.lock();
        try {
            v.setRunning(false, pcpu);
            enqueue(v);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long budget(VcpuImpl v) {
        return budget;
    }

    @Override
    public void awaitNotRunning(VcpuImpl v) throws InterruptedException {
        lock.lock();
        try {
            while (v.running()) {
                if (!changed.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(v + " did not leave its pCPU within 10 s");
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
