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
 * with no gap and no repeat.
 */
class MigrationWithXenstoreTest {

    private static final Pattern COUNT = Pattern.compile("(?m)^counter: (\\d+)$");

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
            PipedInputStream in = new PipedInputStream(1 << 20);
            PipedOutputStream out = new PipedOutputStream(in);
            CompletableFuture<DomainSaveRestore.Restored> target = CompletableFuture.supplyAsync(() -> {
                try (in) {
                    return b.restore(in, n -> b == a ? n + "--incoming" : n);
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
                    if (!src.awaitShutdown(30, TimeUnit.SECONDS)) throw new java.io.IOException("no suspend");
                }, r -> { });
            }
            Domain dst = target.get(60, TimeUnit.SECONDS).domain();
            assertEquals(ShutdownReason.SUSPEND, src.shutdownReason().orElseThrow());
            String before = src.consoleOutput();
            a.destroy(src.id());
            b.unpause(dst.id());
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
