package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.EventChannelException;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.ShutdownReason;

/**
 * Interdomain event channels through the kit's pingpong program: two guests exchange 100,000
 * events with none lost, and a guest exchanges events with a Java listener in Domain-0
 * ({@code Hypervisor.eventChannels()}).
 */
class InterdomainEventTest {

    static final int ROUND_TRIPS = Integer.getInteger("oxen.pingpong.count", 50_000);

    static Domain pingpong(Vmm vmm, String name, String cmdline) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "pingpong"))
                .memoryMiB(8).cmdline(cmdline).build());
    }

    /** The port a role=a pingpong printed ("pingpong: port P"), waiting up to 60 s. */
    static int announcedPort(Domain d) throws InterruptedException {
        Matcher m = Pattern.compile("pingpong: port (\\d+)").matcher("");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!m.reset(d.consoleOutput()).find()) {
            assertTrue(System.nanoTime() < end, d.consoleOutput());
            Thread.sleep(2);
        }
        return Integer.parseInt(m.group(1));
    }

    static void passes(Vmm vmm, Domain d) throws InterruptedException {
        assertTrue(d.awaitShutdown(300, TimeUnit.SECONDS), d.name() + ":\n" + d.consoleOutput());
        assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.name() + ":\n" + d.consoleOutput() + "\n"
                + String.join("\n", vmm.dmesg()));
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
    }

    @Test
    void twoGuestsExchangeEventsWithNoneLost() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2);
        try {
            long free = vmm.freeFrames();
            // ids in a fresh hypervisor are 1 and 2
            Domain a = pingpong(vmm, "a", "role=a peer=2 count=" + ROUND_TRIPS);
            // a's port: the first free one after the builder's (store_evtchn is port 1, the console's port 2)
            Domain b = pingpong(vmm, "b", "role=b peer=1 port=" + announcedPort(a) + " count=" + ROUND_TRIPS);
            assertEquals(1, a.id());
            assertEquals(2, b.id());
            passes(vmm, a);
            passes(vmm, b);
            assertTrue(a.consoleOutput().contains("answered " + ROUND_TRIPS + " events"), a.consoleOutput());
            System.out.println(a.consoleOutput().lines().filter(l -> l.contains("/s")).findFirst().orElse("")
                    + " | " + b.consoleOutput().lines().filter(l -> l.contains("/s")).findFirst().orElse(""));
            vmm.destroy(a.id());
            vmm.destroy(b.id());
            assertEquals(free, vmm.freeFrames());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void guestTalksToAJavaListener() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2);
        try {
            int n = 10_000;
            Domain g = pingpong(vmm, "g", "role=a peer=0 count=" + n);
            int guestPort = announcedPort(g);
            // refusals first: a port that is not unbound for Domain-0, a domain that does not exist
            EventChannelException e = assertThrows(EventChannelException.class,
                    () -> vmm.eventChannels().bindInterdomain(g.id(), guestPort + 1, p -> { }));
            assertEquals(-Errno.EINVAL, e.errno());
            e = assertThrows(EventChannelException.class, () -> vmm.eventChannels().bindInterdomain(99, 1, p -> { }));
            assertEquals(-Errno.ESRCH, e.errno());

            Semaphore answers = new Semaphore(0);
            AtomicInteger events = new AtomicInteger();
            EventPort port = vmm.eventChannels().bindInterdomain(g.id(), guestPort, p -> {
                events.incrementAndGet();
                answers.release();
            });
            assertEquals(g.id(), port.remoteDomain());
            assertEquals(guestPort, port.remotePort());
            assertTrue(answers.tryAcquire(10, TimeUnit.SECONDS)); // Xen marks the new local port pending once
            for (int i = 1; i <= n; i++) {
                port.send();
                assertTrue(answers.tryAcquire(10, TimeUnit.SECONDS), "no answer to event " + i + ":\n"
                        + g.consoleOutput());
            }
            passes(vmm, g);
            assertEquals(n + 1, events.get());
            // the guest is gone: its end closes, ours is unbound and sends are dropped
            vmm.destroy(g.id());
            assertEquals(-1, port.remotePort());
            port.send();
            port.close();
            assertTrue(!port.isOpen());
            assertThrows(IllegalStateException.class, port::send);
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
