package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.RandomAccessFile;
import java.lang.ref.WeakReference;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * Issue 22's soak in the real runtime, driven as an administrator would, from Gogo: busy
 * cpubench domains ({@code oxen.soak.busy}, 8) and I/O domains run for {@code oxen.soak.seconds}
 * (15, and at least one round of each kind; both framework properties, from the environment's
 * OXEN_SOAK_BUSY and OXEN_SOAK_SECONDS, and the pool from OXEN_ITEST_MEMORY_MIB, 512)
 * while round after round a domain is created and destroyed through xl, the blkback bundle is
 * stopped and started or updated under two kit blkfront domains' verified I/O, the netback bundle
 * is updated under a UDP echo stream between two kit netfront domains, the Credit scheduler's
 * bundle is stopped and started under every domain, a memtarget domain is ballooned down and up
 * through {@code xl mem-set}, and a blkfront domain is migrated live mid-I/O to this runtime's
 * own receiver ({@code xl migrate --live}). After every round every domain still runs and the
 * I/O moves on. Then the workload ends (the blkfront and netfront clients shut down and check
 * their own data), everything is destroyed, and the leak report compares Domain-0 with the start
 * (taken after a warm-up of every kind of round): free frames, Domain-0's event ports and grant
 * mappings, xenstore nodes (the tree, walked), threads, open files, heap after GC, internal
 * errors, and the destroyed domains still reachable (held here only weakly: none may be).
 */
class XlSoakTest extends XlSessionTest {

    /** A verified pass and its seed: blktest's seeds go up by one per pass, across a migration too. */
    static final Pattern VERIFIED = Pattern.compile("(?m)^blktest: read and verified \\d+ KiB.*\\(seed (\\d+)\\)");
    static final Pattern ECHOED = Pattern.compile("netecho: progress sent (\\d+), echoed (\\d+), lost (\\d+)");
    /** A workload domain that ends stays listed with its output (a guest's failure is a crash: on_crash). */
    static final String KEEP = "on_poweroff = \"preserve\"\non_crash = \"preserve\"\n";
    static final String[] KINDS = {"create", "blkback swap", "netback swap", "scheduler swap", "balloon", "live migration"};

    @InjectService(timeout = 10_000)
    Dom0EventChannels dom0Ports;

    @InjectService(timeout = 10_000)
    GrantTables grants;

    private final List<WeakReference<Domain>> gone = new ArrayList<>();
    private final int[] done = new int[KINDS.length];
    /** The most Domain-0 grant mappings and event ports seen after a round (the backends' connections). */
    private int peakMappings, peakPorts;

    @Override
    String domainPrefix() {
        return "soak-";
    }

    private long property(String name, long dflt) {
        String v = context.getProperty(name);
        return v == null || v.isBlank() ? dflt : Long.parseLong(v.strip());
    }

    /** What Domain-0 holds that the domains' destruction must give back. */
    record Held(long freeFrames, int ports, int grantMappings, int xenstoreNodes, int threads, int openFiles, long heapMiB) {
    }

    private Held held() throws XenstoreException {
        String[] fds = new File("/proc/self/fd").list();
        for (int i = 0; i < 3; i++) System.gc();
        Runtime rt = Runtime.getRuntime();
        return new Held(hv.freeFrames(), dom0Ports.portsInUse(), grants.mappingsInUse(), XlDomainReclaimTest.xenstoreNodes(xs, "/"),
                ManagementFactory.getThreadMXBean().getThreadCount(), fds == null ? -1 : fds.length,
                (rt.totalMemory() - rt.freeMemory()) >> 20);
    }


    private static void await(BooleanSupplier c, Supplier<String> what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out: " + what.get());
            Thread.sleep(20);
        }
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) return b;
        }
        throw new AssertionError(bsn + " is not installed");
    }

    private String xl(String line) throws Exception {
        String out = gogo.run(line);
        assertEquals(0, gogo.get("xl.status"), line + ": " + gogo.err());
        return out;
    }

    private Domain domain(String name) {
        return hv.find(name).orElseThrow(() -> new AssertionError("no domain " + name + ": " + hv.list()));
    }

    /**
     * The seed of the last pass {@code out} shows verified, -1 if none. Progress is measured by it,
     * not by counting lines: the console log is a bounded window, so after enough passes the count
     * of lines in it stops growing (the first hour-long run timed out on exactly that).
     */
    private static long lastVerifiedSeed(String out) {
        Matcher m = VERIFIED.matcher(out);
        long seed = -1;
        while (m.find()) seed = Long.parseLong(m.group(1));
        return seed;
    }

    private static long echoed(Domain d) {
        Matcher m = ECHOED.matcher(GuestOutput.of(d));
        long e = -1;
        while (m.find()) e = Long.parseLong(m.group(2));
        return e;
    }

    /** The workload of one phase: its domains' names. */
    private record Workload(List<String> blk, String server, String client, String balloon, List<String> busy) {
        List<String> all() {
            List<String> a = new ArrayList<>(blk);
            a.add(server);
            a.add(client);
            a.add(balloon);
            a.addAll(busy);
            return a;
        }
    }

    private Workload start(String phase, int busy) throws Exception {
        List<String> blk = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String name = "soak-" + phase + "-blk" + i;
            File disk = dir.resolve(name + ".img").toFile();
            try (RandomAccessFile f = new RandomAccessFile(disk, "rw")) {
                f.setLength(1 << 20);
            }
            createFromConfig(name, "kernel = \"guest:blktest\"\nmemory = 16\nextra = \"node=device/vbd/51712 passes=0 mib=1"
                    + " chunk=16 depth=8 seed=" + (i * 77) + "\"\n" + KEEP + "disk = [ '" + disk + ",raw,xvda,rw' ]\n");
            blk.add(name);
        }
        String server = "soak-" + phase + "-srv", client = "soak-" + phase + "-cli";
        int net = phase.equals("warm") ? 40 : 41;
        Domain srv = createFromConfig(server, "kernel = \"guest:netecho\"\nmemory = 16\nextra = \"ip=10." + net + ".0.1\"\n"
                + KEEP + "vif = [ 'mac=00:16:3e:00:" + net + ":01, bridge=xenbr0' ]\n");
        // the client pings at once, each ping answered within ping_ms: its server's vif is connected first
        awaitNode("/local/domain/0/backend/vif/" + srv.id() + "/0/state", "4");
        createFromConfig(client, "kernel = \"guest:netecho\"\nmemory = 16\nextra = \"ip=10." + net + ".0.2 ping=10." + net
                + ".0.1 pings=3 ping_ms=10000 udp=10." + net + ".0.1 count=0 window=8 report_ms=100 lost_ms=1000"
                + " maxlost=100000\"\n" + KEEP + "vif = [ 'mac=00:16:3e:00:" + net + ":02, bridge=xenbr0' ]\n");
        String balloon = "soak-" + phase + "-bal";
        createFromConfig(balloon, "kernel = \"guest:memtarget\"\nmemory = 16\nmaxmem = 24\n" + KEEP);
        List<String> busyNames = new ArrayList<>();
        for (int i = 0; i < busy; i++) {
            String name = "soak-" + phase + "-busy" + i;
            createFromConfig(name, "kernel = \"guest:cpubench\"\nmemory = 8\nextra = \"loop=20000 mix=1 repeat=0\"\n" + KEEP);
            busyNames.add(name);
        }
        Workload w = new Workload(blk, server, client, balloon, busyNames);
        awaitIo(w, "the start");
        return w;
    }

    /** xl network-list of the echo pair (the vifs' states and rings), for a failure's message. */
    private String networkLists(Workload w) {
        StringBuilder b = new StringBuilder();
        for (String name : List.of(w.server(), w.client())) {
            try {
                b.append(xl("xl network-list " + name)).append('\n');
            } catch (Exception | AssertionError e) {
                b.append("xl network-list ").append(name).append(": ").append(e).append('\n');
            }
        }
        return b.toString();
    }

    /** Every blkfront domain verified one more pass, and the echo stream moved on. */
    private void awaitIo(Workload w, String after) throws Exception {
        for (String name : w.blk()) {
            Domain d = domain(name);
            long before = lastVerifiedSeed(GuestOutput.of(d));
            await(() -> lastVerifiedSeed(GuestOutput.of(d)) > before, () -> name + " verified no pass after " + after + ":\n"
                    + GuestOutput.of(d));
        }
        Domain c = domain(w.client());
        long before = echoed(c);
        await(() -> echoed(c) > before, () -> w.client() + "'s stream stopped after " + after + ":\n" + GuestOutput.of(c)
                + "\n" + w.server() + ":\n" + GuestOutput.of(domain(w.server())) + "\n" + networkLists(w));
    }

    private void assertAllRunning(Workload w, String after) {
        for (String name : w.all()) {
            Domain d = domain(name);
            DomainState s = d.state();
            assertTrue(s == DomainState.RUNNING || s == DomainState.BLOCKED, () -> name + " after " + after + ": " + s
                    + "\n" + GuestOutput.of(d));
            assertTrue(!GuestOutput.of(d).contains("RESULT: FAIL"), () -> name + " after " + after + ":\n" + GuestOutput.of(d));
        }
    }

    /** One round of kind {@code kind}; the workload still runs and its I/O moves on afterwards. */
    private void round(Workload w, int kind, int n) throws Exception {
        String what = KINDS[kind] + " " + n;
        switch (kind) {
            case 0 -> {
                Domain d = create("soak-hello" + n, "guest:hello", 4, null, null);
                assertTrue(d.awaitShutdown(300, TimeUnit.SECONDS), GuestOutput.of(d));
                assertEquals(Optional.of(ShutdownReason.POWEROFF), d.shutdownReason(), GuestOutput.of(d));
                gone.add(new WeakReference<>(d));
                xl("xl destroy " + d.id());
            }
            case 1 -> {
                long id = bundle("org.oxen.io.blkback").getBundleId();
                if (n % 2 == 0) {
                    gogo.run("felix:stop " + id);
                    assertEquals(Bundle.RESOLVED, bundle("org.oxen.io.blkback").getState(), gogo.err());
                    assertAllRunning(w, what + " (stopped)");
                    gogo.run("felix:start " + id);
                } else {
                    gogo.run("felix:update " + id);
                }
                assertEquals(Bundle.ACTIVE, bundle("org.oxen.io.blkback").getState(), gogo.err());
            }
            case 2 -> {
                gogo.run("felix:update " + bundle("org.oxen.io.netback").getBundleId());
                assertEquals(Bundle.ACTIVE, bundle("org.oxen.io.netback").getState(), gogo.err());
            }
            case 3 -> {
                Bundle credit = bundle("org.oxen.sched.credit");
                gogo.run("felix:stop " + credit.getBundleId());
                await(() -> !"credit".equals(hv.pools().get(0).scheduler()), () -> "Pool-0 left credit");
                assertAllRunning(w, what + " (credit stopped)");
                gogo.run("felix:start " + credit.getBundleId());
                await(() -> "credit".equals(hv.pools().get(0).scheduler()), () -> "Pool-0 back on credit");
            }
            case 4 -> {
                Domain b = domain(w.balloon());
                xl("xl mem-set " + w.balloon() + " 12m");
                await(() -> b.memoryPages() == 3072, () -> w.balloon() + " at 12 MiB: " + b.memoryPages() + "\n" + GuestOutput.of(b));
                xl("xl mem-set " + w.balloon() + " 16m");
                await(() -> b.memoryPages() == 4096, () -> w.balloon() + " at 16 MiB: " + b.memoryPages() + "\n" + GuestOutput.of(b));
            }
            default -> {
                String name = w.blk().get(n % 2);
                Domain src = domain(name);
                long seedBefore = lastVerifiedSeed(GuestOutput.of(src));
                Object port = FrameworkUtil.getBundle(getClass()).getBundleContext()
                        .getServiceReferences((String) null, "(oxen.migration.port=*)")[0].getProperty("oxen.migration.port");
                xl("xl migrate --live " + name + " 127.0.0.1:" + port);
                assertTrue(hv.find(src.id()).isEmpty(), "the source is gone");
                gone.add(new WeakReference<>(src));
                Domain m = domain(name);
                await(() -> {
                    String out = GuestOutput.of(m);
                    return out.contains("reconnected") && lastVerifiedSeed(out) > seedBefore;
                }, () -> name + " verified no pass after its move (last seed before it " + seedBefore + "):\n"
                        + GuestOutput.of(m));
            }
        }
        assertAllRunning(w, what);
        awaitIo(w, what);
        peakMappings = Math.max(peakMappings, grants.mappingsInUse());
        peakPorts = Math.max(peakPorts, dom0Ports.portsInUse());
        done[kind]++;
    }

    /** Ends the workload: the I/O clients shut down and check their data, the rest is destroyed; all held weakly. */
    private void finish(Workload w) throws Exception {
        List<String> checked = new ArrayList<>(w.blk());
        checked.add(w.client());
        for (String name : checked) {
            Domain d = domain(name);
            xl("xl shutdown -w " + name);
            String out = GuestOutput.of(d);
            assertEquals(Optional.of(ShutdownReason.POWEROFF), d.shutdownReason(), out);
            assertTrue(out.strip().endsWith("RESULT: PASS"), name + ":\n" + out);
        }
        for (String name : w.all()) {
            Domain d = domain(name);
            gone.add(new WeakReference<>(d));
            xl("xl destroy " + d.id());
        }
    }

    @Test
    void domainsChurnBackendsAndSchedulersSwapBalloonsAndMigrationsLeakNothing() throws Exception {
        long seconds = property("oxen.soak.seconds", 15);
        int busy = (int) property("oxen.soak.busy", 8);
        // warm-up: one round of each kind (thread pools, class loading, a bundle's first update are not leaks)
        Workload warm = start("warm", 1);
        for (int k = 0; k < KINDS.length; k++) round(warm, k, k);
        finish(warm);
        await(() -> hv.list().stream().noneMatch(d -> ownsDomain(d.name())), () -> "warm-up domains gone: " + hv.list());
        java.util.Arrays.fill(done, 0);
        gone.clear();
        peakMappings = peakPorts = 0;
        Thread.sleep(500);
        Held before = held();

        long t0 = System.nanoTime();
        Workload w = start("run", busy);
        int rounds = 0;
        long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end || rounds < KINDS.length) {
            round(w, rounds % KINDS.length, rounds);
            rounds++;
            if (rounds % 12 == 0) {
                System.out.printf("xl soak: %d rounds, %d s, free frames %d%n", rounds,
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0), hv.freeFrames());
            }
        }
        finish(w);
        long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);

        // destruction completes on the hypervisor's and the backends' threads: wait (bounded) until all is back
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Held after;
        long reachable;
        do {
            Thread.sleep(200);
            after = held();
            reachable = gone.stream().filter(r -> r.get() != null).count();
        } while ((reachable > 0 || after.freeFrames() != before.freeFrames() || after.ports() != before.ports()
                || after.grantMappings() != before.grantMappings() || after.xenstoreNodes() != before.xenstoreNodes()
                || after.threads() > before.threads() || after.openFiles() > before.openFiles())
                && System.nanoTime() < until);
        System.out.printf("xl soak: %d s, %d busy domains, 2 blkfront, 2 netfront, 1 balloon; %d rounds: %d created and"
                + " destroyed, %d blkback swaps, %d netback swaps, %d scheduler swaps, %d ballooned, %d migrated live%n"
                + "xl soak leak report: free frames %d -> %d; Domain-0 ports %d -> %d (%d at most during the run);"
                + " Domain-0 grant mappings %d -> %d (%d at most);"
                + " xenstore nodes %d -> %d; threads %d -> %d; open files %d -> %d; heap after GC %d -> %d MiB;"
                + " destroyed domains still reachable %d of %d; internal errors %d%n", elapsed, busy, rounds, done[0], done[1],
                done[2], done[3], done[4], done[5], before.freeFrames(), after.freeFrames(), before.ports(), after.ports(),
                peakPorts, before.grantMappings(), after.grantMappings(), peakMappings, before.xenstoreNodes(), after.xenstoreNodes(),
                before.threads(), after.threads(), before.openFiles(), after.openFiles(), before.heapMiB(), after.heapMiB(),
                reachable, gone.size(), hv.internalErrors());
        for (int k = 0; k < KINDS.length; k++) assertTrue(done[k] > 0, KINDS[k] + " never ran");
        // the counts are live: blkback's persistent grants and the connected rings' ports were seen
        assertTrue(peakMappings > 0 && peakPorts > 0, "Domain-0's grant mappings and ports during the run: " + peakMappings
                + ", " + peakPorts);
        assertEquals(0, reachable, "destroyed domains still reachable after GC");
        assertEquals(before.freeFrames(), after.freeFrames(), "free frames");
        assertEquals(before.ports(), after.ports(), "Domain-0's event ports in use");
        assertEquals(before.grantMappings(), after.grantMappings(), "Domain-0's grant mappings");
        assertEquals(before.xenstoreNodes(), after.xenstoreNodes(), "xenstore nodes");
        assertTrue(after.threads() <= before.threads(), "threads: " + before.threads() + " before, " + after.threads() + " after");
        assertTrue(after.openFiles() <= before.openFiles(), "open files: " + before.openFiles() + " before, "
                + after.openFiles() + " after");
        assertEquals(0, hv.internalErrors());
    }
}
