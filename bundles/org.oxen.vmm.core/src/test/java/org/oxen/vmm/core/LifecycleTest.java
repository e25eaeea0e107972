package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainEvent;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.ShutdownReason;

/** The toolstack's view: create, pause, unpause, list, find, console, shutdown reasons, events. */
class LifecycleTest {

    static Vmm vmm;

    @BeforeAll
    static void start() {
        vmm = new Vmm(64L << 20, 1);
    }

    @AfterAll
    static void stop() {
        vmm.shutdown();
    }

    static byte[] spinner() {
        return new MiniGuest().bytes(0xEB, 0xFE).image();   // jmp .
    }

    @Test
    void pauseStopsTheClockAndUnpauseRestartsIt() throws Exception {
        List<DomainEvent> events = new CopyOnWriteArrayList<>();
        vmm.addListener(events::add);
        Domain d = vmm.create(DomainConfig.builder("spin").kernel(spinner()).memoryMiB(4).build());
        try {
            assertEquals(DomainState.RUNNING, d.state());
            assertEquals(d, vmm.find("spin").orElseThrow());
            assertEquals(d, vmm.find(d.id()).orElseThrow());
            assertTrue(vmm.list().contains(d));
            assertEquals(1024, d.memoryPages());
            assertEquals(4096, d.memoryKiB());
            assertEquals(1, d.vcpus().size());
            assertEquals("4.1.0-oxen", vmm.version());
            assertEquals("xen-3.0-x86_32p", vmm.capabilities());
            assertEquals(1, vmm.pcpus());
            assertTrue(vmm.dmesg().stream().anyMatch(l -> l.contains("d" + d.id() + ": created 'spin'")));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            do {
                Thread.sleep(100); // a loaded host may start the first slice late
            } while (d.cpuTimeNanos() == 0 && System.nanoTime() < until);
            vmm.pause(d.id());
            assertEquals(DomainState.PAUSED, d.state());
            assertTrue(!d.vcpus().get(0).running());
            long t = d.cpuTimeNanos();
            assertTrue(t > 0);
            Thread.sleep(100);
            assertEquals(t, d.cpuTimeNanos(), "a paused domain accumulates no CPU time");
            vmm.unpause(d.id());
            assertEquals(DomainState.RUNNING, d.state());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (d.cpuTimeNanos() == t && System.nanoTime() < end) Thread.sleep(10);
            assertTrue(d.cpuTimeNanos() > t);
            assertTrue(d.vcpus().get(0).instructions() > 0);
            assertThrows(IllegalStateException.class, () -> vmm.unpause(d.id()));
            assertThrows(IllegalArgumentException.class,
                    () -> vmm.create(DomainConfig.builder("spin").kernel(spinner()).memoryMiB(4).build()));
        } finally {
            vmm.destroy(d.id());
        }
        assertTrue(vmm.find(d.id()).isEmpty());
        List<DomainEvent.Type> want = List.of(DomainEvent.Type.CREATED, DomainEvent.Type.UNPAUSED,
                DomainEvent.Type.PAUSED, DomainEvent.Type.UNPAUSED, DomainEvent.Type.DESTROYED);
        // wait for this domain's events: the listener also sees other domains' (late) events
        java.util.function.Supplier<List<DomainEvent.Type>> mine =
                () -> events.stream().filter(e -> e.domid() == d.id()).map(DomainEvent::type).toList();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (mine.get().size() < want.size() && System.nanoTime() < end) Thread.sleep(5);
        assertEquals(want, mine.get());
        assertThrows(IllegalArgumentException.class, () -> vmm.destroy(d.id()));
    }

    @Test
    void aListenerMayDestroyADomainThatShutDown() throws Exception {
        long free = vmm.freeFrames();
        java.util.concurrent.CountDownLatch gone = new java.util.concurrent.CountDownLatch(1);
        org.oxen.vmm.api.DomainListener onPoweroff = e -> {
            if (e.name().equals("self-destruct") && e.type() == DomainEvent.Type.SHUTDOWN) vmm.destroy(e.domid());
            if (e.name().equals("self-destruct") && e.type() == DomainEvent.Type.DESTROYED) gone.countDown();
        };
        vmm.addListener(onPoweroff);
        try {
            vmm.create(DomainConfig.builder("self-destruct").kernel(new MiniGuest().shutdown(0).image()).memoryMiB(4)
                    .build());
            assertTrue(gone.await(10, TimeUnit.SECONDS));
            assertTrue(vmm.find("self-destruct").isEmpty());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.removeListener(onPoweroff);
        }
    }

    @ParameterizedTest
    @CsvSource({"0, POWEROFF, SHUTDOWN", "1, REBOOT, SHUTDOWN", "2, SUSPEND, SHUTDOWN", "3, CRASH, CRASHED",
        "4, WATCHDOG, SHUTDOWN"})
    void shutdownReasonsAreRecorded(int code, ShutdownReason reason, DomainState state) throws Exception {
        Domain d = vmm.create(DomainConfig.builder("sd" + code).kernel(new MiniGuest().shutdown(code).image())
                .memoryMiB(4).build());
        assertTrue(d.awaitShutdown(10, TimeUnit.SECONDS));
        assertEquals(reason, d.shutdownReason().orElseThrow());
        assertEquals(state, d.state());
        assertTrue(d.crashMessage().isEmpty(), "a guest's own crash is no hypervisor crash message");
        vmm.destroy(d.id());
    }

    @Test
    void consoleOutputAndListener() throws Exception {
        byte[] text = "hello from a mini guest\n".getBytes(StandardCharsets.US_ASCII);
        int msg = MiniGuest.BASE + 0x800;
        MiniGuest m = new MiniGuest().movImm(0, Hypercall.CONSOLE_IO).movImm(3, 0).movImm(1, text.length)
                .movImm(2, msg).int82().shutdown(0).at(0x800);
        for (byte b : text) m.bytes(b);
        StringBuffer seen = new StringBuffer();
        Domain d = vmm.create(DomainConfig.builder("cons").kernel(m.image()).memoryMiB(4).startPaused(true).build());
        d.addConsoleListener(seen::append);
        vmm.unpause(d.id());
        assertTrue(d.awaitShutdown(10, TimeUnit.SECONDS));
        assertEquals("hello from a mini guest\n", d.consoleOutput());
        assertEquals(d.consoleOutput(), seen.toString());
        assertTrue(vmm.dmesg().stream().anyMatch(l -> l.endsWith("(d" + d.id() + ") hello from a mini guest")));
        vmm.destroy(d.id());
    }

    @Test
    void spinnersDoNotStarveAGuestOnOnePcpu() throws Exception {
        Domain a = vmm.create(DomainConfig.builder("spin-a").kernel(spinner()).memoryMiB(4).build());
        Domain b = vmm.create(DomainConfig.builder("spin-b").kernel(spinner()).memoryMiB(4).build());
        MiniGuest yielder = new MiniGuest().movImm(7, 50);   // each yield waits for both spinners
        int loop = yielder.here();
        yielder.hypercall(Hypercall.SCHED_OP, 0, 0).bytes(0x4F, 0x0F, 0x85).imm32(loop - (yielder.here() + 4))
                .shutdown(0);
        Domain y = vmm.create(DomainConfig.builder("yield").kernel(yielder.image()).memoryMiB(4).build());
        Domain h = vmm.create(DomainConfig.builder("hello").kernel(GuestImages.load(GuestImages.Flavor.PV, "hello"))
                .memoryMiB(8).build());
        assertTrue(h.awaitShutdown(60, TimeUnit.SECONDS), () -> h.state() + " " + h.consoleOutput() + "\n"
                + String.join("\n", vmm.dmesg()) + "\n" + vmm.list().stream().map(x -> x.name() + " " + x.state() + " "
                + x.cpuTimeNanos() + " " + x.vcpus().get(0).instructions()).toList());
        assertTrue(h.consoleOutput().contains("RESULT: PASS"));
        assertTrue(y.awaitShutdown(120, TimeUnit.SECONDS));
        assertEquals(ShutdownReason.POWEROFF, y.shutdownReason().orElseThrow());
        assertTrue(a.cpuTimeNanos() > 0 && b.cpuTimeNanos() > 0);
        for (Domain d : List.of(a, b, y, h)) vmm.destroy(d.id());
        assertEquals(0, vmm.internalErrors());
    }
}
