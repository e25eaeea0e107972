package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.BackendFactory;
import org.oxen.vmm.api.backend.BackendStatistics;

/**
 * The blkback bundle hot-swapped under I/O in a real Felix, from the Gogo shell, in the style of
 * Felix SCR's ServiceBindGreedyTest: eight domains run the guest kit's {@code blktest} through
 * the kit's C blkfront (disks from xl.cfg, four raw and four qcow2), writing, flushing, reading
 * back and verifying their disks pass after pass, while the bundle is stopped and started,
 * updated, uninstalled and installed again, and updated twice in a row (the second update
 * landing while frontends reconnect to the first): 20 swaps. Before each swap every domain's disk is
 * served by the current bundle and making progress; at each swap every domain is still running.
 * At the end the domains are shut down through {@code xl shutdown}: each verified every pass,
 * reconnected at every swap and resubmitted what was in flight, and the responses its blkfront
 * took equal the responses blkback's connections gave it (each connection's count from
 * blkback's disconnect line): no request was lost and none was performed twice. The qcow2 images
 * pass {@code qemu-img check} afterwards.
 */
class BlkbackBundleSwapTest extends XlSessionTest {

    static final int DOMAINS = 8;
    static final int SWAPS = 20;
    /** Requests a disk's new backend must answer before the next swap: more than a ring's worth of resubmissions. */
    static final int PROGRESS = 96;
    static final String BSN = "org.oxen.io.blkback";
    static final Pattern DISCONNECT = Pattern.compile("blkback d(\\d+)/51712: disconnected, (\\d+) requests answered");
    static final Pattern COUNTS = Pattern.compile(
            "blktest: (\\d+) requests, (\\d+) responses, (\\d+) resubmitted, (\\d+) reconnects, .* (\\d+) ring requests,"
                    + " (\\d+) ring responses");

    @Override
    String domainPrefix() {
        return "bsw-";
    }

    private Bundle blkback() {
        for (Bundle b : context.getBundles()) {
            if (BSN.equals(b.getSymbolicName())) return b;
        }
        throw new AssertionError(BSN + " is not installed");
    }

    /** The current blkback's figures of each domain's vbd (empty while no blkback runs). */
    private Map<Integer, BackendStatistics.Device> served() throws Exception {
        Map<Integer, BackendStatistics.Device> m = new HashMap<>();
        for (ServiceReference<BackendStatistics> r : context.getServiceReferences(BackendStatistics.class,
                "(" + BackendFactory.DEVICE_TYPE + "=vbd)")) {
            BackendStatistics s = context.getService(r);
            if (s == null) continue;
            try {
                for (BackendStatistics.Device d : s.devices()) m.put(d.domid(), d);
            } finally {
                context.ungetService(r);
            }
        }
        return m;
    }

    /** Every domain's disk is connected to the running blkback, which has answered {@link #PROGRESS} requests of it. */
    private void awaitServedAndProgressing(List<Domain> ds, String when) throws Exception {
        await(() -> {
            try {
                Map<Integer, BackendStatistics.Device> m = served();
                for (Domain d : ds) {
                    BackendStatistics.Device v = m.get(d.id());
                    if (v == null || !v.connected() || v.counter("rd_req") + v.counter("wr_req") < PROGRESS) return false;
                }
                return true;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, () -> {
            try {
                return "every disk served and progressing " + when + ": " + served() + "\n" + outputs(ds);
            } catch (Exception e) {
                return e.toString();
            }
        });
    }

    private void assertAllRunning(List<Domain> ds, String when) {
        for (Domain d : ds) {
            DomainState s = d.state();
            assertTrue(s == DomainState.RUNNING || s == DomainState.BLOCKED,
                    () -> d.name() + " at " + when + ": " + s + "\n" + GuestOutput.of(d));
            assertTrue(!GuestOutput.of(d).contains("RESULT: FAIL"), () -> d.name() + " at " + when + ":\n" + GuestOutput.of(d));
        }
    }

    private static String outputs(List<Domain> ds) {
        StringBuilder b = new StringBuilder();
        for (Domain d : ds) {
            String out = GuestOutput.of(d);
            int keep = out.contains("RESULT: FAIL") ? 20_000 : 600; // a failing domain's whole story
            b.append(d.name()).append(" (d").append(d.id()).append(", ").append(d.state()).append("): ...")
                    .append(out.substring(Math.max(0, out.length() - keep))).append('\n');
        }
        return b.toString();
    }

    private void awaitBackendStates(List<Domain> ds, String state) throws Exception {
        for (Domain d : ds) awaitNode("/local/domain/0/backend/vbd/" + d.id() + "/51712/state", state);
    }

    @Test
    void eightKitBlkfrontDomainsKeepVerifiedIoWhileBlkbackIsSwapped20TimesFromGogo() throws Exception {
        List<Domain> ds = new ArrayList<>();
        List<Path> qcow2s = new ArrayList<>();
        BlkbackLog blkbackLog = BlkbackLog.capture();
        try {
            for (int i = 0; i < DOMAINS; i++) {
                Path img;
                if (i % 2 == 0) {
                    img = dir.resolve("d" + i + ".img");
                    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
                        f.setLength(1 << 20);
                    }
                } else {
                    img = dir.resolve("d" + i + ".qcow2");
                    gogo.run("oxen-img create -f qcow2 " + img + " 1M");
                    assertTrue(Files.exists(img), gogo.err());
                    qcow2s.add(img);
                }
                ds.add(create("bsw-" + i, "guest:blktest", 16, "node=device/vbd/51712 passes=0 mib=1 chunk=16 depth=8 seed="
                        + (i * 1000), img + "," + (i % 2 == 0 ? "raw" : "qcow2") + ",xvda,rw"));
            }
            awaitServedAndProgressing(ds, "at the start");

            for (int swap = 0; swap < SWAPS; swap++) {
                long id = blkback().getBundleId();
                String how;
                switch (swap % 4) {
                    case 0 -> { // stopped: every disk closes; started: served again
                        how = "stop/start";
                        gogo.run("stop " + id);
                        assertEquals(Bundle.RESOLVED, blkback().getState(), gogo.err());
                        awaitBackendStates(ds, "6");
                        assertAllRunning(ds, "swap " + swap + " (blkback stopped)");
                        gogo.run("start " + id);
                    }
                    case 1 -> { // updated in place from its file
                        how = "update";
                        gogo.run("update " + id);
                    }
                    case 3 -> { // updated twice in a row: the second lands while frontends reconnect to the first
                        how = "update, update";
                        gogo.run("update " + id);
                        assertEquals(Bundle.ACTIVE, blkback().getState(), gogo.err());
                        gogo.run("update " + id);
                    }
                    default -> { // replaced: uninstalled, installed again from its location, started
                        how = "uninstall/install";
                        String location = blkback().getLocation();
                        gogo.run("uninstall " + id);
                        assertTrue(context.getBundle(id) == null, "uninstalled: " + gogo.err());
                        gogo.run("install " + location);
                        Bundle fresh = blkback();
                        assertTrue(fresh.getBundleId() != id, "a new bundle: " + gogo.err());
                        gogo.run("start " + fresh.getBundleId());
                    }
                }
                assertEquals(Bundle.ACTIVE, blkback().getState(), "blkback after " + how + ": " + gogo.err());
                assertAllRunning(ds, "swap " + swap + " (" + how + ")");
                awaitServedAndProgressing(ds, "after swap " + swap + " (" + how + ")");
            }

            for (Domain d : ds) gogo.run("xl shutdown " + d.name());
            long answeredLinesBefore = 0;
            for (Domain d : ds) {
                assertTrue(d.awaitShutdown(300, TimeUnit.SECONDS), d.name() + " did not finish:\n" + GuestOutput.of(d));
                String out = GuestOutput.of(d);
                assertEquals(Optional.of(ShutdownReason.POWEROFF), d.shutdownReason(), out);
                assertTrue(out.strip().endsWith("RESULT: PASS"), out);
            }
            // blkback logged each connection's end as the last frontends closed: sum them per domain
            Map<Integer, long[]> backend = new HashMap<>(); // answered, connections
            for (String line : blkbackLog.messages()) {
                Matcher m = DISCONNECT.matcher(line);
                if (m.find()) {
                    long[] c = backend.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new long[2]);
                    c[0] += Long.parseLong(m.group(2));
                    c[1]++;
                    answeredLinesBefore++;
                }
            }
            long resubmitted = 0, responses = 0;
            for (Domain d : ds) {
                String out = GuestOutput.of(d);
                Matcher m = COUNTS.matcher(out);
                assertTrue(m.find(), out);
                long requests = Long.parseLong(m.group(1)), taken = Long.parseLong(m.group(2));
                long reconnects = Long.parseLong(m.group(4));
                assertEquals(requests, taken, d.name() + ": every request answered once:\n" + out);
                // at least once per swap (a double update may take one reconnection or two, and a
                // backend that leaves before connecting restarts one)
                assertTrue(reconnects >= SWAPS, d.name() + " reconnected at every swap:\n" + out);
                long[] be = backend.getOrDefault(d.id(), new long[2]);
                assertTrue(be[1] >= SWAPS + 1 && be[1] <= reconnects + 1,
                        d.name() + ": blkback's connections of d" + d.id() + ": " + be[1] + ", reconnects " + reconnects);
                // blkfront merges its caller's requests into ring requests: compare the ring's responses
                long ringResponses = Long.parseLong(m.group(6));
                assertEquals(ringResponses, be[0], d.name() + ": ring responses blkfront took = responses blkback gave");
                assertTrue(!out.contains("blktest: 0 passes"), out);
                resubmitted += Long.parseLong(m.group(3));
                responses += taken;
            }
            System.out.printf("blkback bundle swap: %d swaps from Gogo, %d kit domains, %d requests answered,"
                    + " %d resubmitted after reconnects, %d connections closed%n", SWAPS, DOMAINS, responses, resubmitted,
                    answeredLinesBefore);
        } finally {
            blkbackLog.close();
            if (blkback().getState() != Bundle.ACTIVE) blkback().start();
        }
        for (Domain d : ds) gogo.run("xl destroy " + d.name());
        await(() -> ds.stream().allMatch(d -> hv.find(d.id()).isEmpty()), () -> "the domains went");
        for (Path q : qcow2s) {
            String check = run("qemu-img", "check", "-f", "qcow2", q.toString());
            assertTrue(check.contains("No errors were found on the image."), check);
        }
        assertEquals(0, hv.internalErrors());
    }

    static void await(BooleanSupplier c, Supplier<String> what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out: " + what.get());
            Thread.sleep(10);
        }
    }
}
