package org.oxen.vmm.core.arch.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.hvm.HvmTestSupport;
import org.oxen.vmm.core.save.HvmSmpLines;
import org.oxen.vmm.core.save.HvmSmpLines.Line;

/**
 * Hypervisor work on a vcpu's own thread is not the guest's time: a large translation charged
 * to the boot vcpu of the kit's hvmsmp (100 ms of its thread's CPU time in one resume hook,
 * twenty of its APIC timer's 5 ms periods) once its timer ticks. Counted as guest time, the
 * periodic timer would find twenty periods gone at once and the guest would count all but one
 * of their ticks lost (hvmsmp's {@code lost}, periods its TSC counts less ticks taken); held
 * out of the vcpu's time, the vcpu loses none to it.
 */
class HypervisorWorkTimeTest {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Burns {@code nanos} of the current thread's CPU time (not a sleep: the thread stays busy). */
    static void burnCpu(long nanos) {
        long end = THREADS.getCurrentThreadCpuTime() + nanos;
        long x = 0;
        while (THREADS.getCurrentThreadCpuTime() < end) {
            for (int i = 0; i < 10_000; i++) x += i ^ x;
        }
        if (x == 42) System.out.print(""); // keeps the loop
    }

    @Test
    void aLargeTranslationChargedToTheBootVcpuCostsItNoTick() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 2);
        try {
            int n = 6;
            Domain d = HvmTestSupport.hvmsmp(vmm, "charged", "count=" + n + " ipi_wait=4000 stall_checks=50");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (HvmSmpLines.parse(d.consoleOutput()).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no first line:\n" + d.consoleOutput());
                Thread.sleep(5);
            }
            HvmVcpuArch arch = (HvmVcpuArch) ((DomainImpl) d).vcpu(0).arch();
            java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
            arch.hypervisorWorkAtNextResume(0, () -> {
                burnCpu(100_000_000L);
                ran.set(true);
            });
            assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), "no end:\n" + d.consoleOutput());
            String out = d.consoleOutput();
            assertTrue(ran.get(), "the work was charged");
            assertTrue(out.contains("RESULT: PASS"), out);
            List<Line> lines = HvmSmpLines.parse(out);
            assertEquals(n, lines.size(), out);
            // charged after line 1: what vcpu 0 lost from there (up to 4 to the translation of the
            // fresh domain's code, which is not charged through the hook: HvmVcpuTimeTest.MAX_LOST)
            for (Line l : lines) {
                long lost = l.lost(0) - lines.get(0).lost(0);
                assertTrue(lost <= 4, "vcpu 0 lost " + lost + " ticks from line 1 to line " + l.n() + ":\n" + out);
            }
            vmm.destroy(d.id());
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * The translator is such work: every translation on a vcpu's thread holds that vcpu's time
     * (its CPU's {@code TranslationListener}), so each vcpu that compiled regions held its time
     * at least as often (a translation that compiled nothing holds it too).
     */
    @Test
    void everyTranslationOnAVcpusThreadHoldsItsTime() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 2);
        try {
            Domain d = HvmTestSupport.hvmsmp(vmm, "translating", "count=2 ipi_wait=4000 stall_checks=50");
            assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), "no end:\n" + d.consoleOutput());
            assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
            DomainImpl di = (DomainImpl) d;
            HvmPlatform platform = ((HvmVcpuArch) di.vcpu(0).arch()).platform();
            for (int v = 0; v < 2; v++) {
                long compiled = di.vcpu(v).cpu().translationStatistics().compiled();
                long held = platform.vcpuClock(v).hypervisorWorks();
                assertTrue(compiled > 0, "vcpu " + v + " translated nothing: the test shows nothing");
                assertTrue(held >= compiled, "vcpu " + v + ": " + compiled + " regions compiled, its time held "
                        + held + " times");
            }
            vmm.destroy(d.id());
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }
}
