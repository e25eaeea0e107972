package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;

/**
 * xl save, restore and migrate in a real Felix, with the kit's counter answering
 * control/shutdown (suspend through xenstore, its console ring served by consoleback before and
 * after): the numbers it printed in the saved domain and in the restored one are 1..N with no gap
 * and no repeat; save -c goes on in place; a live migration over TCP to this runtime's own
 * receiver (oxen.migration.port) prints its rounds and the domain counts on under its name;
 * a corrupted file is refused and creates nothing. A domain doing verified disk I/O (the kit's
 * blktest on a raw image) is migrated live mid-I/O and then saved and restored: its disk travels
 * with it, blkfront reconnects to the new domain's backend and resubmits what was in flight, and
 * every pass after reads back and verifies every block; on a qcow2 image too, which qemu-img
 * check finds clean afterwards. A domain streaming UDP echoes to another
 * (the kit's netecho over netfront and xenbr0) is migrated live, then its peer is: netfront
 * reconnects to the new domain's vif and the echo stream resumes, every datagram echoed or lost.
 * A 2-vcpu HVM domain (the kit's hvmsmp) is migrated live and then saved and restored, both its
 * vcpus working, ticking and interrupting each other on.
 */
class XlSaveRestoreTest extends XlSessionTest {

    private static final Pattern COUNT = Pattern.compile("(?m)^counter: (\\d+)\r?$");

    @Override
    String domainPrefix() {
        return "sv-";
    }

    private Domain create(String name) throws Exception {
        return create(name, "guest:counter", 16, "count=0 spin=20000 xenstore=1", null);
    }

    private String xl(String line) throws Exception {
        String out = gogo.run(line);
        assertEquals(0, gogo.get("xl.status"), line + ": " + gogo.err());
        return out;
    }

    private static List<Integer> counts(String out) {
        List<Integer> l = new ArrayList<>();
        Matcher m = COUNT.matcher(out);
        while (m.find()) l.add(Integer.parseInt(m.group(1)));
        return l;
    }

    /** Waits until the domain has printed a number beyond {@code n}; returns its output. */
    private static String awaitBeyond(Domain d, int n) throws Exception {
        return awaitOutput(d, GuestOutput::of, out -> lastAbove(counts(out), n), "no number beyond " + n);
    }

    /**
     * Waits up to 120 s until {@code done} holds of the domain's output as {@code read} gives it,
     * and returns that output; fails on a "RESULT: FAIL" in it, or at the limit with {@code what}
     * and the output.
     */
    private static String awaitOutput(Domain d, Function<Domain, String> read, Predicate<String> done, String what)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            String out = read.apply(d);
            if (done.test(out)) return out;
            assertFalse(out.contains("RESULT: FAIL"), out);
            assertTrue(System.nanoTime() < end, what + ":\n" + out);
            Thread.sleep(20);
        }
    }

    /** Whether the last of {@code counts} is above {@code n}. */
    private static boolean lastAbove(List<Integer> counts, int n) {
        return !counts.isEmpty() && counts.get(counts.size() - 1) > n;
    }

    private static void assertConsecutive(List<Integer> all, String what) {
        assertFalse(all.isEmpty(), what);
        for (int i = 0; i < all.size(); i++) assertEquals(i + 1, all.get(i), what + ": " + all);
    }

    /** Shuts the counter down (xl shutdown -w) and returns its whole output. */
    private String finish(Domain d) throws Exception {
        xl("xl shutdown -w " + d.id());
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        return GuestOutput.of(d);
    }

    @Test
    void savedAndRestoredTheCounterGoesOnWithNoGapAndNoRepeat() throws Exception {
        Domain d = create("sv-count");
        awaitBeyond(d, 20);
        Path file = dir.resolve("sv-count.save");
        xl("xl save sv-count " + file);
        assertTrue(gogo.err().contains("Saved domain " + d.id()), gogo.err());
        assertTrue(hv.find(d.id()).isEmpty(), "xl save destroys the domain");
        assertTrue(Files.size(file) > 16L << 20, "the file holds its 16 MiB");
        String before = GuestOutput.of(d);

        xl("xl restore " + file);
        Domain r = hv.find("sv-count").orElseThrow();
        assertNotEquals(d.id(), r.id());
        List<Integer> saved = counts(before);
        awaitBeyond(r, saved.get(saved.size() - 1) + 20);
        String after = finish(r);
        assertTrue(after.contains("resumed in a new domain"), after);
        List<Integer> all = new ArrayList<>(saved);
        all.addAll(counts(after));
        assertConsecutive(all, "saved then restored");
    }

    @Test
    void saveDashCLeavesTheDomainRunning() throws Exception {
        Domain d = create("sv-ckpt");
        awaitBeyond(d, 10);
        xl("xl save -c sv-ckpt " + dir.resolve("ckpt.save"));
        assertTrue(hv.find(d.id()).isPresent(), "still there");
        String out = awaitBeyond(d, 10);
        // its console backend serves it again after the cancelled suspend: the new log starts there
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(out = GuestOutput.of(d)).contains("cancelled, going on") || counts(out).size() < 20) {
            assertTrue(System.nanoTime() < end, out);
            Thread.sleep(20);
        }
        List<Integer> c = counts(out);
        for (int i = 1; i < c.size(); i++) assertEquals(c.get(i - 1) + 1, c.get(i), "after the checkpoint: " + c);
        finish(d);
    }

    @Test
    void liveMigrationOverTcpToThisRuntimeCountsOn() throws Exception {
        Object port = migrationPort();
        Domain d = create("sv-mig");
        awaitBeyond(d, 20);
        xl("xl migrate --live sv-mig 127.0.0.1:" + port);
        String err = gogo.err();
        assertTrue(err.contains("xl migrate: 10% (") && err.contains("xl migrate: 100% ("), "each tenth of the memory sent: " + err);
        assertTrue(err.indexOf("xl migrate: 10% (") < err.indexOf("migration round 1: "), "tenths while the first round copies the memory: " + err);
        assertTrue(err.contains("migration round 1: "), err);
        assertTrue(err.contains("(stop-and-copy)"), err);
        assertTrue(err.matches("(?s).*downtime \\d+ ms, total \\d+ ms.*"), err);
        assertTrue(hv.find(d.id()).isEmpty(), "the source is gone");
        Domain m = hv.find("sv-mig").orElseThrow();
        String before = GuestOutput.of(d);
        List<Integer> saved = counts(before);
        awaitBeyond(m, saved.get(saved.size() - 1) + 20);
        List<Integer> all = new ArrayList<>(saved);
        all.addAll(counts(finish(m)));
        assertConsecutive(all, "migrated");
    }

    private static final Pattern HVM_COUNT = Pattern.compile("(?m)^hvmcount: (\\d+) events=(\\d+)\r?$");

    /** hvmcount's numbers; each line's events count must equal its number (every upcall arrived). */
    private static List<Integer> hvmCounts(String out) {
        List<Integer> l = new ArrayList<>();
        Matcher m = HVM_COUNT.matcher(out);
        while (m.find()) {
            assertEquals(m.group(1), m.group(2), "events of line " + m.group(1) + ":\n" + out);
            l.add(Integer.parseInt(m.group(1)));
        }
        return l;
    }

    /** Waits for a number beyond {@code n} in an HVM domain's output (its COM1, the domain's console buffer). */
    private static String awaitHvmBeyond(Domain d, int n) throws Exception {
        return awaitOutput(d, Domain::consoleOutput, out -> lastAbove(hvmCounts(out), n), "no number beyond " + n);
    }

    private Domain hvmCounter(String name) throws Exception {
        return createFromConfig(name, "type = \"hvm\"\nkernel = \"guest-native:hvmcount\"\nmemory = 16\n"
                + "extra = \"count=0 every=2 evtchn=1\"\non_poweroff = \"preserve\"\n");
    }

    /**
     * An HVM domain (the kit's hvmcount: PIT-paced lines on COM1, an event-channel IPI per line
     * by the Xen platform device's INTx) saved with xl save, which pauses it (an HVM guest does
     * not suspend itself), and restored with xl restore: its numbers go on with no gap and no
     * repeat and every event arrives.
     */
    @Test
    void anHvmDomainSavedAndRestoredWithXlCountsOn() throws Exception {
        Domain d = hvmCounter("sv-hvm");
        awaitHvmBeyond(d, 10);
        Path file = dir.resolve("sv-hvm.save");
        xl("xl save sv-hvm " + file);
        assertTrue(hv.find(d.id()).isEmpty(), "xl save destroys the domain");
        String before = d.consoleOutput();
        xl("xl restore " + file);
        Domain r = hv.find("sv-hvm").orElseThrow();
        List<Integer> saved = hvmCounts(before);
        String after = awaitHvmBeyond(r, saved.get(saved.size() - 1) + 10);
        xl("xl destroy sv-hvm");
        List<Integer> all = new ArrayList<>(saved);
        all.addAll(hvmCounts(after));
        assertConsecutive(all, "HVM saved then restored");
    }

    /** The same HVM domain moved live over TCP to this runtime's receiver (pre-copy rounds under log-dirty). */
    @Test
    void anHvmDomainMigratesLiveOverTcpAndCountsOn() throws Exception {
        Object port = migrationPort();
        Domain d = hvmCounter("sv-hvmmig");
        awaitHvmBeyond(d, 10);
        xl("xl migrate --live sv-hvmmig 127.0.0.1:" + port);
        String err = gogo.err();
        assertTrue(err.contains("migration round 1: ") && err.contains("(stop-and-copy)"), err);
        assertTrue(hv.find(d.id()).isEmpty(), "the source is gone");
        Domain m = hv.find("sv-hvmmig").orElseThrow();
        List<Integer> saved = hvmCounts(d.consoleOutput());
        String after = awaitHvmBeyond(m, saved.get(saved.size() - 1) + 10);
        xl("xl destroy sv-hvmmig");
        List<Integer> all = new ArrayList<>(saved);
        all.addAll(hvmCounts(after));
        assertConsecutive(all, "HVM migrated live");
    }

    /** The port this runtime's migration receiver listens on (oxen.migration.port=0: one the system chose). */
    private Object migrationPort() throws Exception {
        BundleContext ctx = FrameworkUtil.getBundle(getClass()).getBundleContext();
        ServiceReference<?>[] refs = ctx.getServiceReferences((String) null, "(oxen.migration.port=*)");
        assertTrue(refs != null && refs.length == 1, "the migration receiver listens (oxen.migration.port=0)");
        return refs[0].getProperty("oxen.migration.port");
    }

    private static final Pattern SMP_LINE = Pattern.compile(
            "(?m)^hvmsmp: (\\d+) cpu0 work=(\\d+) ticks=(\\d+) \\S+ \\S+ cpu1 work=(\\d+) ticks=(\\d+) ");

    /** hvmsmp's lines: number, then vcpu 0's work and ticks, vcpu 1's work and ticks. */
    private static List<long[]> smpLines(String out) {
        List<long[]> l = new ArrayList<>();
        Matcher m = SMP_LINE.matcher(out);
        while (m.find()) {
            long[] x = new long[5];
            for (int i = 0; i < 5; i++) x[i] = Long.parseLong(m.group(1 + i));
            l.add(x);
        }
        return l;
    }

    /** Waits until an hvmsmp domain has printed more than {@code n} lines; returns its output. */
    private static String awaitSmpLines(Domain d, int n) throws Exception {
        return awaitOutput(d, Domain::consoleOutput, out -> smpLines(out).size() > n, "no line beyond " + n);
    }

    /**
     * A 2-vcpu HVM domain (the kit's hvmsmp: each vcpu counts in its own page, takes its local
     * APIC timer's ticks and the other's IPIs, checks the other's progress; vcpu 1 halts between
     * stretches of work) moved live over TCP with xl migrate, then saved and restored with xl
     * save and xl restore: its lines go on with no gap and no repeat, neither vcpu's work or ticks
     * ever fall, both work and tick after each move, and the guest's own checks never fail.
     */
    @Test
    void anSmpHvmDomainMigratedLiveThenSavedAndRestoredGoesOnOnBothVcpus() throws Exception {
        Object port = migrationPort();
        Domain d = createFromConfig("sv-smp", "type = \"hvm\"\nkernel = \"guest-native:hvmsmp\"\nmemory = 16\nvcpus = 2\n"
                + "extra = \"count=0 idle=2\"\non_poweroff = \"preserve\"\n");
        awaitSmpLines(d, 3);
        xl("xl migrate --live sv-smp 127.0.0.1:" + port);
        assertTrue(hv.find(d.id()).isEmpty(), "the source is gone");
        Domain m = hv.find("sv-smp").orElseThrow();
        String first = d.consoleOutput();
        awaitSmpLines(m, 3);
        Path file = dir.resolve("sv-smp.save");
        xl("xl save sv-smp " + file);
        String secondAll = m.consoleOutput();
        xl("xl restore " + file);
        Domain r = hv.find("sv-smp").orElseThrow();
        String third = awaitSmpLines(r, 3);
        xl("xl destroy sv-smp");
        String all = first + "\n--- migrated ---\n" + secondAll + "\n--- restored ---\n" + third;
        List<long[]> lines = new ArrayList<>(smpLines(first));
        int moved = lines.size();
        lines.addAll(smpLines(secondAll));
        int saved = lines.size();
        lines.addAll(smpLines(third));
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i + 1, lines.get(i)[0], "line " + i + ":\n" + all);
            for (int k = 1; k < 5 && i > 0; k++) {
                assertTrue(lines.get(i)[k] >= lines.get(i - 1)[k], "a counter fell at line " + (i + 1) + ":\n" + all);
            }
        }
        for (int at : new int[] {moved, saved}) {
            long[] last = lines.get(at - 1), end = lines.get(lines.size() - 1);
            for (int k = 1; k < 5; k++) assertTrue(end[k] > last[k], "both vcpus work and tick after line " + at + ":\n" + all);
        }
        assertFalse(all.contains("RESULT: FAIL"), all);
    }

    private static final Pattern VERIFIED = Pattern.compile("(?m)^blktest: read and verified \\d+ KiB");

    private static int verifiedPasses(String out) {
        Matcher m = VERIFIED.matcher(out);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    /** Waits until the domain's output holds {@code want} and at least {@code passes} verified passes after it. */
    private static String awaitVerifiedAfter(Domain d, String want, int passes) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (true) {
            String out = GuestOutput.of(d);
            assertFalse(out.contains("RESULT: FAIL"), out);
            int at = out.indexOf(want);
            if (at >= 0 && verifiedPasses(out.substring(at)) >= passes) return out;
            assertTrue(System.nanoTime() < end, "no " + passes + " verified passes after '" + want + "':\n" + out);
            Thread.sleep(50);
        }
    }

    /**
     * A blktest domain on {@code disk} (an xl.cfg disk spec) migrated live to this runtime's own
     * receiver mid-I/O: the migrated domain, its blkfront reconnected and two passes verified since.
     */
    private Domain blktestMigratedLiveMidIo(String name, String disk) throws Exception {
        Object port = migrationPort();
        Domain d = create(name, "guest:blktest", 16, "node=device/vbd/51712 seed=3 depth=8 passes=0", disk);
        awaitVerifiedAfter(d, "blkfront: device/vbd/51712", 1);

        xl("xl migrate --live " + name + " 127.0.0.1:" + port);
        assertTrue(gogo.err().contains("(stop-and-copy)"), gogo.err());
        assertTrue(hv.find(d.id()).isEmpty(), "the source is gone");
        Domain m = hv.find(name).orElseThrow();
        String out = awaitVerifiedAfter(m, "reconnected", 2);
        assertTrue(out.contains("blkfront: device/vbd/51712: resumed in a new domain: reconnecting with"), out);
        out.lines().filter(l -> l.startsWith("blkfront: device/vbd/51712: re")).forEach(l -> System.out.println(name + " migrated: " + l));
        return m;
    }

    /** Shuts a blktest domain down: a clean end, with every pass verified. */
    private void finishBlktest(Domain d) throws Exception {
        xl("xl shutdown -w " + d.name());
        String end = GuestOutput.of(d);
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(), end);
        assertTrue(end.contains("RESULT: PASS"), end);
        assertTrue(end.matches("(?s).*blktest: \\d+ passes.*"), end);
    }

    @Test
    void aDomainDoingVerifiedDiskIoMigratesLiveMidIoAndIsSavedAndRestoredWithItsDisk() throws Exception {
        Path raw = dir.resolve("sv-disk.img");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        Domain m = blktestMigratedLiveMidIo("sv-disk", raw + ",raw,xvda,rw");

        Path file = dir.resolve("sv-disk.save");
        xl("xl save sv-disk " + file);
        assertTrue(hv.find(m.id()).isEmpty(), "xl save destroys the domain");
        xl("xl restore " + file);
        Domain r = hv.find("sv-disk").orElseThrow();
        awaitVerifiedAfter(r, "reconnected", 2);
        finishBlktest(r);
        String end = GuestOutput.of(r);
        assertTrue(end.contains("shutdown: suspend requested through control/shutdown: resumed in a new domain"), end);
    }

    /**
     * The same on a qcow2 image (oxen-img's): the source's backend closes and unlocks the image
     * before the target's opens it, every pass after the move verifies, and qemu-img check finds
     * the image clean afterwards.
     */
    @Test
    void aDomainOnAQcow2DiskMigratesLiveMidIoAndItsImageStaysClean() throws Exception {
        Path q = dir.resolve("sv-qcow.qcow2");
        gogo.run("oxen-img create -f qcow2 " + q + " 8M");
        assertTrue(Files.isRegularFile(q), gogo.err());
        Domain m = blktestMigratedLiveMidIo("sv-qcow", q + ",qcow2,xvda,rw");
        finishBlktest(m);
        xl("xl destroy " + m.id()); // its backend closes the image
        String check = run("qemu-img", "check", "-f", "qcow2", q.toString());
        assertTrue(check.contains("No errors were found on the image."), check);
    }

    private static final Pattern PROGRESS = Pattern.compile("netecho: progress sent (\\d+), echoed (\\d+), lost (\\d+)");

    private static long echoed(Domain d) {
        Matcher m = PROGRESS.matcher(GuestOutput.of(d));
        long e = -1;
        while (m.find()) e = Long.parseLong(m.group(2));
        return e;
    }

    private static void awaitEchoesBeyond(Domain d, long n) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (echoed(d) <= n) {
            String out = GuestOutput.of(d);
            assertFalse(out.contains("RESULT: FAIL") || d.shutdownReason().isPresent(), out);
            assertTrue(System.nanoTime() < end, "the echo stream stays at " + echoed(d) + ":\n" + out);
            Thread.sleep(20);
        }
    }

    @Test
    void aDomainStreamingUdpEchoesMigratesLiveAndItsPeerTooAndTheStreamResumes() throws Exception {
        Object port = migrationPort();
        int window = 8;
        Domain server = createFromConfig("sv-echo", "kernel = \"guest:netecho\"\nmemory = 16\nextra = \"ip=10.21.0.1\"\n"
                + "on_poweroff = \"preserve\"\nvif = [ 'mac=00:16:3e:00:21:01, bridge=xenbr0' ]\n");
        Domain client = createFromConfig("sv-udp", "kernel = \"guest:netecho\"\nmemory = 16\nextra = \"ip=10.21.0.2"
                + " udp=10.21.0.1 count=0 window=" + window + " report_ms=100 lost_ms=1000 maxlost=" + 4 * window
                + "\"\non_poweroff = \"preserve\"\nvif = [ 'mac=00:16:3e:00:21:02, bridge=xenbr0' ]\n");
        awaitEchoesBeyond(client, 50);

        xl("xl migrate --live sv-udp 127.0.0.1:" + port);
        assertTrue(hv.find(client.id()).isEmpty(), "the source is gone");
        long before = echoed(client);
        Domain moved = hv.find("sv-udp").orElseThrow();
        awaitEchoesBeyond(moved, Math.max(before, 0) + 50);
        assertTrue(GuestOutput.of(moved).contains("netfront: device/vif/0: resumed in a new domain: reconnecting"),
                GuestOutput.of(moved));

        xl("xl migrate --live sv-echo 127.0.0.1:" + port);
        Domain server2 = hv.find("sv-echo").orElseThrow();
        assertNotEquals(server.id(), server2.id());
        long now = echoed(moved);
        awaitEchoesBeyond(moved, now + 50);

        xl("xl shutdown -w sv-udp");
        String out = GuestOutput.of(moved);
        assertEquals(ShutdownReason.POWEROFF, moved.shutdownReason().orElseThrow(), out);
        assertTrue(out.strip().endsWith("RESULT: PASS"), out);
        Matcher m = Pattern.compile("netecho: udp sent (\\d+), echoed (\\d+), lost (\\d+), duplicates (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        long sent = Long.parseLong(m.group(1)), echoedAll = Long.parseLong(m.group(2)), lost = Long.parseLong(m.group(3));
        assertEquals(sent, echoedAll + lost, out);
        System.out.println("migrated udp echo stream: " + m.group() + " (the client, then the server moved)");
        xl("xl shutdown -w sv-echo");
        assertTrue(GuestOutput.of(server2).strip().endsWith("RESULT: PASS"), GuestOutput.of(server2));
    }

    /**
     * A target killed during the copy (it takes 1 MiB, then drops the connection) of a non-live
     * migration, the domain already suspended: the source is resumed and counts on.
     */
    @Test
    void aMigrationWhoseTargetDiesMidwayLeavesTheSourceRunning() throws Exception {
        Domain d = create("sv-kill");
        awaitBeyond(d, 10);
        try (java.net.ServerSocket dying = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread killer = new Thread(() -> {
                try (java.net.Socket s = dying.accept()) {
                    // an open oxen receiver's answer to the hello line (docs/migration-stream.md)
                    java.io.InputStream in = s.getInputStream();
                    int c;
                    while ((c = in.read()) >= 0 && c != '\n') {
                        // the hello line
                    }
                    s.getOutputStream().write("open\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    in.readNBytes(1 << 20);
                } catch (java.io.IOException e) {
                    // the sender's side reports it
                }
            });
            killer.start();
            gogo.run("xl migrate sv-kill 127.0.0.1:" + dying.getLocalPort());
            killer.join(60_000);
        }
        assertEquals(1, gogo.get("xl.status"), gogo.err());
        assertTrue(gogo.err().contains("Migration of domain " + d.id()), gogo.err());
        assertTrue(hv.find(d.id()).isPresent(), "the source is still there");
        assertEquals("sv-kill", hv.find(d.id()).orElseThrow().name());
        assertTrue(gogo.err().contains("the domain was resumed here"), gogo.err());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String out;
        while (true) {
            out = GuestOutput.of(d);
            int at = out.indexOf("cancelled, going on");
            if (at >= 0 && counts(out.substring(at)).size() >= 20) break;
            assertFalse(out.contains("RESULT: FAIL"), out);
            assertTrue(System.nanoTime() < end, "no counting after the resume:\n" + out);
            Thread.sleep(20);
        }
        List<Integer> after = counts(out.substring(out.indexOf("cancelled, going on")));
        for (int i = 1; i < after.size(); i++) assertEquals(after.get(i - 1) + 1, after.get(i), "after: " + after);
        finish(d);
    }

    /** Waits (120 s at most) until {@code probe} finds something. */
    private static <T> T await(java.util.function.Supplier<java.util.Optional<T>> probe, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            java.util.Optional<T> t = probe.get();
            if (t.isPresent()) return t.get();
            assertTrue(System.nanoTime() < end, what);
            Thread.sleep(20);
        }
    }

    /**
     * The config's on_* actions travel with the domain (xl keeps the config in its save file):
     * migrated, its on_reboot = "restart" re-creates it when it reboots (a new domain under its
     * name, counting from 1); saved and restored under a new name, its on_poweroff = "destroy"
     * destroys it when it powers off.
     */
    @Test
    void aMigratedOrRestoredDomainKeepsItsConfigsOnActions() throws Exception {
        Object port = migrationPort();
        Domain d = createFromConfig("sv-act", "kernel = \"guest:counter\"\nmemory = 16\n"
                + "extra = \"count=0 spin=20000 xenstore=1\"\non_poweroff = \"destroy\"\non_reboot = \"restart\"\n");
        awaitBeyond(d, 10);
        xl("xl migrate --live sv-act 127.0.0.1:" + port);
        Domain m = hv.find("sv-act").orElseThrow();
        assertNotEquals(d.id(), m.id());
        List<Integer> before = counts(GuestOutput.of(d));
        awaitBeyond(m, before.get(before.size() - 1) + 5);

        xl("xl reboot sv-act");
        Domain again = await(() -> hv.find("sv-act").filter(x -> x.id() != m.id()),
                "the migrated domain rebooted and was not re-created (on_reboot = \"restart\")");
        List<Integer> fresh = counts(awaitBeyond(again, 3));
        assertEquals(1, fresh.get(0), "the re-created domain boots afresh: " + fresh);

        Path file = dir.resolve("sv-act.save");
        xl("xl save sv-act " + file);
        xl("xl restore " + file + " name=sv-act2");
        Domain r = hv.find("sv-act2").orElseThrow();
        awaitBeyond(r, 5);
        gogo.run("xl shutdown sv-act2");
        await(() -> hv.find(r.id()).isEmpty() ? java.util.Optional.of(true) : java.util.Optional.empty(),
                "the restored domain powered off and was not destroyed (on_poweroff = \"destroy\"): "
                        + hv.find(r.id()).map(x -> x.state() + " " + x.shutdownReason()).orElse(""));
        assertTrue(GuestOutput.of(r).contains("RESULT: PASS"), GuestOutput.of(r));
    }

    @Test
    void aCorruptedFileIsRefusedAndCreatesNothing() throws Exception {
        Domain d = create("sv-bad");
        awaitBeyond(d, 5);
        Path file = dir.resolve("bad.save");
        xl("xl save sv-bad " + file);
        byte[] b = Files.readAllBytes(file);
        b[b.length / 3] ^= 1;
        Files.write(file, b);
        long free = hv.freeFrames();
        int domains = hv.list().size();
        gogo.run("xl restore " + file);
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains("the stream is corrupted"), gogo.err());
        assertEquals(domains, hv.list().size());
        assertEquals(free, hv.freeFrames());
    }
}
