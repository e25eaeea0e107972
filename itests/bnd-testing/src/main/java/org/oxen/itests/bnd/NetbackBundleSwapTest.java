package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;

/**
 * The netback bundle swapped under traffic in the runtime's Felix (ServiceBindGreedyTest's
 * pattern with real guests): three kit domains from xl.cfg {@code vif = [...]} run
 * {@code netecho} (its C netfront and IP layer): one serves, two ping it and then keep a steady
 * UDP echo stream to it, each datagram accounted for by the guest. The bundle is stopped and
 * started, and updated, through Gogo's {@code felix:stop/start/update}, {@link #ROUNDS} times each:
 * after every step every domain still runs, and after each start or update the three vifs are
 * Connected again and both streams move on. At the end each client, shut down by xl, checks that
 * every datagram was echoed or lost and that the loss stayed within what its window had on the
 * wire at the swaps; the figures (loss, reconnects, frames sent again, the longest swap) are
 * printed.
 */
class NetbackBundleSwapTest extends XlSessionTest {

    static final int ROUNDS = 20;
    static final int WINDOW = 8;
    /**
     * When a client counts a datagram lost. A swap loses what the old netback had queued; when
     * that was the whole window, the stream waits this long (the longest pause the guests saw
     * was 1.2-1.3 s with 1000 ms, 0.9-1.0 s with 300 ms, which at a load of 30 also counted
     * late echoes as lost and then duplicated: 1000 keeps the accounting exact).
     */
    static final int LOST_MS = 1000;
    static final Pattern PROGRESS = Pattern.compile("netecho: progress sent (\\d+), echoed (\\d+), lost (\\d+)");

    @Override
    String domainPrefix() {
        return "nsw-";
    }

    private Domain create(String name, String mac, String extra) throws Exception {
        return createFromConfig(name, "kernel = \"guest:netecho\"\nmemory = 16\nextra = \"" + extra
                + "\"\non_poweroff = \"preserve\"\non_crash = \"preserve\"\nvif = [ 'mac=" + mac + ", bridge=xenbr0' ]\n");
    }

    private static void await(BooleanSupplier c, java.util.function.Supplier<String> what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, () -> "timed out: " + what.get());
            Thread.sleep(10);
        }
    }

    /** The last progress line's echoed count (-1 before the first). */
    private static long echoed(Domain d) {
        Matcher m = PROGRESS.matcher(GuestOutput.of(d));
        long e = -1;
        while (m.find()) e = Long.parseLong(m.group(2));
        return e;
    }

    private void assertAllRunning(List<Domain> ds, String after) {
        for (Domain d : ds) {
            assertTrue(d.shutdownReason().isEmpty(), () -> "after " + after + ": " + d.name() + " ended: "
                    + d.shutdownReason() + "\n" + GuestOutput.of(d) + "\n" + String.join("\n", hv.dmesg()));
            assertTrue(!GuestOutput.of(d).contains("RESULT: FAIL"), () -> "after " + after + ": " + d.name() + "\n"
                    + GuestOutput.of(d));
        }
    }

    private Bundle netback() {
        return Arrays.stream(context.getBundles()).filter(b -> b.getSymbolicName().equals("org.oxen.io.netback"))
                .findFirst().orElseThrow();
    }

    private String state(Domain d, String side) {
        try {
            String path = side.equals("be") ? "/local/domain/0/backend/vif/" + d.id() + "/0/state"
                    : "/local/domain/" + d.id() + "/device/vif/0/state";
            return gogo.run("xenstore-read " + path).strip();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** All vifs Connected on both sides and each client's stream past where it was. */
    private void awaitTraffic(List<Domain> all, List<Domain> clients, String after) throws InterruptedException {
        for (Domain d : all) {
            await(() -> state(d, "be").equals("4") && state(d, "fe").equals("4"),
                    () -> d.name() + "'s vif connected after " + after + ": backend " + state(d, "be") + ", frontend "
                            + state(d, "fe") + "\n" + GuestOutput.of(d));
        }
        for (Domain c : clients) {
            long before = echoed(c);
            await(() -> echoed(c) > before, () -> c.name() + "'s stream moving after " + after + "\n" + GuestOutput.of(c));
        }
    }

    @Test
    void netbackStoppedStartedAndUpdatedUnderAnEchoLoad() throws Exception {
        Domain server = create("nsw-srv", "00:16:3e:00:20:01", "ip=10.20.0.1");
        String stream = " ping=10.20.0.1 pings=5 udp=10.20.0.1 count=0 window=" + WINDOW + " report_ms=100 lost_ms=" + LOST_MS + " maxlost="
                + (2 * ROUNDS * WINDOW);
        Domain c1 = create("nsw-c1", "00:16:3e:00:20:02", "ip=10.20.0.2" + stream);
        Domain c2 = create("nsw-c2", "00:16:3e:00:20:03", "ip=10.20.0.3" + stream);
        List<Domain> all = List.of(server, c1, c2), clients = List.of(c1, c2);
        awaitTraffic(all, clients, "create");
        long id = netback().getBundleId();
        List<Long> swapMillis = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            long t0 = System.nanoTime();
            gogo.run("felix:stop " + id);
            assertEquals(Bundle.RESOLVED, netback().getState(), gogo.err());
            assertAllRunning(all, "stop " + round);
            gogo.run("felix:start " + id);
            assertEquals(Bundle.ACTIVE, netback().getState(), gogo.err());
            awaitTraffic(all, clients, "start " + round);
            swapMillis.add((System.nanoTime() - t0) / 1_000_000);
            assertAllRunning(all, "start " + round);

            t0 = System.nanoTime();
            gogo.run("felix:update " + id);
            assertEquals(Bundle.ACTIVE, netback().getState(), gogo.err());
            assertAllRunning(all, "update " + round);
            awaitTraffic(all, clients, "update " + round);
            swapMillis.add((System.nanoTime() - t0) / 1_000_000);
            assertAllRunning(all, "update " + round);
        }
        gogo.run("xl shutdown -w nsw-c1");
        gogo.run("xl shutdown -w nsw-c2");
        for (Domain c : clients) {
            assertTrue(c.awaitShutdown(60, TimeUnit.SECONDS), c.name() + ":\n" + GuestOutput.of(c));
            String out = GuestOutput.of(c);
            assertEquals(Optional.of(ShutdownReason.POWEROFF), c.shutdownReason(), out);
            assertTrue(out.strip().endsWith("RESULT: PASS"), out);
            Matcher m = Pattern.compile("netecho: udp sent (\\d+), echoed (\\d+), lost (\\d+), duplicates (\\d+),"
                    + " longest gap (\\d+) ms").matcher(out);
            assertTrue(m.find(), out);
            long sent = Long.parseLong(m.group(1)), echoed = Long.parseLong(m.group(2)), lost = Long.parseLong(m.group(3));
            assertEquals(sent, echoed + lost, out);
            assertTrue(lost <= 2L * ROUNDS * WINDOW, out);
            Matcher r = Pattern.compile("(\\d+) reconnects, (\\d+) frames sent again").matcher(out);
            assertTrue(r.find(), out);
            // at least one per stop/start and per update (a backend stopped again before it
            // connected makes netfront start over: that attempt counts too)
            assertTrue(Integer.parseInt(r.group(1)) >= 2 * ROUNDS, "a reconnect per stop/start and per update:\n" + out);
            System.out.printf("netback bundle swap: %s: %d swaps (felix:stop/start and felix:update, %d each): sent %d, echoed %d,"
                    + " lost %d (bound %d = swaps x window), duplicates %s, frames sent again %s; the longest time without"
                    + " an echo, by the guest's clock: %s ms%n", c.name(), 2 * ROUNDS, ROUNDS, sent, echoed, lost,
                    2 * ROUNDS * WINDOW, m.group(4), r.group(2), m.group(5));
        }
        System.out.printf("netback bundle swap: swap to every vif connected and both streams moving: mean %d ms, worst %d ms%n",
                (long) swapMillis.stream().mapToLong(Long::longValue).average().orElse(0),
                swapMillis.stream().mapToLong(Long::longValue).max().orElse(0));
        gogo.run("xl shutdown -w nsw-srv");
        assertTrue(server.awaitShutdown(60, TimeUnit.SECONDS), GuestOutput.of(server));
        assertTrue(GuestOutput.of(server).strip().endsWith("RESULT: PASS"), GuestOutput.of(server));
    }
}
