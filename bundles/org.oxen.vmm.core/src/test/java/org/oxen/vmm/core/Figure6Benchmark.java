package org.oxen.vmm.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.Vcpu;

/**
 * The SOSP'03 paper's Figure 6 in oxen (not a test: no timed assertions): aggregate throughput of
 * 1, 2, 4, ..., 128 domains running the kit's cpubench at once (never-ending, {@code repeat=0}),
 * normalised to one domain. Throughput = guest instructions retired by all domains per second of
 * host time, over a window after every domain has booted and run. Run with
 * <pre>
 * mvn -o test -pl bundles/org.oxen.vmm.core -Dtest=Figure6Benchmark -Doxen.bench=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Doxen.bench.pcpus=1] [-Doxen.bench.window=10] \
 *     [-Doxen.bench.maxdomains=128]
 * </pre>
 * Prints the rows of docs/PERFORMANCE.md ("Figure 6"), with the host's load average.
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class Figure6Benchmark {

    static long instructions(List<Domain> ds) {
        long n = 0;
        for (Domain d : ds) {
            for (Vcpu v : d.vcpus()) {
                n += v.instructions();
            }
        }
        return n;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    @Test
    void aggregateThroughput() throws Exception {
        int pcpus = Integer.getInteger("oxen.bench.pcpus", 1);
        long windowNs = TimeUnit.SECONDS.toNanos(Integer.getInteger("oxen.bench.window", 10));
        int max = Integer.getInteger("oxen.bench.maxdomains", 128);
        byte[] kernel = GuestImages.load(GuestImages.Flavor.PV, "cpubench");
        double base = Double.NaN;
        System.out.printf("| domains | pCPUs | aggregate guest MIPS | normalised | slowest / fastest domain | load average |%n");
        for (int n = 1; n <= max; n *= 2) {
            Vmm vmm = new Vmm((long) (n * 4 + 64) << 20, pcpus, new CreditFactory());
            try {
                List<Domain> ds = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ds.add(vmm.create(DomainConfig.builder("bench" + i).kernel(kernel).memoryMiB(4)
                            .cmdline("loop=1000000 mix=2 repeat=0").build()));
                }
                // warm-up: every domain has run its first round (booted, its hot code translated)
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
                while (ds.stream().anyMatch(d -> !d.consoleOutput().contains("cpubench: round=2"))) {
                    if (System.nanoTime() > end) throw new AssertionError("domains did not warm up in 600 s");
                    Thread.sleep(50);
                }
                String load0 = loadAverage();
                long[] per0 = new long[n];
                for (int i = 0; i < n; i++) per0[i] = instructions(List.of(ds.get(i)));
                long i0 = instructions(ds), t0 = System.nanoTime();
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(windowNs));
                long i1 = instructions(ds), t1 = System.nanoTime();
                long slowest = Long.MAX_VALUE, fastest = 0;
                for (int i = 0; i < n; i++) {
                    long d = instructions(List.of(ds.get(i))) - per0[i];
                    slowest = Math.min(slowest, d);
                    fastest = Math.max(fastest, d);
                }
                for (Domain d : ds) {
                    if (d.state() == org.oxen.vmm.api.DomainState.CRASHED || d.consoleOutput().contains("FAIL")) {
                        throw new AssertionError(d.name() + ":\n" + d.consoleOutput());
                    }
                }
                double mips = (i1 - i0) * 1e3 / (t1 - t0);
                if (n == 1) base = mips;
                System.out.printf("| %d | %d | %.1f | %.3f | %.2f | %s -> %s |%n", n, pcpus, mips, mips / base,
                        fastest == 0 ? 0.0 : (double) slowest / fastest, load0, loadAverage());
                if (vmm.internalErrors() != 0) throw new AssertionError("internal errors: " + vmm.dmesg());
            } finally {
                vmm.shutdown();
            }
        }
    }
}
