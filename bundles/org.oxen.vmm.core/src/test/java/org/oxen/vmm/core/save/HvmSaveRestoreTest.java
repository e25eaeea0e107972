package org.oxen.vmm.core.save;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainSaveRestore;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.time.SystemTime;
import org.oxen.vmm.core.time.VcpuTimers;
import org.oxen.vmm.core.hvm.HvmTestSupport;

/**
 * Save, restore and live migration of HVM domains on the hypervisor alone: the kit's hvmcount
 * prints a counter on COM1 paced by PIT interrupts (blocking in HLT between them) and, with
 * evtchn=1, sends itself an event-channel IPI per line that arrives through the Xen platform
 * PCI device's INTx. Paused mid-run, saved (CPU, devices, params, shared_info, event channels,
 * pages by gfn), destroyed and restored in a new domain (or moved live to another hypervisor),
 * it counts on: the numbers of both domains together are 1..N, each once, and every event
 * arrives. A stream whose PIT record has a bad field is refused, naming the device and field,
 * and leaves nothing. A 2-vcpu domain's VCPUOP single-shot timers are carried.
 */
class HvmSaveRestoreTest {

    private static final Pattern COUNT = Pattern.compile("(?m)^hvmcount: (\\d+)(?: events=(\\d+))?\\r?$");

    private static Domain counter(Vmm vmm, String name, int count, String more) throws Exception {
        return vmm.create(DomainConfig.builder(name).type(DomainType.HVM)
                .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hvmcount")).memoryMiB(8)
                .cmdline("count=" + count + " every=2" + more).build());
    }

    static void waitFor(BooleanSupplier c, Domain d) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out; " + d.name() + ":\n" + d.consoleOutput());
            Thread.sleep(5);
        }
    }

    /** Numbers and event counts the lines of {@code out} show. */
    private static List<int[]> lines(String out) {
        List<int[]> l = new ArrayList<>();
        Matcher m = COUNT.matcher(out);
        while (m.find()) l.add(new int[] {Integer.parseInt(m.group(1)), m.group(2) == null ? -1 : Integer.parseInt(m.group(2))});
        return l;
    }

    /** 1..n each once; with events, line k says k events arrived. */
    private static void assertOneToN(String all, int n, boolean events) {
        List<int[]> l = lines(all);
        assertEquals(n, l.size(), "lines:\n" + all);
        for (int i = 0; i < n; i++) {
            assertEquals(i + 1, l.get(i)[0], "line " + i + ":\n" + all);
            if (events) assertEquals(i + 1, l.get(i)[1], "events of line " + i + ":\n" + all);
        }
    }

    private static void savedAndRestoredCountsOn(String more, boolean events) throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 1);
        try {
            long free0 = vmm.freeFrames();
            int n = 40;
            Domain src = counter(vmm, "hvmcount", n, more);
            waitFor(() -> lines(src.consoleOutput()).size() >= 10, src);
            vmm.pause(src.id());
            assertFalse(vmm.guestSuspends(src.id()), "an HVM domain is saved paused");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DomainSaveRestore.Saved saved = vmm.save(src.id(), out, "toolstack".getBytes());
            assertTrue(saved.pages() >= 8 * 256 - 8 && saved.pages() <= 8 * 256 + 2, "pages " + saved.pages());
            String before = src.consoleOutput();
            assertTrue(lines(before).size() < n, "saved before the end:\n" + before);
            vmm.destroy(src.id());
            assertEquals(free0, vmm.freeFrames(), "the source's frames are back");

            DomainSaveRestore.Restored r = vmm.restore(new ByteArrayInputStream(out.toByteArray()), x -> x + "-restored");
            Domain dst = r.domain();
            assertEquals("toolstack", new String(r.toolstack()));
            assertEquals(DomainState.PAUSED, dst.state(), "a restored domain waits to be unpaused");
            vmm.unpause(dst.id());
            assertTrue(dst.awaitShutdown(60, TimeUnit.SECONDS), "no end:\n" + dst.consoleOutput());
            String after = dst.consoleOutput();
            assertEquals(ShutdownReason.POWEROFF, dst.shutdownReason().orElseThrow(), after);
            assertTrue(after.contains("RESULT: PASS"), after);
            assertOneToN(before + after, n, events);
            vmm.destroy(dst.id());
            assertEquals(free0, vmm.freeFrames(), "every frame is back");
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void aTickingHvmCounterSavedAndRestoredCountsOnWithNoGapAndNoRepeat() throws Exception {
        savedAndRestoredCountsOn("", false);
    }

    @Test
    void itsEventChannelUpcallsThroughThePlatformDeviceGoOnAfterTheRestore() throws Exception {
        savedAndRestoredCountsOn(" evtchn=1", true);
    }

    @Test
    void anHvmCounterMigratesLiveBetweenTwoHypervisors() throws Exception {
        Vmm a = HvmTestSupport.vmm(64, 1), b = HvmTestSupport.vmm(64, 1);
        try {
            long freeA = a.freeFrames(), freeB = b.freeFrames();
            int n = 60;
            Domain src = counter(a, "mover", n, " evtchn=1");
            waitFor(() -> lines(src.consoleOutput()).size() >= 5, src);
            LiveMoves.Moved moved = LiveMoves.move(a, b, src, () -> a.pause(src.id()));
            List<DomainSaveRestore.Round> rounds = moved.rounds();
            Domain dst = moved.domain();
            assertTrue(rounds.size() >= 2 && rounds.get(rounds.size() - 1).last(), "rounds " + rounds);
            assertTrue(rounds.get(0).pagesSent() >= 8 * 256 - 8, "round 1 sends the RAM: " + rounds);
            String before = src.consoleOutput();
            assertTrue(lines(before).size() < n, "moved before the end:\n" + before);
            a.destroy(src.id());
            assertEquals(freeA, a.freeFrames(), "the source's frames are back");
            b.unpause(dst.id());
            assertTrue(dst.awaitShutdown(120, TimeUnit.SECONDS), dst.consoleOutput());
            assertEquals(ShutdownReason.POWEROFF, dst.shutdownReason().orElseThrow(), dst.consoleOutput());
            assertOneToN(before + dst.consoleOutput(), n, true);
            b.destroy(dst.id());
            assertEquals(freeB, b.freeFrames());
            assertEquals(0, a.internalErrors() + b.internalErrors());
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    @Test
    void aBadDeviceRecordIsRefusedNamingTheDeviceAndFieldAndNothingIsCreated() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 1);
        try {
            long free0 = vmm.freeFrames();
            Domain src = counter(vmm, "hvmcount", 0, "");
            waitFor(() -> lines(src.consoleOutput()).size() >= 2, src);
            vmm.pause(src.id());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            vmm.save(src.id(), out, new byte[0]);
            vmm.destroy(src.id());
            byte[] good = out.toByteArray();
            byte[] bad = StreamSurgery.deviceStateByte(good, "pit", 0, 9); // counter 0's mode
            DomainBuildException e = assertThrows(DomainBuildException.class,
                    () -> vmm.restore(new ByteArrayInputStream(bad), x -> x));
            assertTrue(e.getMessage().contains("pit (pit) state: field ch0.mode: 9 is not in 0..5"), e.getMessage());
            assertEquals(List.of(), vmm.list().stream().filter(d -> d.id() != 0).toList(), "nothing is listed");
            assertEquals(free0, vmm.freeFrames(), "nothing leaks");
            byte[] truncated = java.util.Arrays.copyOf(good, good.length - 5000);
            e = assertThrows(DomainBuildException.class, () -> vmm.restore(new ByteArrayInputStream(truncated), x -> x));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertEquals(free0, vmm.freeFrames(), "nothing leaks");
            byte[] flipped = good.clone();
            flipped[flipped.length - 6000] ^= 1;
            e = assertThrows(DomainBuildException.class, () -> vmm.restore(new ByteArrayInputStream(flipped), x -> x));
            assertTrue(e.getMessage().contains("CRC32"), e.getMessage());
            assertEquals(free0, vmm.freeFrames(), "nothing leaks");
            // and the good stream still restores
            Domain dst = vmm.restore(new ByteArrayInputStream(good), x -> x).domain();
            vmm.unpause(dst.id());
            waitFor(() -> lines(dst.consoleOutput()).size() >= 2, dst);
            vmm.destroy(dst.id());
            assertEquals(free0, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void aGfnALaterRoundSendsAsAHoleGivesItsFrameBack() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 1);
        try {
            long free0 = vmm.freeFrames();
            Domain src = counter(vmm, "hvmcount", 0, "");
            waitFor(() -> lines(src.consoleOutput()).size() >= 2, src);
            vmm.pause(src.id());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            vmm.save(src.id(), out, new byte[0]);
            vmm.destroy(src.id());
            byte[] good = out.toByteArray();
            Domain whole = vmm.restore(new ByteArrayInputStream(good), x -> x).domain();
            long freeWhole = vmm.freeFrames();
            vmm.destroy(whole.id());
            assertEquals(free0, vmm.freeFrames(), "every frame is back");
            // gfn 0x7f0 of 8 MiB (0x800 pages): RAM the counter does not use, sent first with data
            byte[] holed = StreamSurgery.holeBeforeEnd(good, 0x7f0);
            Domain dst = vmm.restore(new ByteArrayInputStream(holed), x -> x).domain();
            assertEquals(freeWhole + 1, vmm.freeFrames(), "the hole's frame went back to the pool");
            vmm.unpause(dst.id());
            waitFor(() -> lines(dst.consoleOutput()).size() >= 2, dst);
            vmm.destroy(dst.id());
            assertEquals(free0, vmm.freeFrames(), "every frame is back");
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * A 2-vcpu HVM domain's VCPUOP single-shot timers travel in HVM_PLATFORM (as the interval
     * left at the save: system time is each hypervisor's own): vcpu 1's, due 10 s after it was
     * armed, fires in the restored domain (paused: hypervisor timers run regardless), not before
     * its saved deadline; vcpu 0's, an hour away, is armed again and has not fired. A stream of
     * before the timers (HVM_PLATFORM ending after the event channels) still restores, with none.
     */
    @Test
    void anSmpDomainsSingleshotTimersAreCarriedAndFireAfterTheRestore() throws Exception {
        SystemTime time = new SystemTime();
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(64L << 20, 1, time));
        try {
            Domain src = vmm.create(DomainConfig.builder("timers").type(DomainType.HVM).vcpus(2)
                    .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hvmcount")).memoryMiB(8)
                    .cmdline("count=1000 every=2").build());
            waitFor(() -> lines(src.consoleOutput()).size() >= 2, src);
            vmm.pause(src.id());
            long deadline1 = time.nanos() + 10_000_000_000L;
            timers(src, 1).setSingleshot(deadline1);
            timers(src, 0).setSingleshot(time.nanos() + 3_600_000_000_000L);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            vmm.save(src.id(), out, new byte[0]);
            vmm.destroy(src.id());
            byte[] good = out.toByteArray();

            Domain old = vmm.restore(new ByteArrayInputStream(StreamSurgery.hvmPlatformWithoutVcpuTimers(good, 2)),
                    x -> x + "-old").domain();
            assertFalse(timers(old, 0).singleshotActive() || timers(old, 1).singleshotActive(), "an old stream carries none");
            vmm.destroy(old.id());

            Domain dst = vmm.restore(new ByteArrayInputStream(good), x -> x + "-restored").domain();
            assertEquals(DomainState.PAUSED, dst.state());
            long left1 = timers(dst, 1).singleshotRemaining();
            assertTrue(left1 > 0 && left1 <= 10_000_000_000L, "vcpu 1's timer armed again: " + left1 + " ns left");
            assertTrue(timers(dst, 0).singleshotRemaining() > 3_000_000_000_000L, "vcpu 0's too");
            waitFor(() -> timers(dst, 1).fired() > 0, dst);
            assertTrue(time.nanos() >= deadline1, "not before the saved deadline");
            assertEquals(1, timers(dst, 1).fired());
            assertFalse(timers(dst, 1).singleshotActive());
            assertEquals(0, timers(dst, 0).fired(), "vcpu 0's timer is an hour away");
            vmm.destroy(dst.id());
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    private static VcpuTimers timers(Domain d, int vcpu) {
        return ((VcpuImpl) d.vcpus().get(vcpu)).timers();
    }
}
