package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.sched.rr.RoundRobinFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * 64 domains block and wake on their timers (the kit's sleeper: 200 single-shot sleeps each)
 * while Pool-0's scheduler is swapped between Credit and RR again and again: every wake-up
 * arrives (a lost one would leave its domain blocked for good), counted by each guest and by
 * the hypervisor's timers. Timers are hypervisor timers, owned by no scheduler instance.
 */
class TimerHotSwapTest {

    @Test
    void noWakeUpIsLostAcrossSchedulerSwaps() throws Exception {
        int n = 64, sleeps = 200;
        Vmm vmm = new Vmm((long) (n * 8 + 64) << 20, 2);
        CreditFactory credit = new CreditFactory();
        RoundRobinFactory rr = new RoundRobinFactory();
        AtomicBoolean swapping = new AtomicBoolean(true);
        AtomicInteger swaps = new AtomicInteger();
        Thread swapper = new Thread(() -> {
            while (swapping.get()) {
                vmm.removeScheduler(credit);
                swaps.incrementAndGet();
                sleep(20);
                vmm.addScheduler(credit, true, 1000);
                swaps.incrementAndGet();
                sleep(20);
            }
        }, "swapper");
        try {
            vmm.addScheduler(credit, true, 1000);
            vmm.addScheduler(rr, false, 0);
            List<Domain> ds = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ds.add(vmm.create(DomainConfig.builder("sleeper" + i).kernel(GuestImages.load(GuestImages.Flavor.PV,
                        "sleeper")).memoryMiB(8).cmdline("count=" + sleeps + " period_us=1000").build()));
            }
            swapper.start();
            for (Domain d : ds) {
                assertTrue(d.awaitShutdown(300, TimeUnit.SECONDS), d.name() + " never finished (a lost wake-up?):\n"
                        + d.consoleOutput());
                assertTrue(d.consoleOutput().contains("sleeper: " + sleeps + " wake-ups"), d.consoleOutput());
                assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
            }
            swapping.set(false);
            swapper.join();
            long fired = 0;
            for (Domain d : ds) fired += ((DomainImpl) d).vcpu(0).timers().fired();
            System.out.printf("TimerHotSwapTest: %d domains x %d wake-ups, %d scheduler swaps, %d VIRQ_TIMER raised%n",
                    n, sleeps, swaps.get(), fired);
            assertTrue(swaps.get() >= 2, "the scheduler was not swapped while the domains slept");
            assertTrue(fired >= (long) n * sleeps, "timers fired " + fired + " times");
            assertEquals(0, vmm.internalErrors());
            assertEquals(0, vmm.schedCore().twoPcpuViolations());
            for (Domain d : ds) vmm.destroy(d.id());
        } finally {
            swapping.set(false);
            vmm.shutdown();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
