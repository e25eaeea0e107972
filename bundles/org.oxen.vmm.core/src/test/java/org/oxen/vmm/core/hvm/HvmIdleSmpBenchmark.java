package org.oxen.vmm.core.hvm;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.save.HvmSmpLines;

/**
 * The host CPU of a mostly idle SMP HVM domain: the kit's hvmsmp with both vcpus halting between
 * short stretches of work ({@code idle=3}), each taking its APIC timer's tick every 10 ms and an
 * IPI every 4 ticks, as an idle SMP kernel with HZ=100 does; 2 pCPUs, Credit. After the domain
 * printed its second line, the JVM's process CPU time over {@code oxen.bench.seconds} (10) of
 * wall time, and the ticks both vcpus took in it, per round ({@code oxen.bench.rounds}, 3):
 *
 * <pre>
 * mvn -B -o test -pl bundles/org.oxen.vmm.core -Dtest=HvmIdleSmpBenchmark -Doxen.bench=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class HvmIdleSmpBenchmark {

    @Test
    void idleSmpHvmDomainHostCpu() throws Exception {
        int rounds = Integer.getInteger("oxen.bench.rounds", 3);
        int seconds = Integer.getInteger("oxen.bench.seconds", 10);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int r = 0; r < rounds; r++) {
            Vmm vmm = HvmTestSupport.withDevices(new Vmm(64L << 20, 2, new CreditFactory()));
            try {
                Domain d = HvmTestSupport.hvmsmp(vmm, "idle-smp", "count=0 idle=3 period_us=10000 every=100 ipi_every=4 ipi_wait=4000 stall_checks=50");
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (HvmSmpLines.parse(d.consoleOutput()).size() < 2 && System.nanoTime() < until) Thread.sleep(10);
                List<HvmSmpLines.Line> l0 = HvmSmpLines.parse(d.consoleOutput());
                long cpu0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
                long cpu = os.getProcessCpuTime() - cpu0, wall = System.nanoTime() - t0;
                List<HvmSmpLines.Line> l1 = HvmSmpLines.parse(d.consoleOutput());
                HvmSmpLines.Line a = l0.get(l0.size() - 1), b = l1.get(l1.size() - 1);
                System.out.printf("idle-smp-hvm round %d: process CPU %.2f%% of one core over %.1f s;"
                        + " lines %d..%d: ticks vcpu0 +%d vcpu1 +%d, lost %d/%d; load %.1f%n", r, 100.0 * cpu / wall,
                        wall / 1e9, a.n(), b.n(), b.ticks(0) - a.ticks(0), b.ticks(1) - a.ticks(1), b.lost(0), b.lost(1),
                        os.getSystemLoadAverage());
                if (d.consoleOutput().contains("RESULT: FAIL")) throw new AssertionError(d.consoleOutput());
                vmm.destroy(d.id());
            } finally {
                vmm.shutdown();
            }
        }
    }
}
