package org.oxen.sched.testing;

/**
 * What a simulated vcpu does: bursts of CPU demand, each followed by an action (block until a
 * time, yield, or go on). One instance per vcpu; it may keep state. Factories for the usual
 * shapes are the static methods.
 */
public abstract class Workload {

    /** {@link #afterBurst} result: yield the pCPU, then start the next burst. */
    public static final long YIELD = -1;
    /** {@link #afterBurst} result: start the next burst at once. */
    public static final long CONTINUE = -2;
    /** A burst that never ends. */
    public static final long FOREVER = Long.MAX_VALUE;

    /** When the vcpu first becomes runnable (absolute ns); 0 = at once. */
    protected long firstWake() {
        return 0;
    }

    /** CPU time the next burst needs (&gt; 0), or {@link #FOREVER}; called at each wake and after each action. */
    protected abstract long nextBurst(long now);

    /**
     * The burst finished at {@code now}: return an absolute wake time (&ge; now) to block until,
     * {@link #YIELD} or {@link #CONTINUE}.
     */
    protected abstract long afterBurst(long now);

    /** The simulation ends at {@code now}: settle statistics (e.g. unfinished jobs). */
    protected void finish(long now) {
    }

    /** Deadline misses so far (periodic workloads); 0 for others. */
    public long deadlineMisses() {
        return 0;
    }

    /** A vcpu that never blocks. */
    public static Workload cpuBound() {
        return new Workload() {
            @Override
            protected long nextBurst(long now) {
                return FOREVER;
            }

            @Override
            protected long afterBurst(long now) {
                return CONTINUE;
            }

            @Override
            public String toString() {
                return "cpu-bound";
            }
        };
    }

    /** I/O-like: run {@code runNs} of CPU, block for {@code sleepNs} of wall time, repeat. */
    public static Workload io(long runNs, long sleepNs) {
        return new Workload() {
            @Override
            protected long nextBurst(long now) {
                return runNs;
            }

            @Override
            protected long afterBurst(long now) {
                return now + sleepNs;
            }

            @Override
            public String toString() {
                return "io(" + runNs + "/" + sleepNs + ")";
            }
        };
    }

    /** Run {@code runNs} of CPU, then yield, repeat. */
    public static Workload yielding(long runNs) {
        return new Workload() {
            @Override
            protected long nextBurst(long now) {
                return runNs;
            }

            @Override
            protected long afterBurst(long now) {
                return YIELD;
            }

            @Override
            public String toString() {
                return "yield(" + runNs + ")";
            }
        };
    }

    /**
     * A periodic real-time task: a job of {@code workNs} released every {@code periodNs} from
     * {@code phaseNs}, due by the next release. Blocks between jobs.
     */
    public static Periodic periodic(long periodNs, long workNs, long phaseNs) {
        return new Periodic(periodNs, workNs, phaseNs);
    }

    /** A periodic task with deadline tracking; see {@link Workload#periodic}. */
    public static final class Periodic extends Workload {
        private final long period;
        private final long work;
        private final long phase;
        private long release;
        private long jobs;
        private long misses;
        private long maxLateness;

        Periodic(long period, long work, long phase) {
            if (work <= 0 || work > period) {
                throw new IllegalArgumentException("work " + work + " not in (0, period " + period + "]");
            }
            this.period = period;
            this.work = work;
            this.phase = phase;
            this.release = phase;
        }

        @Override
        protected long firstWake() {
            return phase;
        }

        @Override
        protected long nextBurst(long now) {
            return work;
        }

        @Override
        protected long afterBurst(long now) {
            long deadline = release + period;
            jobs++;
            if (now > deadline) {
                misses++;
                maxLateness = Math.max(maxLateness, now - deadline);
            }
            release += period;
            return release <= now ? CONTINUE : release;
        }

        @Override
        protected void finish(long now) {
            long deadline = release + period;
            if (release < now && deadline < now) {
                misses++; // the job released at 'release' is still unfinished past its deadline
                maxLateness = Math.max(maxLateness, now - deadline);
            }
        }

        @Override
        public long deadlineMisses() {
            return misses;
        }

        public long jobsCompleted() {
            return jobs;
        }

        public long maxLateness() {
            return maxLateness;
        }

        @Override
        public String toString() {
            return "periodic(" + work + "/" + period + ")";
        }
    }
}
