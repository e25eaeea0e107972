package org.oxen.vmm.core;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.EventPort;

/**
 * Event-channel, timer and idle benchmarks on real PV domains (not tests: no timed assertions),
 * run with {@code mvn -o test -pl bundles/org.oxen.vmm.core -Dtest=EventBenchmark
 * -Doxen.bench=true -Dsurefire.failIfNoSpecifiedTests=false}. Prints the figures of
 * docs/PERFORMANCE.md ("Events, timers, idle domains").
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class EventBenchmark {

    static Domain create(Vmm vmm, String name, String program, int mib, String cmdline) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, program))
                .memoryMiB(mib).cmdline(cmdline).build());
    }

    static String line(Domain d, String needle) {
        return d.consoleOutput().lines().filter(l -> l.contains(needle)).findFirst().orElse("(none)");
    }

    static void finish(Domain d) throws InterruptedException {
        if (!d.awaitShutdown(600, TimeUnit.SECONDS) || !d.consoleOutput().contains("RESULT: PASS")) {
            throw new AssertionError(d.consoleOutput());
        }
    }

    /** Guest -> guest: pingpong round trips on 1 and 2 pCPUs; one-way latency = 1 / (2 x rate). */
    @Test
    void guestToGuest() throws Exception {
        int n = Integer.getInteger("oxen.bench.roundtrips", 50_000);
        for (int pcpus = 1; pcpus <= 2; pcpus++) {
            Vmm vmm = new Vmm(64L << 20, pcpus);
            try {
                Domain a = create(vmm, "a", "pingpong", 8, "role=a peer=2 count=" + n);
                Domain b = create(vmm, "b", "pingpong", 8, "role=b peer=1 port="
                        + InterdomainEventTest.announcedPort(a) + " count=" + n);
                finish(a);
                finish(b);
                Matcher m = Pattern.compile("(\\d+) round trips/s").matcher(line(b, "round trips/s"));
                double rate = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
                System.out.printf("| guest -> guest | %d pCPU | %d round trips | %.0f round trips/s | %.1f us one way |%n",
                        pcpus, n, rate, 1e6 / (2 * rate));
            } finally {
                vmm.shutdown();
            }
        }
    }

    /** Guest <-> Java listener in Domain-0: round trip measured on the Java side, per event. */
    @Test
    void guestToJava() throws Exception {
        int n = Integer.getInteger("oxen.bench.roundtrips", 50_000);
        Vmm vmm = new Vmm(64L << 20, 2);
        try {
            Domain g = create(vmm, "g", "pingpong", 8, "role=a peer=0 count=" + n);
            Matcher m = Pattern.compile("pingpong: port (\\d+)").matcher("");
            while (!m.reset(g.consoleOutput()).find()) Thread.sleep(1);
            Semaphore answers = new Semaphore(0);
            EventPort port = vmm.eventChannels().bindInterdomain(g.id(), Integer.parseInt(m.group(1)),
                    p -> answers.release());
            answers.acquire();
            long[] rt = new long[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                port.send();
                answers.acquire();
                rt[i] = System.nanoTime() - t0;
            }
            finish(g);
            Arrays.sort(rt);
            System.out.printf("| Java -> guest -> Java | 2 pCPUs | %d round trips | median %.1f us, p90 %.1f us, p99 %.1f us"
                    + " round trip |%n", n, rt[n / 2] / 1e3, rt[(int) (n * 0.9)] / 1e3, rt[(int) (n * 0.99)] / 1e3);
        } finally {
            vmm.shutdown();
        }
    }

    /** Requested vs delivered wake-ups of the sleeper, alone and beside 4 busy cpubench domains. */
    @Test
    void timerAccuracy() throws Exception {
        for (int busy : new int[] {0, 4}) {
            Vmm vmm = new Vmm(128L << 20, 2, new org.oxen.sched.credit.CreditFactory());
            try {
                for (int i = 0; i < busy; i++) {
                    create(vmm, "busy" + i, "cpubench", 8, "loop=1000000000 mix=2");
                }
                Domain s = create(vmm, "sleeper", "sleeper", 8, "count=500 period_us=2000");
                finish(s);
                System.out.printf("| timer, 500 x 2 ms one-shot sleeps | %d busy cpubench domains, 2 pCPUs, Credit | %s |%n", busy,
                        line(s, "sleeper:").replaceFirst("^.*sleeper: ", ""));
            } finally {
                vmm.shutdown();
            }
        }
    }

    /**
     * Host CPU used by N domains blocked with nothing to wake them (a 10-minute timer), over 10 s,
     * and the pCPUs' scheduling decisions in that window (tickless idle: none). Sizes
     * {@code -Doxen.bench.idle=0,100,1000} (a kit domain needs 4 MiB: its start-of-day region
     * ends on a 4 MiB boundary; 1,000 of them need machine memory above 4 GiB). ScaleBenchmark
     * adds the memory figures of the same run.
     */
    @Test
    void idleDomains() throws Exception {
        int mib = 4;
        for (String size : System.getProperty("oxen.bench.idle", "0,100,1000").split(",")) {
            int n = Integer.parseInt(size.strip());
            Vmm vmm = new Vmm((long) (n * mib + 64) << 20, 2, new org.oxen.sched.credit.CreditFactory());
            try {
                List<Domain> ds = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ds.add(create(vmm, "idle" + i, "sleeper", mib, "count=1 period_us=600000000"));
                }
                // wait until every one is blocked
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
                while (ds.stream().anyMatch(d -> d.state() != org.oxen.vmm.api.DomainState.BLOCKED)
                        && System.nanoTime() < end) {
                    Thread.sleep(100);
                }
                Thread.sleep(2000);
                var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                long d0 = vmm.schedCore().decisions();
                long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                Thread.sleep(10_000);
                long c1 = os.getProcessCpuTime(), t1 = System.nanoTime();
                long blocked = ds.stream().filter(d -> d.state() == org.oxen.vmm.api.DomainState.BLOCKED).count();
                System.out.printf("| %d idle blocked domains (%d MiB each, %d blocked) | 2 pCPUs, Credit | %.2f%% of one core"
                        + " (process CPU over %.0f s) | %d decisions | load average %s |%n", n, mib, blocked,
                        100.0 * (c1 - c0) / (t1 - t0), (t1 - t0) / 1e9, vmm.schedCore().decisions() - d0,
                        Figure6Benchmark.loadAverage());
            } finally {
                vmm.shutdown();
            }
        }
    }
}
