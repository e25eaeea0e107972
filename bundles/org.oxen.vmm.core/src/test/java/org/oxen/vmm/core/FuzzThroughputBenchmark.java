package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * Hypercall throughput of the guest kit's fuzzer on the bare {@link Vmm} (no Felix, no victims):
 * one fuzzer domain makes {@code oxen.fuzz.calls} seeded calls; the figure is the fuzzer's own
 * (calls over its guest time in the loop) and the wall time from create to poweroff. With
 * {@code oxen.fuzz.bench=M} the fuzzer first times each common hypercall alone, M calls each (its
 * benchmark mode, {@code fuzz_bench.c}), and those lines are printed too. {@code oxen.fuzz.args}
 * adds to its command line ({@code profile=1}: guest time per phase of its loop and per hypercall),
 * {@code oxen.fuzz.clock=instructions} gives it the deterministic clock (guest time = retired
 * instructions x 10 ns, so the profile counts instructions).
 *
 * <pre>
 * mvn -B -o test -pl bundles/org.oxen.vmm.core -Dtest=FuzzThroughputBenchmark -Doxen.bench=true \
 *     -Doxen.fuzz.calls=100000 -Doxen.fuzz.seed=22 -Doxen.fuzz.bench=20000 -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class FuzzThroughputBenchmark {

    @Test
    void fuzzedHypercallsPerSecond() throws Exception {
        int calls = Integer.getInteger("oxen.fuzz.calls", 100_000);
        int seed = Integer.getInteger("oxen.fuzz.seed", 22);
        int reps = Integer.getInteger("oxen.fuzz.reps", 2);
        int bench = Integer.getInteger("oxen.fuzz.bench", 0);
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            for (int r = 0; r < reps; r++) {
                long free = vmm.freeFrames();
                com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                DomainImpl f = (DomainImpl) vmm.create(DomainConfig.builder("fuzz")
                        .kernel(GuestImages.load(GuestImages.Flavor.PV, "fuzz")).memoryMiB(8)
                        .clock(org.oxen.vmm.api.GuestClock.parse(System.getProperty("oxen.fuzz.clock", "default")))
                        .cmdline("seed=" + seed + " calls=" + calls + " bench=" + bench + " "
                                + System.getProperty("oxen.fuzz.args", "")).build());
                java.util.Map<Integer, Integer> eips = new java.util.HashMap<>();
                Thread sampler = new Thread(() -> {
                    org.oxen.vmm.core.domain.VcpuImpl v = (org.oxen.vmm.core.domain.VcpuImpl) f.vcpus().get(0);
                    while (!Thread.currentThread().isInterrupted()) {
                        eips.merge(v.cpu().eip(), 1, Integer::sum);
                        try {
                            Thread.sleep(0, 200_000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                if (Boolean.getBoolean("oxen.fuzz.sample")) sampler.start();
                assertTrue(f.awaitShutdown(1800, TimeUnit.SECONDS), f.consoleOutput());
                sampler.interrupt();
                sampler.join();
                if (!eips.isEmpty()) {
                    StringBuilder sb = new StringBuilder();
                    eips.forEach((k, c) -> sb.append(Integer.toHexString(k)).append(' ').append(c).append('\n'));
                    java.nio.file.Files.writeString(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "fuzz-eips.txt"), sb);
                }
                long ns = System.nanoTime() - t0;
                long cpuNs = os.getProcessCpuTime() - cpu0;
                String out = f.consoleOutput();
                assertEquals(ShutdownReason.POWEROFF, f.shutdownReason().orElse(null), out);
                assertTrue(out.contains("RESULT: PASS"), out);
                String done = out.lines().filter(l -> l.contains("fuzz: done")).findFirst().orElse("");
                String times = out.lines().filter(l -> l.contains("guest time in calls")).findFirst()
                        .orElse("fuzz: (profile=1 in oxen.fuzz.args for the guest time in each call)");
                long instr = ((org.oxen.vmm.core.domain.VcpuImpl) f.vcpus().get(0)).instructions();
                System.out.printf("RESULT fuzz seed %d rep %d: %d calls, wall %.1f s (%.0f calls/s), process CPU %.1f s "
                        + "(%.0f calls per CPU-s), %d guest instructions; %s%n  %s%n", seed, r, calls, ns / 1e9,
                        calls / (ns / 1e9), cpuNs / 1e9, calls / (cpuNs / 1e9), instr, done.substring(done.indexOf("fuzz: done")),
                        times.substring(times.indexOf("fuzz:")));
                String rep = "RESULT rep " + r + " ";
                out.lines().filter(l -> l.contains("fuzz: bench ") || l.contains("fuzz: profile"))
                        .forEach(l -> System.out.println(rep + l.substring(l.indexOf("fuzz: "))));
                vmm.destroy(f.id());
                assertEquals(free, vmm.freeFrames());
                assertEquals(0, vmm.internalErrors());
            }
        } finally {
            vmm.shutdown();
        }
    }
}
