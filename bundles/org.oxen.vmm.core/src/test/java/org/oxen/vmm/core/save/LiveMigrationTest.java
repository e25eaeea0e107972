package org.oxen.vmm.core.save;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainSaveRestore;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;

/**
 * Live migration between two hypervisors (two {@link Vmm}s: two runtimes, one JVM): the
 * counter counts while its pages go over in pre-copy rounds (log-dirty mode), suspends itself,
 * the last dirty pages, page tables and vcpus follow, and it counts on in the target with no
 * gap and no repeat; the source's frames come back when it is destroyed.
 */
class LiveMigrationTest {

    private static final Pattern COUNT = Pattern.compile("(?m)^counter: (\\d+)$");

    @Test
    void aCountingDomainMigratesLiveBetweenTwoHypervisors() throws Exception {
        migrateLive(1, 3000, "", 1);
    }

    /**
     * Two vcpus on two pCPUs, the secondary busy with its own timer and answering IPIs, both
     * vcpu_infos moved: after the move its timer ticks and its IPIs come back.
     */
    @Test
    void aTwoVcpuCounterMigratesLiveAndItsSecondaryVcpuKeepsItsTimerAndIpis() throws Exception {
        String out = migrateLive(2, 300, " vcpus=2 vcpuinfo=1", 2);
        assertTrue(out.contains("counter: resumed after 150 (new domain)\n"
                + "counter: the timer ticks through the moved vcpu_info\n"
                + "counter: vcpu 1: its timer ticks and its IPIs come back after the resume (vcpu_info moved)\n"), out);
    }

    /**
     * The counter ({@code extra} on its command line) counting to {@code count}, migrated live at
     * half way between two hypervisors of {@code pcpus}; the target's output.
     */
    private static String migrateLive(int vcpus, int count, String extra, int pcpus) throws Exception {
        Vmm a = new Vmm(64L << 20, pcpus), b = new Vmm(64L << 20, pcpus);
        try {
            long freeA = a.freeFrames(), freeB = b.freeFrames();
            Domain src = a.create(DomainConfig.builder("mover").kernel(GuestImages.load(GuestImages.Flavor.PV, "counter"))
                    .memoryMiB(8).vcpus(vcpus).cmdline("count=" + count + " spin=3000 suspend_at=" + count / 2 + extra).build());
            PipedInputStream in = new PipedInputStream(1 << 20);
            PipedOutputStream out = new PipedOutputStream(in);
            CompletableFuture<DomainSaveRestore.Restored> target = CompletableFuture.supplyAsync(() -> {
                try (in) {
                    return b.restore(in, n -> n);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            List<DomainSaveRestore.Round> rounds = new CopyOnWriteArrayList<>();
            DomainSaveRestore.Saved saved;
            try (out) {
                saved = a.saveLive(src.id(), out, new byte[0], new DomainSaveRestore.LiveOptions(5, 0), () -> {
                    if (!src.awaitShutdown(60, TimeUnit.SECONDS)) throw new java.io.IOException("no suspend");
                }, rounds::add);
            }
            Domain dst = target.get(60, TimeUnit.SECONDS).domain();
            if (Boolean.getBoolean("oxen.verbose")) rounds.forEach(System.out::println);
            assertTrue(rounds.size() >= 2, "rounds " + rounds);
            assertTrue(rounds.get(rounds.size() - 1).last(), "rounds " + rounds);
            long first = rounds.get(0).pagesSent();
            assertTrue(first < 8 * 256 && first >= 8 * 256 - 16, "round 1 sends every page but the page tables,"
                    + " which go last: " + rounds);
            // each later pre-copy round sends what the one before left dirty (page tables held back),
            // however much the guest dirtied (its boot may still be clearing its BSS in round 1)
            for (int i = 1; i < rounds.size() - 1; i++) {
                assertTrue(rounds.get(i).pagesSent() <= rounds.get(i - 1).dirtyAfter(),
                        "round " + (i + 1) + " sends what round " + i + " left dirty: " + rounds);
            }
            assertTrue(rounds.get(rounds.size() - 1).pagesSent() < first / 4,
                    "the stop-and-copy sends the last dirty pages and the page tables: " + rounds);
            assertTrue(saved.pages() >= 8 * 256, "pages " + saved.pages());
            assertEquals(ShutdownReason.SUSPEND, src.shutdownReason().orElseThrow());
            a.destroy(src.id());
            assertEquals(freeA, a.freeFrames(), "the source's frames are back");

            b.unpause(dst.id());
            assertTrue(dst.awaitShutdown(120, TimeUnit.SECONDS), dst.consoleOutput());
            assertEquals(ShutdownReason.POWEROFF, dst.shutdownReason().orElseThrow(), dst.consoleOutput());
            StringBuilder all = new StringBuilder(src.consoleOutput()).append(dst.consoleOutput());
            Matcher m = COUNT.matcher(all);
            int expect = 1;
            while (m.find()) assertEquals(expect++, Integer.parseInt(m.group(1)));
            assertEquals(count + 1, expect, "counted to " + count);
            b.destroy(dst.id());
            assertEquals(freeB, b.freeFrames());
            assertEquals(0, a.internalErrors() + b.internalErrors());
            return dst.consoleOutput();
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }
}
