package org.oxen.io.blkback.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What each of a kit {@code blktest} domain's phases cost the host, for the benchmark: a console
 * listener that, when the guest prints the line starting its first phase (blkfront's
 * "event-channel" line) and the line ending each phase ("... KiB/s (seed N)"), takes the
 * process's CPU time (every thread: the vcpu's, blkback's, the JIT's and the GC's) and the
 * guest's retired instructions. A phase's cost is the difference between its end and the
 * previous mark, so it is independent of how much of the two cores the host's other work left
 * this process, which the phase's wall-clock throughput is not.
 *
 * <p>Locking: the listener runs on whichever thread delivers console output; {@link #phases()} is
 * read after the domain has ended. Marks are appended under the object's monitor.
 */
final class PhaseMeter implements Consumer<String> {

    /**
     * One phase: process CPU nanoseconds and guest instructions it took, and of the CPU time,
     * what the pCPU threads (running the guest's vcpus), blkback's service threads and every
     * Java thread took (the rest is the JVM's own: the JIT compilers and the GC), and how often
     * the kernel took the CPU from a pCPU thread and from blkback's threads while they could run
     * (involuntary context switches: preemptions by the host's other work).
     */
    record Phase(long cpuNanos, long instructions, long pcpuNanos, long blkbackNanos, long javaThreadsNanos,
            long pcpuPreempted, long blkbackPreempted, long[] extra) {
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final LongSupplier instructions;
    private final java.util.function.Supplier<long[]> extra;
    private final StringBuilder seen = new StringBuilder();
    private final List<long[]> marks = new ArrayList<>();
    private final List<long[]> extras = new ArrayList<>();
    private int scanned;

    /** {@code instructions}: the guest's retired instructions so far (all vcpus). */
    PhaseMeter(LongSupplier instructions) {
        this(instructions, () -> new long[0]);
    }

    /**
     * {@code extra}: further running totals taken at each mark (the benchmark's: blkback's
     * service times, the vcpu's runstate times); a phase gets their differences.
     */
    PhaseMeter(LongSupplier instructions, java.util.function.Supplier<long[]> extra) {
        this.instructions = instructions;
        this.extra = extra;
    }

    /** The process's CPU time so far, every thread (in the OS's ticks: 10 ms on Linux). */
    static long processCpuNanos() {
        return OS.getProcessCpuTime();
    }

    /** The calling thread's CPU time so far, in nanoseconds. */
    static long threadCpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    @Override
    public synchronized void accept(String chunk) {
        seen.append(chunk);
        for (;;) {
            String marker = marks.isEmpty() ? "event-channel" : "KiB/s (seed";
            int at = seen.indexOf(marker, scanned);
            if (at < 0) {
                scanned = Math.max(scanned, seen.length() - marker.length());
                return;
            }
            marks.add(new long[] {processCpuNanos(), instructions.getAsLong(), threadsCpuNanos("oxen-pcpu"),
                    threadsCpuNanos("blkback "), threadsCpuNanos(""), preemptions("oxen-pcpu"), preemptions("blkback ")});
            extras.add(extra.get());
            scanned = at + marker.length();
        }
    }

    /** The CPU time of the live threads whose names start with {@code prefix}. */
    private static long threadsCpuNanos(String prefix) {
        long sum = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith(prefix)) sum += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
        }
        return sum;
    }

    /**
     * The involuntary context switches so far of this process's threads whose names (as Linux
     * keeps them: 15 characters) start with {@code prefix}, from /proc/self/task/N/status.
     */
    static long preemptions(String prefix) {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    if (!Files.readString(t.resolve("comm")).startsWith(prefix)) continue;
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("nonvoluntary_ctxt_switches:")) sum += Long.parseLong(line.substring(27).trim());
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0; // no /proc: not Linux
        }
        return sum;
    }

    /** The phases in the order the guest ran them. */
    synchronized List<Phase> phases() {
        List<Phase> p = new ArrayList<>();
        for (int i = 1; i < marks.size(); i++) {
            long[] a = marks.get(i - 1), b = marks.get(i);
            long[] ea = extras.get(i - 1), eb = extras.get(i), d = new long[eb.length];
            for (int j = 0; j < d.length; j++) d[j] = eb[j] - ea[j];
            p.add(new Phase(b[0] - a[0], b[1] - a[1], b[2] - a[2], b[3] - a[3], b[4] - a[4], b[5] - a[5], b[6] - a[6], d));
        }
        return p;
    }
}
