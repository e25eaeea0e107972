package org.oxen.vmm.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.Vcpu;
import org.oxen.vmm.api.VcpuExit;
import org.oxen.vmm.core.time.SystemTime;

/**
 * The cost of metrics and tracing on cpubench (not a test: no timed assertions), run with
 * {@code mvn -o test -pl bundles/org.oxen.vmm.core -Dtest=MetricsOverheadBenchmark -Doxen.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}. One hypervisor, rounds alternating four ways: PV
 * cpubench with tracing off and nothing reading the counters (base); with a collector reading
 * every counter of every domain and vcpu every 10 ms (a /metrics scrape's reads, 100 times more
 * often than a Prometheus server would); with tracing on for every class (TRC_ALL, the records
 * drained every 100 ms as xentrace does); and with the trace mask set to a class no trace point
 * uses (TRC_HW: every trace point's check runs and fails). Times are cpubench's own (its TSC is
 * the pCPU thread's CPU time, as in {@link VmmBenchmark}).
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class MetricsOverheadBenchmark {

    @Test
    void cpubenchWithAndWithoutMetricsAndTracing() throws Exception {
        String cmd = System.getProperty("oxen.bench.cpubench", "loop=10000000 mix=10");
        Vmm vmm = new Vmm(128L << 20, 1, new SystemTime(VmmBenchmark::threadCpu));
        String[] modes = {"base", "collector", "trace-all", "trace-hw"};
        List<List<Long>> times = new ArrayList<>();
        for (int i = 0; i < modes.length; i++) times.add(new ArrayList<>());
        long records = 0;
        try {
            int rounds = Math.max(3, Integer.getInteger("oxen.bench.rounds", 7)); // the first two warm up
            for (int round = 0; round < rounds; round++) {
                StringBuilder line = new StringBuilder("metrics round " + round + ":");
                for (int m = 0; m < modes.length; m++) {
                    AtomicBoolean stop = new AtomicBoolean();
                    AtomicLong drained = new AtomicLong();
                    Thread side = null;
                    if (m == 1) side = collector(vmm, stop);
                    if (m == 2) {
                        vmm.trace().enable(Trace.TRC_ALL);
                        side = drainer(vmm, stop, drained);
                    }
                    if (m == 3) vmm.trace().enable(Trace.TRC_HW);
                    Domain d = vmm.create(DomainConfig.builder("cpubench").kernel(GuestImages.load(GuestImages.Flavor.PV,
                            "cpubench")).memoryMiB(16).cmdline(cmd).build());
                    d.awaitShutdown(300, TimeUnit.SECONDS);
                    vmm.trace().enable(0);
                    stop.set(true);
                    if (side != null) side.join();
                    drained.addAndGet(vmm.trace().drain((b, ns, ev, x, n) -> { }));
                    if (m == 2) records = drained.get();
                    long ns = VmmBenchmark.parsePv(d.consoleOutput());
                    vmm.destroy(d.id());
                    if (round >= 2) times.get(m).add(ns);
                    line.append(String.format(" %s %.1f ms", modes[m], ns / 1e6));
                }
                System.out.println(line);
            }
            long base = best(times.get(0)), mb = median(times.get(0));
            StringBuilder r = new StringBuilder(String.format("RESULT metrics overhead on cpubench %s (best / median of rounds 3-%d): base %.1f / %.1f ms",
                    cmd, rounds, base / 1e6, mb / 1e6));
            for (int m = 1; m < modes.length; m++) {
                long b = best(times.get(m)), md = median(times.get(m));
                r.append(String.format("; %s %.1f / %.1f ms (%+.2f%% / %+.2f%%)", modes[m], b / 1e6, md / 1e6,
                        100.0 * (b - base) / base, 100.0 * (md - mb) / mb));
            }
            System.out.println(r.append(String.format("; %d records traced in the last trace-all round", records)));
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * The cost of one trace point, on (a record written into a pCPU's ring, drained between
     * batches) and off (the mask check), in the calling thread's CPU time; the bound of tracing's
     * cost on a workload is this times its records.
     */
    @Test
    void costOfATracePoint() {
        org.oxen.vmm.core.trace.TraceBuffers t = new org.oxen.vmm.core.trace.TraceBuffers(1, 1 << 16, System::nanoTime);
        int batch = 60_000;
        int rounds = Math.max(3, Integer.getInteger("oxen.bench.rounds", 7));
        List<Long> on = new ArrayList<>(), off = new ArrayList<>();
        long sink = 0;
        for (int round = 0; round < rounds; round++) {
            t.enable(Trace.TRC_ALL);
            long c0 = VmmBenchmark.threadCpu();
            for (int i = 0; i < batch; i++) {
                if (t.on(Trace.TRC_SCHED)) t.trace4(Trace.TRC_SCHED_SWITCH, i, 0, i + 1, 0);
            }
            long c1 = VmmBenchmark.threadCpu();
            sink += t.drain((b, ns, ev, x, n) -> { });
            t.enable(0);
            long c2 = VmmBenchmark.threadCpu();
            for (int i = 0; i < batch * 100; i++) {
                if (t.on(Trace.TRC_SCHED)) t.trace4(Trace.TRC_SCHED_SWITCH, i, 0, i + 1, 0);
            }
            long c3 = VmmBenchmark.threadCpu();
            if (round >= 2) {
                on.add((c1 - c0) * 1000 / batch);
                off.add((c3 - c2) * 1000 / (batch * 100L));
            }
        }
        System.out.printf("RESULT trace point cost (ns, best / median of rounds 3-%d): on %.1f / %.1f (record with System.nanoTime), "
                + "off %.3f / %.3f (%d records drained)%n", rounds, best(on) / 1000.0, median(on) / 1000.0, best(off) / 1000.0,
                median(off) / 1000.0, sink);
    }

    private static long best(List<Long> l) {
        return l.stream().mapToLong(Long::longValue).min().orElseThrow();
    }

    private static long median(List<Long> l) {
        long[] a = l.stream().mapToLong(Long::longValue).sorted().toArray();
        return a[a.length / 2];
    }

    /** Reads every counter of every domain and vcpu every 10 ms until stopped. */
    private static Thread collector(Vmm vmm, AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            long sink = 0;
            while (!stop.get()) {
                for (Domain d : vmm.list()) {
                    sink += d.cpuTimeNanos() + d.eventsDelivered() + d.grantedPagesMapped() + d.grantMapsHeld()
                            + d.foreignPagesMapped() + d.memoryKiB();
                    for (Vcpu v : d.vcpus()) {
                        sink += v.cpuTimeNanos() + v.instructions() + v.upcalls() + v.eventsSent();
                        for (int nr = 0; nr < Vcpu.HYPERCALL_NUMBERS; nr++) sink += v.hypercalls(nr);
                        for (VcpuExit e : VcpuExit.values()) sink += v.exits(e);
                    }
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (sink == 42) System.out.print("");
        }, "metrics-collector");
        t.start();
        return t;
    }

    /** Drains the trace buffers every 100 ms until stopped. */
    private static Thread drainer(Vmm vmm, AtomicBoolean stop, AtomicLong drained) {
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                drained.addAndGet(vmm.trace().drain((b, ns, ev, x, n) -> { }));
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "trace-drainer");
        t.start();
        return t;
    }
}
