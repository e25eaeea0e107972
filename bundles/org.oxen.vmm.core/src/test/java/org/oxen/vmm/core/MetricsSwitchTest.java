package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.Vcpu;
import org.oxen.vmm.api.VcpuExit;

/**
 * The metrics switch through real kit guests: two pingpong domains exchanging 200 events (hypercalls,
 * exits, sends, deliveries, upcalls) with counting off leave every switched counter at 0 while
 * their CPU time and instructions are still kept; the same pair with counting on counts each.
 */
class MetricsSwitchTest {

    private static Domain boot(Vmm vmm, String name, String cmdline) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "pingpong"))
                .memoryMiB(8).cmdline(cmdline).build());
    }

    /** Runs a pingpong pair of 200 round trips to their clean end (b is the next domain id after a); returns them. */
    private static Domain[] pingpong(Vmm vmm, String tag, int aId) throws Exception {
        Domain a = boot(vmm, tag + "-a", "role=a peer=" + (aId + 1) + " count=200");
        assertEquals(aId, a.id());
        Matcher port = Pattern.compile("pingpong: port (\\d+)").matcher("");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!port.reset(a.consoleOutput()).find()) {
            assertTrue(System.nanoTime() < end, a.consoleOutput());
            Thread.sleep(5);
        }
        Domain b = boot(vmm, tag + "-b", "role=b peer=" + aId + " port=" + port.group(1) + " count=200");
        assertEquals(aId + 1, b.id());
        for (Domain d : new Domain[] {a, b}) {
            assertTrue(d.awaitShutdown(300, TimeUnit.SECONDS), d.consoleOutput());
            assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
        }
        return new Domain[] {a, b};
    }

    /** The counts behind the switch a domain took: hypercalls, exits, upcalls, events sent and delivered. */
    static long switched(Domain d) {
        long n = d.eventsDelivered();
        for (Vcpu v : d.vcpus()) {
            n += v.upcalls() + v.eventsSent();
            for (int nr = 0; nr < Vcpu.HYPERCALL_NUMBERS; nr++) n += v.hypercalls(nr);
            for (VcpuExit e : VcpuExit.values()) n += v.exits(e);
        }
        return n;
    }

    @Test
    void offCountsNothingAndOnCountsEachKind() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2);
        try {
            assertTrue(vmm.metrics().on(), "on by default");
            vmm.metrics().set(false);
            for (Domain d : pingpong(vmm, "off", 1)) {
                assertEquals(0, switched(d), d.name() + ": nothing counted with metrics off");
                assertTrue(d.cpuTimeNanos() > 0 && d.vcpus().get(0).instructions() > 0,
                        d.name() + ": CPU time and instructions are kept regardless");
            }
            vmm.metrics().set(true);
            Domain[] on = pingpong(vmm, "on", 3);
            Vcpu a = on[0].vcpus().get(0), b = on[1].vcpus().get(0);
            assertTrue(a.eventsSent() >= 200, "a's sends: " + a.eventsSent());
            assertTrue(on[1].eventsDelivered() > 0 && b.upcalls() > 0, "b saw events pending and took upcalls");
            assertTrue(a.hypercalls(Hypercall.EVENT_CHANNEL_OP) >= 200, "a's event_channel_op calls");
            assertTrue(a.exits(VcpuExit.SOFTWARE_INTERRUPT) > 0, "a's int $0x82 exits");
        } finally {
            vmm.shutdown();
        }
    }
}
