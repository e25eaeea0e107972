package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.guests.GuestImages;
import org.oxen.guests.GuestImages.Flavor;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainEvent;
import org.oxen.vmm.api.DomainListener;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.ShutdownReason;

/** PV domains of the guest kit boot on the Hypervisor service in the real framework. */
class PvDomainTest {

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    private void boots(String program, String cmdline) throws Exception {
        boots(program, cmdline, 1);
    }

    private void boots(String program, String cmdline, int vcpus) throws Exception {
        long free = hv.freeFrames();
        List<DomainEvent> events = new CopyOnWriteArrayList<>();
        DomainListener listener = events::add;
        hv.addListener(listener);
        Domain d = hv.create(DomainConfig.builder("it-" + program).kernel(GuestImages.load(Flavor.PV, program))
                .memoryMiB(16).vcpus(vcpus).cmdline(cmdline).build());
        try {
            assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), () -> program + " did not finish:\n"
                    + GuestOutput.of(d) + "\n" + String.join("\n", hv.dmesg()));
            assertTrue(GuestOutput.of(d).contains("RESULT: PASS"), () -> GuestOutput.of(d) + "\n"
                    + String.join("\n", hv.dmesg()));
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
            assertEquals(DomainState.SHUTDOWN, d.state());
            assertTrue(d.cpuTimeNanos() > 0);
            assertEquals(4096, d.memoryPages());
        } finally {
            hv.destroy(d.id());
        }
        assertEquals(free, hv.freeFrames(), "frames leaked");
        assertEquals(0, hv.internalErrors());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); // events arrive on the event thread
        while (events.stream().noneMatch(e -> e.type() == DomainEvent.Type.DESTROYED && e.domid() == d.id())
                && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        hv.removeListener(listener);
        assertTrue(events.stream().anyMatch(e -> e.type() == DomainEvent.Type.CREATED && e.domid() == d.id()));
        assertTrue(events.stream().anyMatch(e -> e.type() == DomainEvent.Type.SHUTDOWN && e.domid() == d.id()
                && e.detail().equals("poweroff")));
        assertTrue(events.stream().anyMatch(e -> e.type() == DomainEvent.Type.DESTROYED && e.domid() == d.id()));
    }

    @Test
    void helloBoots() throws Exception {
        boots("hello", "expect_mem_mib=16");
    }

    @Test
    void trapsPass() throws Exception {
        boots("traps", "");
    }

    @Test
    void pagingPasses() throws Exception {
        boots("paging", "");
    }

    @Test
    void cpubenchPasses() throws Exception {
        boots("cpubench", "loop=100000 mix=2 expect=0x58c9852b");
    }

    @Test
    void eventsPass() throws Exception {
        boots("events", "");
    }

    @Test
    void timerPasses() throws Exception {
        boots("timer", "");
    }

    @Test
    void smpPassesWithFourVcpus() throws Exception {
        boots("smp", "", 4);
    }

    @Test
    void ipiWakesFourVcpusThroughMovedVcpuInfo() throws Exception {
        boots("ipi", "", 4);
    }

    @Test
    void hundredDomainsReturnEveryFrame() throws Exception {
        long free = hv.freeFrames();
        byte[] hello = GuestImages.load(Flavor.PV, "hello");
        for (int i = 0; i < 100; i++) {
            Domain d = hv.create(DomainConfig.builder("many-" + i).kernel(hello).memoryMiB(8).build());
            if (i % 10 == 0) {
                // every tenth runs to completion; the others are destroyed wherever they are
                assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS));
            }
            hv.destroy(d.id());
            assertTrue(hv.find(d.id()).isEmpty());
        }
        assertEquals(free, hv.freeFrames());
        assertEquals(0, hv.internalErrors());
    }
}
