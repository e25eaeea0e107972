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
 * -Dsurefire.failIfNoSpecifiedTests=false}. One hypervisor, rounds alternating five ways: PV
 * cpubench with the counters on, tracing off and nothing reading (base); with the counters
 * switched off ({@code oxen.metrics=off}: no count is taken); with a collector reading every
 * counter of every domain and vcpu every 10 ms (a /metrics scrape's reads, 100 times more often
 * than a Prometheus server would); with tracing on for every class (TRC_ALL, the records drained
 * every 100 ms as xentrace does); and with the trace mask set to a class no trace point uses
 * (TRC_HW: every trace point's check runs and fails). Times are cpubench's own (its TSC is the
 * pCPU thread's CPU time, as in {@link VmmBenchmark}). {@link #nullHypercallWithCountingOnAndOff}
 * is the counters' worst case: a guest doing nothing but hypercalls.
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class MetricsOverheadBenchmark {

    @Test
    void cpubenchWithAndWithoutMetricsAndTracing() throws Exception {
        String cmd = System.getProperty("oxen.bench.cpubench", "loop=10000000 mix=10");
        Vmm vmm = new Vmm(128L << 20, 1, new SystemTime(VmmBenchmark::threadCpu));
        String[] modes = {"base", "counting-off", "collector", "trace-all", "trace-hw"};
        List<List<Long>> times = new ArrayList<>();
        for (int i = 0; i < modes.length; i++) times.add(new ArrayList<>());
        long records = 0, counts = 0;
        try {
            int rounds = Math.max(3, Integer.getInteger("oxen.bench.rounds", 7)); // the first two warm up
            for (int round = 0; round < rounds; round++) {
                StringBuilder line = new StringBuilder("metrics round " + round + ":");
                for (int k = 0; k < modes.length; k++) {
                    int m = (k + round) % modes.length; // each round starts with the next mode
                    AtomicBoolean stop = new AtomicBoolean();
                    AtomicLong drained = new AtomicLong();
                    Thread side = null;
                    vmm.metrics().set(m != 1);
                    if (m == 2) side = collector(vmm, stop);
                    if (m == 3) {
                        vmm.trace().enable(Trace.TRC_ALL);
                        side = drainer(vmm, stop, drained);
                    }
                    if (m == 4) vmm.trace().enable(Trace.TRC_HW);
                    Domain d = vmm.create(DomainConfig.builder("cpubench").kernel(GuestImages.load(GuestImages.Flavor.PV,
                            "cpubench")).memoryMiB(16).cmdline(cmd).build());
                    d.awaitShutdown(300, TimeUnit.SECONDS);
                    vmm.trace().enable(0);
                    stop.set(true);
                    if (side != null) side.join();
                    drained.addAndGet(vmm.trace().drain((b, ns, ev, x, n) -> { }));
                    if (m == 3) records = drained.get();
                    long ns = VmmBenchmark.parsePv(d.consoleOutput());
                    if (m == 0) counts = MetricsSwitchTest.switched(d);
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
            System.out.println(r.append(String.format("; %d records traced in the last trace-all round; %d counts taken in the last base round",
                    records, counts)));
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * The counters' worst case: the null hypercall (xen_version 0 in a loop: an exit and a
     * hypercall count per 5 guest instructions) with counting on and off, alternating in one
     * hypervisor; each round's figure is (loop with the call - loop with two NOPs) / calls, in the
     * pCPU thread's CPU time.
     */
    @Test
    void nullHypercallWithCountingOnAndOff() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1, new SystemTime(VmmBenchmark::threadCpu));
        List<Long> on = new ArrayList<>(), off = new ArrayList<>();
        try {
            int rounds = Math.max(3, Integer.getInteger("oxen.bench.rounds", 7)); // the first two warm up
            for (int round = 0; round < rounds; round++) {
                long[] per = new long[2];
                for (int k = 0; k < 2; k++) {
                    boolean counting = (round + k) % 2 == 0; // alternate which goes first
                    vmm.metrics().set(counting);
                    long with = VmmBenchmark.loop(vmm, true);
                    long without = VmmBenchmark.loop(vmm, false);
                    per[counting ? 0 : 1] = (with - without) * 1000 / VmmBenchmark.CALLS; // ps per call
                }
                vmm.metrics().set(true);
                System.out.printf("null hypercall round %d: counting on %.1f ns, off %.1f ns%n", round, per[0] / 1000.0, per[1] / 1000.0);
                if (round >= 2) {
                    on.add(per[0]);
                    off.add(per[1]);
                }
            }
            System.out.printf("RESULT null hypercall with counting on / off (ns, best / median of rounds 3-%d): on %.1f / %.1f, "
                    + "off %.1f / %.1f (%+.2f%% / %+.2f%% on vs off)%n", rounds, best(on) / 1000.0, median(on) / 1000.0,
                    best(off) / 1000.0, median(off) / 1000.0, 100.0 * (best(on) - best(off)) / best(off),
                    100.0 * (median(on) - median(off)) / median(off));
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
