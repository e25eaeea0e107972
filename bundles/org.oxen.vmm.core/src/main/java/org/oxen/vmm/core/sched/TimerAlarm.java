package org.oxen.vmm.core.sched;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import org.oxen.x86.api.Clock;

/**
 * The timer interrupt of the pCPUs (what the local APIC timer is to Xen's timer softirq): a pCPU
 * running guest code checks its timers only between chunks of instructions, so it arms this
 * alarm with its earliest timer before each chunk, and the alarm thread, sleeping until the
 * earliest armed deadline, makes that pCPU's vcpu leave guest code when it falls due. An idle
 * pCPU needs no alarm (it waits on its own timers).
 *
 * <p>Locking: none; deadlines are atomics, the thread is unparked when a deadline moves
 * earlier (a permit taken before it parks is not lost).
 */
final class TimerAlarm implements Runnable {

    private static final long NONE = Long.MAX_VALUE;

    private final Pcpu[] pcpus;
    private final Clock clock;
    private final AtomicLongArray deadlines;
    private volatile Thread thread;
    private volatile boolean stop;
    /** Alarms delivered (tests, benchmarks). */
    private volatile long interrupts;

    TimerAlarm(Pcpu[] pcpus, Clock clock) {
        this.pcpus = pcpus;
        this.clock = clock;
        this.deadlines = new AtomicLongArray(pcpus.length);
        for (int i = 0; i < pcpus.length; i++) {
            deadlines.set(i, NONE);
        }
    }

    void start() {
        Thread t = new Thread(this, "oxen-timer-alarm");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    void stop() {
        stop = true;
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }

    /** pCPU {@code cpu} runs guest code until {@code deadline} at the latest ({@link #NONE}: no timer). */
    void set(int cpu, long deadline) {
        long old = deadlines.getAndSet(cpu, deadline);
        if (deadline < old) wakeThread();
    }

    /** A timer at {@code deadline} was armed on pCPU {@code cpu}: the alarm moves earlier if needed. */
    void earlier(int cpu, long deadline) {
        for (;;) {
            long old = deadlines.get(cpu);
            if (deadline >= old) return;
            if (deadlines.compareAndSet(cpu, old, deadline)) {
                wakeThread();
                return;
            }
        }
    }

    private void wakeThread() {
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }

    long interrupts() {
        return interrupts;
    }

    @Override
    public void run() {
        while (!stop) {
            long now = clock.nanos();
            long min = NONE;
            for (int i = 0; i < pcpus.length; i++) {
                long d = deadlines.get(i);
                if (d <= now) {
                    if (deadlines.compareAndSet(i, d, NONE)) {
                        interrupts++;
                        pcpus[i].timerInterrupt();
                    }
                } else if (d < min) {
                    min = d;
                }
            }
            if (min == NONE) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, min - now);
            }
        }
    }
}
