package org.oxen.io.xenstore.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.io.xenstore.store.XenstoreComponent;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainSaveRestore;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.core.Vmm;

/**
 * Live migration between two runtimes, each a hypervisor with its own xenstored: the kit's
 * counter answers control/shutdown = "suspend" (written by Domain-0 as xl does) after the
 * pre-copy rounds, continues on the other hypervisor, takes up its xenstore connection there
 * (new store port, its watch registered again: it answers poweroff), and its numbers run on
 * with no gap and no repeat. And a cpubench domain, which never waits on xenstore but answers
 * control/shutdown from its store event while it computes ({@code xenstore=1}), migrated live
 * ten times back and forth between the two while it runs, every round ending with the native
 * checksum.
 */
class MigrationWithXenstoreTest {

    private static final Pattern COUNT = Pattern.compile("(?m)^counter: (\\d+)$");
    /** cpubench's workload at loop=2M mix=3 (16.4M instructions a round) on Linux: guests/tools/native32 2000000 3. */
    private static final String SIZES = "loop=2000000 mix=3";
    private static final String NATIVE_CHECKSUM = "0xed1ee380";
    private static final Pattern ROUND = Pattern.compile("(?m)^cpubench: round=(\\d+) checksum=(0x[0-9a-f]{8})$");

    @Test
    void theCounterMigratesLiveAndItsXenstoreConnectionFollows() throws Exception {
        Vmm a = new Vmm(64L << 20, 1), b = new Vmm(64L << 20, 1);
        XenstoreComponent xa = new XenstoreComponent(a.eventChannels()), xb = new XenstoreComponent(b.eventChannels());
        migrate(a, b, xa, xb);
    }

    /** To the same runtime (xl migrate to localhost): the target is built while the source is still there. */
    @Test
    void toTheSameHypervisor() throws Exception {
        Vmm a = new Vmm(64L << 20, 1);
        XenstoreComponent xa = new XenstoreComponent(a.eventChannels());
        migrate(a, a, xa, xa);
    }

    private void migrate(Vmm a, Vmm b, XenstoreComponent xa, XenstoreComponent xb) throws Exception {
        a.addIntroducer(xa);
        if (b != a) b.addIntroducer(xb);
        try (XenstoreClient da = xa.connect(); XenstoreClient db = xb.connect()) {
            Domain src = a.create(DomainConfig.builder("mover").kernel(GuestImages.load(GuestImages.Flavor.PV, "counter"))
                    .memoryMiB(8).cmdline("count=0 spin=20000 xenstore=1").build());
            awaitCount(src, 20);
            StringBuilder source = new StringBuilder();
            Domain dst = migrateLive(a, da, src, b, source, n -> b == a ? n + "--incoming" : n);
            String before = source.toString();
            int last = counts(before);
            try {
                awaitCount(dst, last + 20);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + String.join("\n", b.dmesg()), e);
            }
            db.write("/local/domain/" + dst.id() + "/control/shutdown", "poweroff");
            assertTrue(dst.awaitShutdown(30, TimeUnit.SECONDS), dst.consoleOutput() + String.join("\n", b.dmesg()));
            String after = dst.consoleOutput();
            assertEquals(ShutdownReason.POWEROFF, dst.shutdownReason().orElseThrow(), after);
            Matcher m = COUNT.matcher(before + after);
            int expect = 1;
            while (m.find()) assertEquals(expect++, Integer.parseInt(m.group(1)), before + after);
            assertTrue(expect > last + 20);
        } finally {
            a.shutdown();
            b.shutdown();
            xa.deactivate();
            xb.deactivate();
        }
    }

    @Test
    void cpubenchMigratedLiveTenTimesBackAndForthEndsWithTheNativeChecksum() throws Exception {
        Vmm[] vmm = {new Vmm(64L << 20, 1), new Vmm(64L << 20, 1)};
        XenstoreComponent[] xs = {new XenstoreComponent(vmm[0].eventChannels()),
            new XenstoreComponent(vmm[1].eventChannels())};
        vmm[0].addIntroducer(xs[0]);
        vmm[1].addIntroducer(xs[1]);
        StringBuilder all = new StringBuilder();
        try (XenstoreClient x0 = xs[0].connect(); XenstoreClient x1 = xs[1].connect()) {
            XenstoreClient[] dom0 = {x0, x1};
            Domain d = vmm[0].create(DomainConfig.builder("cpubench").kernel(GuestImages.load(GuestImages.Flavor.PV,
                    "cpubench")).memoryMiB(16).cmdline(SIZES + " repeat=0 xenstore=1 expect=" + NATIVE_CHECKSUM).build());
            awaitRounds(d, all, 2);
            int at = 0;
            for (int move = 1; move <= 10; move++) {
                int rounds = rounds(all + d.consoleOutput());
                Domain next = migrateLive(vmm[at], dom0[at], d, vmm[1 - at], all);
                at = 1 - at;
                d = next;
                // it computes on: a round ends in the new domain before the next move
                awaitRounds(d, all, rounds + 1);
            }
            dom0[at].write("/local/domain/" + d.id() + "/control/shutdown", "poweroff");
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), all + d.consoleOutput());
            all.append(d.consoleOutput());
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(), all.toString());
            String out = all.toString();
            assertTrue(out.contains("checksum=" + NATIVE_CHECKSUM), out);
            assertTrue(out.endsWith("RESULT: PASS\n"), out);
            assertEquals(10, out.split("resumed in a new domain", -1).length - 1, out);
            Matcher m = ROUND.matcher(out);
            int expect = 2;
            while (m.find()) {
                assertEquals(expect++, Integer.parseInt(m.group(1)), out);
                assertEquals(NATIVE_CHECKSUM, m.group(2), out);
            }
            assertTrue(expect > 12, out);
        } finally {
            vmm[0].shutdown();
            vmm[1].shutdown();
            xs[0].deactivate();
            xs[1].deactivate();
        }
    }

    /** One live migration of a running domain from {@code a} to {@code b}, as xl does; the source's output goes to {@code all}. */
    private static Domain migrateLive(Vmm a, XenstoreClient da, Domain src, Vmm b, StringBuilder all) throws Exception {
        return migrateLive(a, da, src, b, all, n -> n);
    }

    /**
     * The same, the target's domain named by {@code rename} from the source's (to the same
     * hypervisor: "--incoming", as xl names it while the source is still there).
     */
    private static Domain migrateLive(Vmm a, XenstoreClient da, Domain src, Vmm b, StringBuilder all,
            java.util.function.UnaryOperator<String> rename) throws Exception {
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        CompletableFuture<DomainSaveRestore.Restored> target = CompletableFuture.supplyAsync(() -> {
            try (in) {
                return b.restore(in, rename);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try (out) {
            a.saveLive(src.id(), out, new byte[0], DomainSaveRestore.LiveOptions.DEFAULT, () -> {
                try {
                    da.write("/local/domain/" + src.id() + "/control/shutdown", "suspend");
                } catch (Exception e) {
                    throw new java.io.IOException(e);
                }
                if (!src.awaitShutdown(60, TimeUnit.SECONDS)) {
                    throw new java.io.IOException("no suspend within 60 s:\n" + src.consoleOutput());
                }
            }, r -> { });
        }
        Domain dst = target.get(60, TimeUnit.SECONDS).domain();
        assertEquals(ShutdownReason.SUSPEND, src.shutdownReason().orElseThrow());
        all.append(src.consoleOutput());
        a.destroy(src.id());
        b.unpause(dst.id());
        return dst;
    }

    private static int rounds(String out) {
        Matcher m = ROUND.matcher(out);
        int n = 0;
        while (m.find()) n = Integer.parseInt(m.group(1));
        return n;
    }

    private static void awaitRounds(Domain d, StringBuilder before, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (rounds(before + d.consoleOutput()) < n) {
            String out = d.consoleOutput();
            assertTrue(!out.contains("RESULT: FAIL") && System.nanoTime() < end, before + out);
            Thread.sleep(20);
        }
    }

    private static int counts(String out) {
        Matcher m = COUNT.matcher(out);
        int last = 0;
        while (m.find()) last = Integer.parseInt(m.group(1));
        return last;
    }

    private static void awaitCount(Domain d, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (counts(d.consoleOutput()) <= n) {
            assertTrue(!d.consoleOutput().contains("RESULT: FAIL") && System.nanoTime() < end, d.consoleOutput());
            Thread.sleep(10);
        }
    }
}
