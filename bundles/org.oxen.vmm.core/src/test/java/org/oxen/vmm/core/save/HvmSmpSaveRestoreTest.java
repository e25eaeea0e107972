package org.oxen.vmm.core.save;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.vmm.core.save.HvmSaveRestoreTest.waitFor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainSaveRestore;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.arch.hvm.HvmCpuRecord;
import org.oxen.vmm.core.arch.hvm.HvmPlatform;
import org.oxen.vmm.core.hvm.HvmTestSupport;
import org.oxen.vmm.core.save.HvmSmpLines.Line;

/**
 * An SMP HVM domain saved and restored mid-run: the kit's hvmsmp starts its second vcpu with
 * INIT and STARTUP through its local APIC, and each vcpu counts in its own page, takes its
 * APIC timer's periodic interrupt (checking the interrupts against the periods its TSC says
 * passed), sends the other an IPI every few ticks (one in flight) and checks the other's
 * progress; vcpu 0 prints both vcpus' counters per line. Across the save and restore the lines
 * go on with no gap and no repeat, every counter only grows, both vcpus keep working and
 * ticking, neither vcpu (each on its own time) loses a tick, and the guest's own
 * checks pass (no more interrupts than periods, every IPI taken once, progress on both sides).
 */
class HvmSmpSaveRestoreTest {

    static List<Line> lines(String out) {
        return HvmSmpLines.parse(out);
    }

    /**
     * The lines of the source ({@code before}) and of the restored domain ({@code after})
     * together: numbered 1..n once each; both vcpus' work, ticks and IPI counts never falling,
     * vcpu 0's work and ticks growing from line to line, vcpu 1's after the restore (a line is
     * 20 of vcpu 0's ticks, and on a loaded host vcpu 1's thread may wait that long); each vcpu,
     * on its own time, lost at most {@code maxLost} ticks across the save and restore.
     */
    static void assertContinuity(String before, String after, int n, int maxLost) {
        List<Line> b = lines(before), a = lines(after);
        String all = before + "\n--- restored ---\n" + after;
        assertTrue(!b.isEmpty() && !a.isEmpty(), "lines on both sides:\n" + all);
        List<Line> l = new ArrayList<>(b);
        l.addAll(a);
        assertEquals(n, l.size(), "lines:\n" + all);
        for (int i = 0; i < l.size(); i++) {
            Line x = l.get(i);
            assertEquals(i + 1, x.n(), "line " + i + ":\n" + all);
            if (i == 0) continue;
            Line p = l.get(i - 1);
            assertTrue(x.work(0) > p.work(0) && x.ticks(0) > p.ticks(0), "vcpu 0 worked and ticked between lines " + p.n()
                    + " and " + x.n() + ":\n" + all);
            for (int c = 0; c < 2; c++) {
                for (int k = 0; k < 6; k++) {
                    if (k == 2) continue; // lost: the periods' count, rounded, less the ticks
                    assertTrue(x.cpu()[c][k] >= p.cpu()[c][k], "vcpu " + c + "'s counter " + k + " fell at line " + x.n()
                            + ":\n" + all);
                }
            }
        }
        // vcpu 1 may wait for the host between two lines (its own progress is the guest's check)
        Line last = b.get(b.size() - 1), end = a.get(a.size() - 1);
        assertTrue(end.work(1) > last.work(1) && end.ticks(1) > last.ticks(1), "vcpu 1 worked and ticked after the restore:\n"
                + all);
        for (int c = 0; c < 2; c++) {
            long lost = a.get(0).lost(c) - b.get(b.size() - 1).lost(c);
            assertTrue(lost <= maxLost, "vcpu " + c + " lost " + lost + " ticks across the restore:\n" + all);
        }
    }

    /**
     * Ticks a vcpu may lose between its last line before the save and its first after
     * the restore: its code is translated again in the new domain, on its own thread, whose CPU
     * time is the domain's time, while a tick waits (the first lines of a fresh domain show the
     * same; 0 or 1 in a dozen runs at load 12-14). A restored domain whose time ran while it
     * waited paused 300 ms lost 53.
     */
    static final int LOST_AT_THE_RESTORE = 4;
    /**
     * The same across a live migration, whose pre-copy rounds also run on the vcpus' time
     * (each round's TLB flush and first writes to pages armed again): 0 or 1 in most runs at load
     * 12-14, 7 once in twelve.
     */
    static final int LOST_IN_A_MIGRATION = 12;

    @Test
    void bothVcpusOfAnSmpGuestWorkTickAndInterruptEachOtherAcrossASaveAndRestore() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 2);
        try {
            long free0 = vmm.freeFrames();
            int n = 12;
            Domain src = HvmTestSupport.hvmsmp(vmm, "hvmsmp", "count=" + n);
            waitFor(() -> lines(src.consoleOutput()).size() >= 4, src);
            vmm.pause(src.id());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            vmm.save(src.id(), out, new byte[0]);
            String before = src.consoleOutput();
            assertTrue(lines(before).size() < n, "saved before the end:\n" + before);
            vmm.destroy(src.id());
            assertEquals(free0, vmm.freeFrames(), "the source's frames are back");

            DomainSaveRestore.Restored r = vmm.restore(new ByteArrayInputStream(out.toByteArray()), x -> x + "-restored");
            Domain dst = r.domain();
            assertEquals(DomainState.PAUSED, dst.state());
            Thread.sleep(300); // as xl restore -p: the restored domain waits paused
            vmm.unpause(dst.id());
            assertTrue(dst.awaitShutdown(120, TimeUnit.SECONDS), "no end:\n" + dst.consoleOutput());
            String after = dst.consoleOutput();
            assertEquals(ShutdownReason.POWEROFF, dst.shutdownReason().orElseThrow(), after);
            assertTrue(after.contains("RESULT: PASS"), before + "\n--- restored ---\n" + after);
            assertContinuity(before, after, n, LOST_AT_THE_RESTORE);
            vmm.destroy(dst.id());
            assertEquals(free0, vmm.freeFrames(), "every frame is back");
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * A restored SMP domain saved again before it ran is the same domain: each vcpu's CPU
     * record (registers, segments, MSRs, FPU, halted/online/initialised, pending events) and
     * each device's state (both local APICs with their IRR, ISR and timers) byte for byte, the
     * domain's time the same (it stands still from the save until the restored boot vcpu runs,
     * however long the restored domain waits paused) and each vcpu's TSC at the same distance
     * from it. Then it runs on.
     */
    @Test
    void aRestoredSmpDomainSavedAgainBeforeItRunsCarriesEveryVcpuDeviceAndTheTime() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 2);
        try {
            Domain src = HvmTestSupport.hvmsmp(vmm, "hvmsmp", "count=0");
            waitFor(() -> lines(src.consoleOutput()).size() >= 3, src);
            vmm.pause(src.id());
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            vmm.save(src.id(), first, new byte[0]);
            vmm.destroy(src.id());

            Domain dst = vmm.restore(new ByteArrayInputStream(first.toByteArray()), x -> x).domain();
            Thread.sleep(300); // paused: nothing of the guest may move meanwhile
            ByteArrayOutputStream second = new ByteArrayOutputStream();
            vmm.save(dst.id(), second, new byte[0]);
            HvmRecords.Saved a = decode(first.toByteArray()), b = decode(second.toByteArray());
            assertEquals(a.guestTime, b.guestTime, "the restored domain's time stood still while it waited paused");
            assertEquals(a.cpuIds, b.cpuIds);
            for (int i = 0; i < a.cpus.size(); i++) {
                HvmCpuRecord x = a.cpus.get(i), y = b.cpus.get(i);
                int vcpu = a.cpuIds.get(i);
                assertEquals(x.tsc() - a.guestTime, y.tsc() - b.guestTime, "vcpu " + vcpu + "'s TSC against the domain's time");
                assertArrayEquals(withoutTsc(x), withoutTsc(y), "vcpu " + vcpu + "'s CPU record");
                assertEquals(HvmCpuRecord.FLAG_ONLINE | HvmCpuRecord.FLAG_INITIALISED,
                        y.flags() & (HvmCpuRecord.FLAG_ONLINE | HvmCpuRecord.FLAG_INITIALISED | HvmCpuRecord.FLAG_WAIT_SIPI),
                        "vcpu " + vcpu + " online and started");
            }
            assertEquals(a.devices.size(), b.devices.size());
            for (int i = 0; i < a.devices.size(); i++) {
                HvmPlatform.SavedDevice x = a.devices.get(i), y = b.devices.get(i);
                assertEquals(x.id(), y.id());
                assertEquals(x.state().version(), y.state().version(), x.id());
                assertArrayEquals(x.state().data(), y.state().data(), "device " + x.id() + "'s state");
            }
            vmm.unpause(dst.id());
            int seen = lines(dst.consoleOutput()).size();
            waitFor(() -> lines(dst.consoleOutput()).size() >= seen + 2, dst);
            assertTrue(!dst.consoleOutput().contains("RESULT: FAIL"), dst.consoleOutput());
            vmm.destroy(dst.id());
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    /** Each vcpu's saved time, from the stream's {@link HvmPlatform#VCPU_TIME} record. */
    static long[] vcpuTimes(HvmRecords.Saved s) {
        for (HvmPlatform.SavedDevice d : s.devices) {
            if (!d.id().equals(HvmPlatform.VCPU_TIME)) continue;
            org.oxen.x86.api.device.StateReader r = d.state().reader(d.id());
            long[] t = new long[r.u8("count")];
            for (int i = 0; i < t.length; i++) t[i] = r.u64("vcpu" + i);
            return t;
        }
        throw new AssertionError("no " + HvmPlatform.VCPU_TIME + " record in the stream");
    }

    /**
     * A save takes every vcpu's time, the devices and every vcpu's TSC at one instant, also
     * when the paused domain's boot vcpu is blocked in HLT (whose time otherwise follows the
     * host's while the save runs): hvmsmp never writes its TSCs, so each saved TSC is its vcpu's
     * saved time exactly, and vcpu 0's is the domain's. The domain runs on after the save.
     */
    @Test
    void aSaveTakesTheTimeAndEveryTscAtOneInstantWhileTheBootVcpuIsBlocked() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 2);
        try {
            // ticks far apart: the save runs between two, while the blocked boot vcpu's time would follow the host's
            Domain d = HvmTestSupport.hvmsmp(vmm, "idle", "count=0 idle=3 period_us=250000 every=1 ipi_every=1");
            waitFor(() -> lines(d.consoleOutput()).size() >= 2, d);
            org.oxen.vmm.core.domain.VcpuImpl boot = (org.oxen.vmm.core.domain.VcpuImpl) d.vcpus().get(0);
            for (int tries = 0;; tries++) {
                vmm.pause(d.id());
                if (boot.blocked()) break;
                assertTrue(tries < 1000, "vcpu 0 was never caught blocked");
                vmm.unpause(d.id());
                Thread.sleep(1);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            vmm.save(d.id(), out, new byte[0]);
            HvmRecords.Saved s = decode(out.toByteArray());
            long[] times = vcpuTimes(s);
            assertEquals(s.guestTime, times[0], "the domain's time is vcpu 0's");
            for (int i = 0; i < s.cpus.size(); i++) {
                int vcpu = s.cpuIds.get(i);
                assertEquals(times[vcpu], s.cpus.get(i).tsc(), "vcpu " + vcpu + "'s TSC is its saved time");
            }
            vmm.unpause(d.id());
            int seen = lines(d.consoleOutput()).size();
            waitFor(() -> lines(d.consoleOutput()).size() >= seen + 2, d);
            assertTrue(!d.consoleOutput().contains("RESULT: FAIL"), d.consoleOutput());
            vmm.destroy(d.id());
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * Live migration of the SMP domain between two hypervisors: pre-copy rounds under
     * log-dirty while both vcpus write their own pages (vcpu 1 halting between stretches of
     * work, so it is often halted in HLT when the domain stops), then the last dirty pages and
     * the vcpus and devices; the target goes on with both vcpus where they were (a counter page
     * a round missed would take a counter back), and the source's and target's frames come back.
     */
    @Test
    void anSmpGuestMigratesLiveWithBothVcpusWritingAndGoesOnWhereItWas() throws Exception {
        Vmm a = HvmTestSupport.vmm(64, 2), b = HvmTestSupport.vmm(64, 2);
        try {
            long freeA = a.freeFrames(), freeB = b.freeFrames();
            int n = 14;
            Domain src = HvmTestSupport.hvmsmp(a, "mover", "count=" + n + " idle=2");
            waitFor(() -> lines(src.consoleOutput()).size() >= 3, src);
            LiveMoves.Moved moved = LiveMoves.move(a, b, src, () -> a.pause(src.id()));
            List<DomainSaveRestore.Round> rounds = moved.rounds();
            Domain dst = moved.domain();
            assertTrue(rounds.size() >= 2 && rounds.get(rounds.size() - 1).last(), "rounds " + rounds);
            assertTrue(rounds.get(0).pagesSent() >= 8 * 256 - 8, "round 1 sends the RAM: " + rounds);
            assertTrue(rounds.get(rounds.size() - 1).pagesSent() >= 2, "the last round sends the vcpus' pages: " + rounds);
            String before = src.consoleOutput();
            assertTrue(lines(before).size() < n, "moved before the end:\n" + before);
            a.destroy(src.id());
            assertEquals(freeA, a.freeFrames(), "the source's frames are back");
            b.unpause(dst.id());
            assertTrue(dst.awaitShutdown(120, TimeUnit.SECONDS), dst.consoleOutput());
            String after = dst.consoleOutput();
            assertEquals(ShutdownReason.POWEROFF, dst.shutdownReason().orElseThrow(), after);
            assertTrue(after.contains("RESULT: PASS"), before + "\n--- migrated ---\n" + after);
            assertContinuity(before, after, n, LOST_IN_A_MIGRATION);
            b.destroy(dst.id());
            assertEquals(freeB, b.freeFrames());
            assertEquals(0, a.internalErrors() + b.internalErrors());
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    /**
     * Saved before it ran (vcpu 1 offline, waiting for INIT-STARTUP): restored, the domain
     * boots, starts vcpu 1 through the restored local APICs and passes.
     */
    @Test
    void aDomainSavedWhileItsSecondVcpuWaitsForStartupStartsItAfterTheRestore() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 2);
        try {
            Domain src = vmm.create(HvmTestSupport.hvmsmpConfig("unstarted", "count=2").startPaused(true).build());
            assertTrue(!src.vcpus().get(1).online(), "vcpu 1 waits for INIT-STARTUP");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            vmm.save(src.id(), out, new byte[0]);
            HvmRecords.Saved s = decode(out.toByteArray());
            assertEquals(HvmCpuRecord.FLAG_WAIT_SIPI, s.cpus.get(1).flags() & (HvmCpuRecord.FLAG_WAIT_SIPI
                    | HvmCpuRecord.FLAG_ONLINE | HvmCpuRecord.FLAG_INITIALISED), "vcpu 1 saved waiting, offline");
            vmm.destroy(src.id());
            Domain dst = vmm.restore(new ByteArrayInputStream(out.toByteArray()), x -> x).domain();
            assertTrue(!dst.vcpus().get(1).online(), "vcpu 1 restored waiting for INIT-STARTUP");
            vmm.unpause(dst.id());
            assertTrue(dst.awaitShutdown(120, TimeUnit.SECONDS), dst.consoleOutput());
            assertTrue(dst.consoleOutput().contains("hvmsmp: cpu 1 started (apic id 1)"), dst.consoleOutput());
            assertTrue(dst.consoleOutput().contains("RESULT: PASS"), dst.consoleOutput());
            vmm.destroy(dst.id());
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * An IPI pending in vcpu 1's local APIC when the domain is saved (sent by vcpu 0's APIC into
     * the paused domain, vector 0xf2, which hvmsmp only counts; vcpu 1 halts between stretches
     * of work, so it is often halted in HLT) is taken once by vcpu 1 after the restore, and by
     * no one before.
     */
    @Test
    void anIpiPendingInTheSecondVcpusApicAtTheSaveIsTakenOnceAfterTheRestore() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 2);
        try {
            int n = 8;
            Domain src = HvmTestSupport.hvmsmp(vmm, "pending", "count=" + n + " idle=2");
            waitFor(() -> lines(src.consoleOutput()).size() >= 3, src);
            vmm.pause(src.id());
            org.oxen.vmm.core.arch.hvm.ApicIpis.send(src, 0, 1, 0xF2);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            vmm.save(src.id(), out, new byte[0]);
            String before = src.consoleOutput();
            vmm.destroy(src.id());
            Domain dst = vmm.restore(new ByteArrayInputStream(out.toByteArray()), x -> x).domain();
            vmm.unpause(dst.id());
            assertTrue(dst.awaitShutdown(120, TimeUnit.SECONDS), "no end:\n" + dst.consoleOutput());
            String after = dst.consoleOutput();
            assertTrue(after.contains("RESULT: PASS"), before + "\n--- restored ---\n" + after);
            assertContinuity(before, after, n, LOST_AT_THE_RESTORE);
            for (Line l : lines(before)) assertEquals(0, l.outside(0) + l.outside(1), "nothing taken before the save:\n" + before);
            List<Line> a = lines(after);
            Line last = a.get(a.size() - 1);
            assertEquals(1, last.outside(1), "vcpu 1 took the pending IPI once:\n" + after);
            assertEquals(0, last.outside(0), "vcpu 0 took none:\n" + after);
            vmm.destroy(dst.id());
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    /** A stream's HVM_CONTEXT and HVM_PLATFORM as the restorer decodes them. */
    static HvmRecords.Saved decode(byte[] stream) throws java.io.IOException {
        StreamReader r = new StreamReader(new ByteArrayInputStream(stream));
        r.header();
        HvmRecords.Saved s = new HvmRecords.Saved();
        for (int t = r.next(); t != StreamFormat.REC_END; t = r.next()) {
            if (t == StreamFormat.REC_HVM_CONTEXT) HvmRecords.readContext(r, s, 2);
            if (t == StreamFormat.REC_HVM_PLATFORM) HvmRecords.readPlatform(r, s, 2);
        }
        return s;
    }

    private static byte[] withoutTsc(HvmCpuRecord r) {
        byte[] b = r.bytes().clone();
        java.util.Arrays.fill(b, HvmCpuRecord.TSC_AT, HvmCpuRecord.TSC_AT + 8, (byte) 0);
        return b;
    }
}
