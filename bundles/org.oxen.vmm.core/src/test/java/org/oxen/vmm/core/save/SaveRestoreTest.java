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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainSaveRestore;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;

/**
 * Save and restore on the hypervisor alone (no toolstack): the kit's counter suspends itself
 * (SCHEDOP_shutdown SHUTDOWN_suspend with start_info's frame in EDX), is saved to a stream,
 * destroyed, restored into a new domain with new frames, and counts on from where it stopped:
 * the numbers of both domains together are 1..N, each once. Streams that are corrupted,
 * truncated, of another version or whose page tables do not validate are refused and leave
 * nothing behind.
 */
class SaveRestoreTest {

    private static final Pattern COUNT = Pattern.compile("(?m)^counter: (\\d+)$");
    private Vmm vmm;
    private long free0;

    @BeforeEach
    void start() {
        vmm = new Vmm(64L << 20, 1);
        free0 = vmm.freeFrames();
    }

    @AfterEach
    void stop() {
        vmm.shutdown();
    }

    private Domain suspendedCounter(String name, int count, int suspendAt) throws Exception {
        return suspendedCounter(name, count, suspendAt, "");
    }

    private Domain suspendedCounter(String name, int count, int suspendAt, String more) throws Exception {
        return suspendedCounter(name, count, suspendAt, more, 1);
    }

    private Domain suspendedCounter(String name, int count, int suspendAt, String more, int vcpus) throws Exception {
        Domain d = vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "counter"))
                .memoryMiB(8).vcpus(vcpus).cmdline("count=" + count + " spin=2000 suspend_at=" + suspendAt + more).build());
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), "no suspend:\n" + d.consoleOutput());
        assertEquals(ShutdownReason.SUSPEND, d.shutdownReason().orElseThrow(), d.consoleOutput());
        return d;
    }

    private byte[] save(Domain d) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DomainSaveRestore.Saved s = vmm.save(d.id(), out, "toolstack data".getBytes());
        assertEquals(out.size(), s.bytes());
        assertTrue(s.pages() > 0 && s.pages() <= 8 * 256, "pages " + s.pages());
        return out.toByteArray();
    }

    /**
     * Saves suspended {@code src}, destroys it, restores the stream into a new domain and runs that
     * to its poweroff; destroys it and checks every frame is back. The new domain's console output.
     */
    private String restoredToItsPoweroff(Domain src) throws Exception {
        String before = src.consoleOutput();
        byte[] stream = save(src);
        vmm.destroy(src.id());
        Domain dst = vmm.restore(new ByteArrayInputStream(stream), n -> n).domain();
        vmm.unpause(dst.id());
        assertTrue(dst.awaitShutdown(60, TimeUnit.SECONDS), "no end:\n" + dst.consoleOutput());
        String after = dst.consoleOutput();
        assertEquals(ShutdownReason.POWEROFF, dst.shutdownReason().orElseThrow(), before + after);
        vmm.destroy(dst.id());
        assertEquals(free0, vmm.freeFrames());
        return after;
    }

    private static List<Integer> counts(String out) {
        List<Integer> l = new ArrayList<>();
        Matcher m = COUNT.matcher(out);
        while (m.find()) l.add(Integer.parseInt(m.group(1)));
        return l;
    }

    /** The numbers the source printed, then the restored domain's: 1..n, each once. */
    private static void assertCountsOneToN(String before, String after, int n) {
        List<Integer> all = counts(before);
        all.addAll(counts(after));
        assertCountsOneToN(all, n);
    }

    private static void assertCountsOneToN(List<Integer> all, int n) {
        assertEquals(n, all.size(), "numbers: " + all);
        for (int i = 0; i < n; i++) assertEquals(i + 1, all.get(i), "numbers: " + all);
    }

    @Test
    void aSavedCounterRestoredInANewDomainCountsOnWithNoGapAndNoRepeat() throws Exception {
        Domain src = suspendedCounter("counter", 60, 25);
        String before = src.consoleOutput();
        byte[] stream = save(src);
        vmm.destroy(src.id());
        assertEquals(free0, vmm.freeFrames(), "the source's frames are back");

        DomainSaveRestore.Restored r = vmm.restore(new ByteArrayInputStream(stream), n -> n);
        Domain dst = r.domain();
        assertEquals("counter", dst.name());
        assertEquals("toolstack data", new String(r.toolstack()));
        assertEquals(org.oxen.vmm.api.DomainState.PAUSED, dst.state(), "restored paused");
        vmm.unpause(dst.id());
        assertTrue(dst.awaitShutdown(60, TimeUnit.SECONDS), "no end:\n" + dst.consoleOutput());
        String after = dst.consoleOutput();
        if (Boolean.getBoolean("oxen.verbose")) System.out.println(before + "---- restored ----\n" + after);
        assertEquals(ShutdownReason.POWEROFF, dst.shutdownReason().orElseThrow(), after);
        assertTrue(after.contains("counter: resumed after 25 (new domain)"), after);
        assertTrue(after.contains("RESULT: PASS"), after);
        List<Integer> all = counts(before);
        assertEquals(25, all.size(), before);
        all.addAll(counts(after));
        assertCountsOneToN(all, 60);
        vmm.destroy(dst.id());
        assertEquals(free0, vmm.freeFrames());
        assertEquals(0, vmm.internalErrors());
    }

    /** A guest with a grant table unmaps its frames before the suspend and sets the table up again after (gnttab_suspend/resume). */
    @Test
    void aCounterWithAGrantTableIsSavedAndRestoredAndGrantsAgain() throws Exception {
        Domain src = suspendedCounter("granter", 40, 10, " grants=1");
        String before = src.consoleOutput();
        String after = restoredToItsPoweroff(src);
        assertTrue(before.contains("counter: granted ref 8"), before);
        assertTrue(after.contains("counter: resumed after 10 (new domain)\ncounter: granted ref 8"), after);
        assertCountsOneToN(before, after, 40);
    }

    /** A moved vcpu_info is not carried (as in Xen): the guest registers it again, and its events arrive through it. */
    @Test
    void aCounterWithAMovedVcpuInfoRegistersItAgainAfterTheRestore() throws Exception {
        Domain src = suspendedCounter("mover", 30, 10, " vcpuinfo=1");
        String before = src.consoleOutput();
        assertTrue(before.contains("counter: vcpu_info moved to"), before);
        String after = restoredToItsPoweroff(src);
        assertTrue(after.contains("counter: the timer ticks through the moved vcpu_info"), after);
        assertCountsOneToN(before, after, 30);
    }

    /**
     * An LDT (MMUEXT_SET_LDT) travels in the vcpu's context and an I/O bitmap
     * (PHYSDEVOP_set_iobitmap) in VCPU_STATE: after the restore %fs still reads through the LDT
     * and reloads from it, and IOPL-0 port 0x80 is still allowed (each would be #GP otherwise).
     */
    @Test
    void aCounterWithAnLdtAndAnIoBitmapUsesBothAfterTheRestore() throws Exception {
        Domain src = suspendedCounter("ldt", 30, 10, " ldt=1 iobitmap=1");
        String before = src.consoleOutput();
        assertTrue(before.contains("counter: before: %fs 0x5 reads 0x1d7f00d5 through the LDT"), before);
        assertTrue(before.contains("counter: before: inb $0x80 read 0xff through the I/O bitmap"), before);
        String after = restoredToItsPoweroff(src);
        assertTrue(after.contains("counter: resumed after 10 (new domain)\n"
                + "counter: after the resume: %fs 0x5 reads 0x1d7f00d5 through the LDT\n"
                + "counter: after the resume: inb $0x80 read 0xff through the I/O bitmap"), after);
        assertTrue(after.contains("RESULT: PASS"), after);
        assertCountsOneToN(before, after, 30);
    }

    /**
     * Three vcpus, each secondary with its own one-shot timer and an IPI from vcpu 0, all with
     * moved vcpu_infos: the kit parks the secondaries for the suspend, and after the restore
     * registers their vcpu_infos again (each while it is down) and binds their VIRQs and IPIs
     * again; every vcpu's timer ticks and every IPI comes back.
     */
    @Test
    void aThreeVcpuCounterKeepsEveryVcpusTimerAndIpisAfterTheRestore() throws Exception {
        Domain src = suspendedCounter("smp", 30, 10, " vcpus=3 vcpuinfo=1", 3);
        String before = src.consoleOutput();
        assertTrue(before.contains("counter: 3 vcpus up"), before);
        String after = restoredToItsPoweroff(src);
        assertTrue(after.contains("counter: resumed after 10 (new domain)\n"
                + "counter: the timer ticks through the moved vcpu_info\n"
                + "counter: vcpu 1: its timer ticks and its IPIs come back after the resume (vcpu_info moved)\n"
                + "counter: vcpu 2: its timer ticks and its IPIs come back after the resume (vcpu_info moved)\n"), after);
        assertCountsOneToN(before, after, 30);
    }

    /**
     * A busy secondary vcpu reading its vcpu_info in shared_info without pause, on its own pCPU:
     * the kit parks it for the suspend (else, restored, it runs before vcpu 0 has mapped
     * shared_info again and faults on the unmapped page).
     */
    @Test
    void aBusySecondaryVcpuIsParkedAcrossTheSuspend() throws Exception {
        vmm.shutdown();
        vmm = new Vmm(64L << 20, 2);
        free0 = vmm.freeFrames();
        Domain src = suspendedCounter("busy", 30, 10, " vcpus=2", 2);
        String before = src.consoleOutput();
        String after = restoredToItsPoweroff(src);
        assertTrue(after.contains("counter: resumed after 10 (new domain)\n"
                + "counter: vcpu 1: its timer ticks and its IPIs come back after the resume\n"), after);
        assertCountsOneToN(before, after, 30);
    }

    @Test
    void aSuspendThatIsCancelledGoesOnInTheSameDomain() throws Exception {
        Domain d = suspendedCounter("cancelled", 40, 10);
        save(d); // a checkpoint: the domain stays suspended
        vmm.resume(d.id());
        assertTrue(waitFor(() -> d.consoleOutput().contains("RESULT: PASS") && d.shutdownReason().isPresent()),
                d.consoleOutput());
        String out = d.consoleOutput();
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(), out);
        assertTrue(out.contains("counter: resumed after 10 (cancelled)"), out);
        assertCountsOneToN(counts(out), 40);
        assertThrows(IllegalStateException.class, () -> vmm.resume(d.id()), "not suspended");
    }

    @Test
    void aRunningDomainIsNotSaved() throws Exception {
        Domain d = vmm.create(DomainConfig.builder("running").kernel(GuestImages.load(GuestImages.Flavor.PV, "counter"))
                .memoryMiB(8).cmdline("count=0 spin=20000").build());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> vmm.save(d.id(), new ByteArrayOutputStream(), new byte[0]));
        assertTrue(e.getMessage().contains("is not suspended"), e.getMessage());
    }

    @Test
    void corruptedTruncatedAndForeignStreamsAreRefusedAndLeaveNothing() throws Exception {
        Domain src = suspendedCounter("victim", 30, 5);
        byte[] good = save(src);
        vmm.destroy(src.id());
        long free = vmm.freeFrames();

        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x40;
        assertRefused(flipped, "the stream is corrupted", free);

        assertRefused(java.util.Arrays.copyOf(good, good.length - 5000), "truncated: the stream ends inside record", free);
        assertRefused(java.util.Arrays.copyOf(good, good.length - 16), "without an END record", free);
        assertRefused(java.util.Arrays.copyOf(good, 10), "shorter than its 24-byte image header", free);

        byte[] v2 = good.clone();
        v2[15] = 2; // image header version (big-endian u32 at 12)
        assertRefused(v2, "the stream is version 2 of oxen's save format; this oxen reads version 1 only", free);

        byte[] xen = good.clone();
        xen[8] = 'X'; xen[9] = 'E'; xen[10] = 'N'; xen[11] = 'F';
        assertRefused(xen, "this is Xen's stream (XENF)", free);

        // the stream restores when intact (the refusals above were the stream's, not the hypervisor's)
        Domain ok = vmm.restore(new ByteArrayInputStream(good), n -> "intact").domain();
        vmm.destroy(ok.id());
        assertEquals(free, vmm.freeFrames());
    }

    @Test
    void pageTablesAreRevalidatedOnRestoreNeverTrusted() throws Exception {
        Domain src = suspendedCounter("tables", 30, 5);
        byte[] good = save(src);
        vmm.destroy(src.id());
        long free = vmm.freeFrames();
        // an L1 of the saved domain made to map the pinned L3 writable: a well-formed stream
        // whose tables the hypervisor must refuse when it pins and validates them
        byte[] hostile = StreamSurgery.mapL3WritableFromAnL1(good);
        assertRefused(hostile, "does not validate", free);
    }

    /**
     * A stream's periodic timer is taken as VCPUOP_set_periodic_timer would take it: a 1 ns or
     * negative period (which would re-arm a host timer without end) is refused by name, and
     * nothing is left behind; the stream restores with its own period.
     */
    @Test
    void aPeriodicTimerBelowVcpuOpsMinimumIsRefused() throws Exception {
        Domain src = suspendedCounter("period", 30, 5);
        byte[] good = save(src);
        vmm.destroy(src.id());
        long free = vmm.freeFrames();
        assertRefused(StreamSurgery.vcpuStatePeriod(good, 1), "vcpu 0's periodic timer of 1 ns", free);
        assertRefused(StreamSurgery.vcpuStatePeriod(good, -5), "vcpu 0's periodic timer of -5 ns", free);
        Domain ok = vmm.restore(new ByteArrayInputStream(StreamSurgery.vcpuStatePeriod(good, 0)), n -> "stopped").domain();
        vmm.destroy(ok.id());
        assertEquals(free, vmm.freeFrames());
    }

    private void assertRefused(byte[] stream, String why, long free) {
        DomainBuildException e = assertThrows(DomainBuildException.class,
                () -> vmm.restore(new ByteArrayInputStream(stream), n -> "refused"));
        if (Boolean.getBoolean("oxen.verbose")) System.out.println("refused: " + e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertFalse(vmm.find("refused").isPresent(), "no domain was created");
        assertEquals(free, vmm.freeFrames(), "no frame leaked");
    }

    private static boolean waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        for (int i = 0; i < 600 && !c.getAsBoolean(); i++) Thread.sleep(100);
        return c.getAsBoolean();
    }
}
