package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.sched.atropos.AtroposFactory;
import org.oxen.sched.bvt.BvtFactory;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.sched.rr.RoundRobinFactory;
import org.oxen.sched.sedf.SedfFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.Vcpu;

/**
 * Hard affinity through the scheduler SPI on a real hypervisor (xl vcpu-pin's path): spinning
 * vcpus pinned to one pCPU run only there under each of the five schedulers, a re-pin moves a
 * vcpu, bad pins are refused with the reason, and a cpupool move that leaves a vcpu no pCPU of
 * its affinity breaks the pinning as Xen does.
 */
class VcpuAffinityTest {

    static Stream<SchedulerFactory> schedulers() {
        return Stream.of(new CreditFactory(), new RoundRobinFactory(), new BvtFactory(), new SedfFactory(),
                new AtroposFactory());
    }

    /** Waits until {@code v} has retired instructions beyond {@code after}. */
    static void awaitProgress(Vcpu v, long after) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (v.instructions() <= after && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(v.instructions() > after, "vcpu " + v.id() + " made no progress");
    }

    /** While the vcpus keep running for a while, every sample of their pCPU is {@code cpu}. */
    static void assertStaysOn(List<Vcpu> vcpus, int cpu) throws InterruptedException {
        for (Vcpu v : vcpus) {
            awaitProgress(v, v.instructions()); // ran since the pin
        }
        for (int i = 0; i < 50; i++) {
            for (Vcpu v : vcpus) {
                assertEquals(cpu, v.lastPcpu(), "vcpu " + v.id() + " sample " + i);
            }
            Thread.sleep(1);
        }
        for (Vcpu v : vcpus) {
            awaitProgress(v, v.instructions());
            assertEquals(cpu, v.lastPcpu(), "vcpu " + v.id() + " after running on");
        }
    }

    @ParameterizedTest
    @MethodSource("schedulers")
    void pinnedVcpusRunOnlyOnTheirPcpu(SchedulerFactory factory) throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2, factory);
        try {
            Domain a = vmm.create(DomainConfig.builder("a").kernel(SchedPoolTest.spinner()).memoryMiB(4).build());
            Domain b = vmm.create(DomainConfig.builder("b").kernel(SchedPoolTest.spinner()).memoryMiB(4).build());
            Vcpu va = a.vcpus().get(0);
            Vcpu vb = b.vcpus().get(0);
            assertEquals(List.of(0, 1), vmm.vcpuAffinity(a.id(), 0), "unpinned: all pCPUs");
            awaitProgress(va, 0);
            awaitProgress(vb, 0);

            vmm.setVcpuAffinity(a.id(), 0, List.of(1));
            vmm.setVcpuAffinity(b.id(), 0, List.of(1));
            assertEquals(List.of(1), vmm.vcpuAffinity(a.id(), 0));
            assertStaysOn(List.of(va, vb), 1);

            vmm.setVcpuAffinity(a.id(), 0, List.of(0));
            vmm.setVcpuAffinity(b.id(), 0, List.of(0));
            assertStaysOn(List.of(va, vb), 0);

            vmm.setVcpuAffinity(a.id(), 0, List.of(0, 1));
            assertEquals(List.of(0, 1), vmm.vcpuAffinity(a.id(), 0));
            awaitProgress(va, va.instructions());

            assertEquals(0, vmm.schedCore().twoPcpuViolations());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    @org.junit.jupiter.api.Test
    void badPinsAreRefusedAndAPoolMoveBreaksAnImpossibleAffinity() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2, new CreditFactory());
        try {
            Domain a = vmm.create(DomainConfig.builder("a").kernel(SchedPoolTest.spinner()).memoryMiB(4).build());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> vmm.setVcpuAffinity(a.id(), 1, List.of(0)));
            assertTrue(e.getMessage().contains("no vcpu 1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> vmm.setVcpuAffinity(a.id(), 0, List.of(2)));
            assertTrue(e.getMessage().contains("pCPU 2 does not exist"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> vmm.setVcpuAffinity(a.id(), 0, List.of()));
            assertTrue(e.getMessage().contains("no pCPU of its cpupool"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> vmm.setVcpuAffinity(a.id(), -1, List.of(0)));
            assertThrows(IllegalArgumentException.class, () -> vmm.vcpuAffinity(a.id(), 1));
            assertEquals(List.of(0, 1), vmm.vcpuAffinity(a.id(), 0), "refusals change nothing");

            vmm.removePoolCpu("Pool-0", 1);
            e = assertThrows(IllegalArgumentException.class, () -> vmm.setVcpuAffinity(a.id(), 0, List.of(1)));
            assertTrue(e.getMessage().contains("Pool-0"), e.getMessage());
            vmm.setVcpuAffinity(a.id(), 0, List.of(0));
            vmm.createPool("p1", "credit", List.of(1));
            vmm.migrate(a.id(), "p1");
            assertEquals(List.of(0, 1), vmm.vcpuAffinity(a.id(), 0), "pinned to no pCPU of p1: pinning broken");
            assertTrue(vmm.dmesg().stream().anyMatch(l -> l.contains("breaking affinity")), vmm.dmesg().toString());
            Vcpu va = a.vcpus().get(0);
            awaitProgress(va, va.instructions());
            assertEquals(1, va.lastPcpu());
            assertEquals(0, vmm.schedCore().twoPcpuViolations());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
