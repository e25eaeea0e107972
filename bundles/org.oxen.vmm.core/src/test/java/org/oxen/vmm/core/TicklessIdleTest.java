package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;

/**
 * Tickless idle: with every domain blocked on a far timer, no pCPU re-decides (no polling
 * interval, Credit's tick and accounting timers stopped), so idle domains cost no host CPU; and
 * the machine still answers: a domain created then runs to its end.
 */
class TicklessIdleTest {

    @Test
    void blockedDomainsLeaveThePcpusAsleep() throws Exception {
        Vmm vmm = new Vmm(256L << 20, 2, new CreditFactory());
        try {
            List<Domain> ds = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ds.add(vmm.create(DomainConfig.builder("idle" + i).kernel(GuestImages.load(GuestImages.Flavor.PV,
                        "sleeper")).memoryMiB(4).cmdline("count=1 period_us=600000000").build()));
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (ds.stream().anyMatch(d -> d.state() != DomainState.BLOCKED)) {
                assertTrue(System.nanoTime() < end, "domains did not block");
                Thread.sleep(20);
            }
            // once Credit has found nothing active (a few tslices), a whole second passes without
            // a decision on any pCPU (before tickless idle each idle pCPU re-decided every 50 ms
            // and at every 10 ms tick)
            boolean quiet = false;
            for (int i = 0; i < 30 && !quiet; i++) {
                long d0 = vmm.schedCore().decisions();
                Thread.sleep(1000);
                quiet = vmm.schedCore().decisions() == d0;
            }
            assertTrue(quiet, "the pCPUs kept re-deciding with every domain blocked");
            // and the machine still answers: a new domain runs to its end at once
            Domain hello = vmm.create(DomainConfig.builder("hello").kernel(GuestImages.load(GuestImages.Flavor.PV,
                    "hello")).memoryMiB(16).cmdline("expect_mem_mib=16").build());
            assertTrue(hello.awaitShutdown(60, TimeUnit.SECONDS), hello.consoleOutput());
            assertTrue(hello.consoleOutput().contains("RESULT: PASS"), hello.consoleOutput());
            ds.forEach(d -> assertEquals(DomainState.BLOCKED, d.state()));
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
