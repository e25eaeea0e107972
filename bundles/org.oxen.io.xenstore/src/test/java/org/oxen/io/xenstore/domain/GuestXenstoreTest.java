package org.oxen.io.xenstore.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.io.xenstore.store.XenstoreComponent;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.core.Vmm;

/**
 * Guests talk to xenstored over their start_info store ring: the kit's xenstore program on a
 * real VMM with xenstored introduced through the DomainIntroducer whiteboard, the libxl nodes
 * written before the guest runs and removed when it goes, @introduceDomain/@releaseDomain, and
 * hostile guests (malformed xs_wire, a flood, the node quota) with the hypervisor and the other
 * domains running on.
 */
class GuestXenstoreTest {

    private Vmm vmm;
    private XenstoreComponent xenstored;
    private XenstoreClient dom0;

    @BeforeEach
    void start() {
        vmm = new Vmm(96L << 20, 2);
        xenstored = new XenstoreComponent(vmm.eventChannels());
        vmm.addIntroducer(xenstored);
        dom0 = xenstored.connect();
    }

    @AfterEach
    void stop() {
        dom0.close();
        vmm.shutdown();
        xenstored.deactivate();
    }

    private Domain guest(String name, String cmdline) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "xenstore"))
                .memoryMiB(8).cmdline(cmdline).build());
    }

    private void passes(Domain d) throws InterruptedException {
        assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.name() + " did not finish:\n" + d.consoleOutput());
        assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.name() + ":\n" + d.consoleOutput() + "\n"
                + String.join("\n", vmm.dmesg()));
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
    }

    @Test
    void aGuestUsesXenstoreOverItsStoreRing() throws Exception {
        List<String> special = new CopyOnWriteArrayList<>();
        dom0.watch("@introduceDomain", "intro", (p, t) -> special.add(p));
        dom0.watch("@releaseDomain", "rel", (p, t) -> special.add(p));
        Domain d = guest("xs1", "");
        String dom = "/local/domain/" + d.id();
        // the toolstack's nodes are there before the guest runs
        assertEquals(Optional.of("xs1"), dom0.read(dom + "/name"));
        assertEquals(Optional.of(Integer.toString(d.id())), dom0.read(dom + "/domid"));
        assertEquals(Optional.of("/vm/" + d.uuid()), dom0.read(dom + "/vm"));
        assertEquals(Optional.of("xs1"), dom0.read("/vm/" + d.uuid() + "/name"));
        assertEquals(Optional.of("8192"), dom0.read(dom + "/memory/target"));
        assertEquals(Optional.of("8192"), dom0.read(dom + "/memory/static-max"));
        assertEquals(Optional.of("0"), dom0.read(dom + "/memory/videoram"));
        assertEquals(Optional.of("online"), dom0.read(dom + "/cpu/0/availability"));
        assertEquals(List.of("n0", "r" + d.id()), dom0.permissions(dom));
        assertEquals(List.of("n" + d.id()), dom0.permissions(dom + "/control/shutdown"));
        assertEquals(Optional.of("1"), dom0.read(dom + "/store/port"));
        passes(d);
        String out = d.consoleOutput();
        assertTrue(out.contains("xenstore: store mfn"), out);
        assertTrue(out.contains("transaction conflict -> EAGAIN, retrying"), out);
        assertTrue(out.contains("transaction committed after 2 attempts"), out);
        assertTrue(out.contains("watch: initial event and 2 changes"), out);
        // what the guest wrote is Domain-0's to see
        assertEquals(Optional.of("hello from the guest"), dom0.read(dom + "/data/greeting"));
        assertEquals(Optional.of("two"), dom0.read(dom + "/data/tx"));
        vmm.destroy(d.id());
        assertEquals(Optional.empty(), dom0.read(dom + "/name"));
        assertFalse(dom0.directory("/local/domain").contains(Integer.toString(d.id())));
        assertFalse(dom0.directory("/vm").contains(d.uuid().toString()));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (special.size() < 4 && System.nanoTime() < end) Thread.sleep(5);
        // the initial events, then one introduction and one release
        assertEquals(List.of("@introduceDomain", "@releaseDomain", "@introduceDomain", "@releaseDomain"), special);
        assertEquals(0, vmm.internalErrors());
    }

    @Test
    void aGuestThatRunsBeforeXenstoredIsServedWhenItComes() throws Exception {
        Vmm early = new Vmm(32L << 20, 2);
        XenstoreComponent late = new XenstoreComponent(early.eventChannels());
        try {
            Domain d = early.create(DomainConfig.builder("early")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "xenstore")).memoryMiB(8).build());
            // the guest writes its first request (its event to the unbound port is dropped)
            // and blocks for the reply before any xenstored exists
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!d.consoleOutput().contains("xenstore: store mfn")) {
                assertTrue(System.nanoTime() < end, d.consoleOutput());
                Thread.sleep(5);
            }
            Thread.sleep(300);
            assertFalse(d.awaitShutdown(0, TimeUnit.SECONDS), d.consoleOutput());
            early.addIntroducer(late);
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), "never served:\n" + d.consoleOutput());
            assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
        } finally {
            early.shutdown();
            late.deactivate();
        }
    }

    @Test
    void aGuestFillsItsQuotaAndFloodsItsRing() throws Exception {
        Domain bystander = guest("bystander", "bench=2000");
        Domain d = guest("quota", "quota=1 flood=2000");
        passes(d);
        passes(bystander);
        String out = d.consoleOutput();
        assertTrue(out.contains("ENOSPC"), out);
        assertTrue(out.contains("flood of 2000 requests answered in order"), out);
        assertNull(xenstored.guests().broken(d.id()));
        assertEquals(0, vmm.internalErrors());
    }

    @Test
    void malformedMessagesGetErrorsOrDropOnlyThatRing() throws Exception {
        for (String attack : new String[] {"unknown", "nonul", "badtx", "oversized", "overflow", "storepage"}) {
            Domain d = guest("h-" + attack, "hostile=" + attack);
            passes(d);
            assertTrue(d.consoleOutput().contains("xenstore: hostile"), d.consoleOutput());
            if (attack.equals("oversized") || attack.equals("overflow")) {
                assertNotNull(xenstored.guests().broken(d.id()), attack + " should drop the ring");
            } else {
                assertNull(xenstored.guests().broken(d.id()), attack + " must not drop the ring");
            }
            vmm.destroy(d.id());
        }
        // xenstored still serves the next guest
        passes(guest("after", ""));
        assertEquals(0, vmm.internalErrors());
    }

    private static void assertNull(Object o) {
        org.junit.jupiter.api.Assertions.assertNull(o);
    }

    private static void assertNull(Object o, String why) {
        org.junit.jupiter.api.Assertions.assertNull(o, why);
    }
}
