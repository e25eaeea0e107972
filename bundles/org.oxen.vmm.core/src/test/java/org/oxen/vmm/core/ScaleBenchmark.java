package org.oxen.vmm.core;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;

/**
 * The scale run (issues 13, 16, 22): N idle kit domains ({@code sleeper} blocked on a 10-minute
 * timer, 4 MiB each) on one hypervisor, 2 pCPUs, Credit. Prints the create rate, the time until
 * all are blocked, the process's resident set, the Java heap in use after a GC, the guest RAM
 * committed, the host CPU of the idle domains over 10 s, the latency of listing them as
 * {@code xl list} does, and the destroy rate. Not a test:
 * {@code mvn -B -o test -pl bundles/org.oxen.vmm.core -Dtest=ScaleBenchmark -Doxen.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false} (sizes {@code -Doxen.bench.scale=100,1000}).
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class ScaleBenchmark {

    @Test
    void idleDomainsAtScale() throws Exception {
        for (String size : System.getProperty("oxen.bench.scale", "1000").split(",")) {
            run(Integer.parseInt(size.strip()));
        }
    }

    private static void run(int n) throws Exception {
        long poolMiB = n * (ScaleTest.MIB + 1L) + 256;
        Vmm vmm = new Vmm(poolMiB << 20, 2, new org.oxen.sched.credit.CreditFactory());
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try {
            System.gc();
            long rss0 = rssKiB(), heap0 = heapUsedKiB();
            long ram0 = vmm.pool().ram().committedBytes();
            List<Domain> ds = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                ds.add(ScaleTest.createIdle(vmm, "idle" + i));
            }
            long t1 = System.nanoTime();
            long blocked = ScaleTest.awaitBlocked(ds, 900);
            long t2 = System.nanoTime();
            Thread.sleep(5000);
            System.gc();
            long rss = rssKiB(), heap = heapUsedKiB(), ram = vmm.pool().ram().committedBytes() - ram0;
            long zeroPages = 0; // committed pages of the domains that hold only zeros (read, or written with zeros)
            for (Domain d : ds) {
                for (int f : vmm.pool().framesOf(d.id())) {
                    long a = (long) f << 12;
                    if (!vmm.pool().ram().isCommitted(a)) continue;
                    boolean zero = true;
                    for (int o = 0; o < 4096 && zero; o += 8) zero = vmm.pool().ram().read64(a + o) == 0;
                    if (zero) zeroPages++;
                }
            }
            long d0 = vmm.schedCore().decisions();
            long c0 = os.getProcessCpuTime(), w0 = System.nanoTime();
            Thread.sleep(10_000);
            long c1 = os.getProcessCpuTime(), w1 = System.nanoTime();
            long decisions = vmm.schedCore().decisions() - d0;
            long stillBlocked = ds.stream().filter(d -> d.state() == DomainState.BLOCKED).count();
            long[] list = new long[21];
            StringBuilder sink = new StringBuilder();
            for (int k = 0; k < list.length; k++) {
                long l0 = System.nanoTime();
                sink.setLength(0);
                for (Domain d : vmm.list()) { // the columns of xl list
                    sink.append(d.name()).append(d.id()).append(d.memoryKiB()).append(d.vcpus().size())
                            .append(d.state()).append(d.cpuTimeNanos()).append('\n');
                }
                list[k] = System.nanoTime() - l0;
            }
            Arrays.sort(list);
            long t3 = System.nanoTime();
            for (Domain d : ds) {
                vmm.destroy(d.id());
            }
            long t4 = System.nanoTime();
            ds.clear(); // what remains after the GC is what the hypervisor still holds
            System.gc();
            Thread.sleep(1000);
            System.out.printf("| %d idle domains (%d MiB each), pool %d MiB | created in %.1f s (%.1f/s), all blocked %.1f s later"
                    + " (%d blocked; %d still after 10 s) | RSS %d MiB (%d before), heap %d MiB after GC (%d before), guest RAM"
                    + " committed %d MiB (%d KiB a domain, %d pages of all zeros) | host CPU %.2f%% of one core over 10 s, %d decisions | list of %d"
                    + " domains: median %.2f ms, max %.2f ms | destroyed in %.1f s (%.1f/s); frames back: %s; RSS after"
                    + " destroy %d MiB, heap %d MiB, committed %d KiB | load %s |%n",
                    n, ScaleTest.MIB, poolMiB, (t1 - t0) / 1e9, n / ((t1 - t0) / 1e9), (t2 - t1) / 1e9, blocked,
                    stillBlocked, rss >> 10, rss0 >> 10, heap >> 10, heap0 >> 10, ram >> 20, n == 0 ? 0 : (ram >> 10) / n, zeroPages,
                    100.0 * (c1 - c0) / (w1 - w0), decisions, sink.toString().lines().count(), list[list.length / 2] / 1e6,
                    list[list.length - 1] / 1e6, (t4 - t3) / 1e9, n / ((t4 - t3) / 1e9),
                    vmm.pool().freeFrames() == vmm.pool().poolFrames(), rssKiB() >> 10, heapUsedKiB() >> 10,
                    (vmm.pool().ram().committedBytes() - ram0) >> 10, Figure6Benchmark.loadAverage());
        } finally {
            vmm.shutdown();
        }
    }

    /** The process's resident set (VmRSS of /proc/self/status), KiB. */
    static long rssKiB() {
        return org.oxen.x86.host.HostMemory.processResidentBytes() >> 10;
    }

    static long heapUsedKiB() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 10;
    }
}
