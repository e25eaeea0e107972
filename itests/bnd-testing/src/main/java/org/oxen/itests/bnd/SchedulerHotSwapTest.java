package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.guests.GuestImages;
import org.oxen.guests.GuestImages.Flavor;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.Hypervisor;

/**
 * In the style of Felix SCR's ServiceBindGreedyTest: the Hypervisor holds a dynamic, greedy,
 * multiple reference to the scheduler services; 16 cpubench domains that run until destroyed
 * (repeat=0: each round's checksum is checked by the guest) survive stopping, starting and
 * updating the bundle of the scheduler that runs them (each time Pool-0 moves to the default
 * scheduler of the moment first, Xen's sched_move_domain per domain). Meanwhile the domains
 * migrate between Pool-0 and a second pool ("mig", Round Robin, pCPU 1) between every step, so
 * bundle swaps and cpupool migrations interleave. After every step every domain is still
 * running; at the end each has retired instructions since the start and passed checked rounds.
 */
class SchedulerHotSwapTest {

    static final String CMDLINE = "loop=100000 mix=1 repeat=0";

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    @InjectBundleContext
    BundleContext context;

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().equals(bsn)) return b;
        }
        throw new AssertionError("no bundle " + bsn);
    }

    private String pool0() {
        return hv.pools().get(0).scheduler();
    }

    private static void await(BooleanSupplier c, String what) throws InterruptedException {
        await(c, () -> what);
    }

    private static void await(BooleanSupplier c, java.util.function.Supplier<String> what) throws InterruptedException {
        await(c, what, 30);
    }

    private static void await(BooleanSupplier c, java.util.function.Supplier<String> what, int seconds)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out: " + what.get());
            Thread.sleep(10);
        }
    }

    /** Moves every other domain to the other pool: half of them change pools at each call. */
    private void migrateHalf(List<Domain> ds, int round) {
        for (int i = round % 2; i < ds.size(); i += 2) {
            int domid = ds.get(i).id();
            String target = hv.pools().stream()
                    .filter(p -> p.domains().contains(domid)).findFirst()
                    .map(p -> p.name().equals("mig") ? "Pool-0" : "mig").orElseThrow();
            hv.migrate(domid, target);
        }
    }

    /** Every domain is alive (not shut down, not crashed) and has printed no failure. */
    private void assertAllRunning(List<Domain> ds, String after) {
        assertEquals(ds.size(), hv.list().size(), "after " + after);
        for (Domain d : ds) {
            assertTrue(d.shutdownReason().isEmpty(), () -> "after " + after + ": " + d.name() + " ended: "
                    + d.shutdownReason() + "\n" + GuestOutput.of(d) + "\n" + String.join("\n", hv.dmesg()));
            assertTrue(!GuestOutput.of(d).contains("RESULT: FAIL"), () -> "after " + after + ": " + d.name() + "\n"
                    + GuestOutput.of(d));
        }
    }

    private static long instructions(Domain d) {
        return d.vcpus().stream().mapToLong(v -> v.instructions()).sum();
    }

    @Test
    void sixteenDomainsSurviveStopStartUpdateOfTheirScheduler() throws Exception {
        Bundle credit = bundle("org.oxen.sched.credit");
        assertEquals("credit", pool0());
        long free = hv.freeFrames();
        List<Domain> ds = new ArrayList<>();
        hv.removePoolCpu("Pool-0", 1);
        hv.createPool("mig", "rr", List.of(1));
        try {
            for (int i = 0; i < 16; i++) {
                ds.add(hv.create(DomainConfig.builder("swap" + i).kernel(GuestImages.load(Flavor.PV, "cpubench"))
                        .memoryMiB(8).cmdline(CMDLINE).build()));
                hv.setSchedulerParams(ds.get(i).id(), java.util.Map.of("weight", String.valueOf(128 << (i % 4))));
            }
            long[] before = ds.stream().mapToLong(SchedulerHotSwapTest::instructions).toArray();
            assertAllRunning(ds, "create");
            migrateHalf(ds, 0);
            assertAllRunning(ds, "migration 1");
            // stop: the unbind moves Pool-0 to the next default before it returns
            credit.stop();
            String interim = pool0();
            assertNotEquals("credit", interim);
            assertAllRunning(ds, "stopping credit");
            migrateHalf(ds, 1);
            assertAllRunning(ds, "migration 2");
            assertEquals(16, hv.pools().stream().mapToInt(p -> p.domains().size()).sum());
            Thread.sleep(200);
            migrateHalf(ds, 0);
            assertAllRunning(ds, "migration 3");
            // start: Credit is the default again and Pool-0 goes back to it, weights start anew
            credit.start();
            await(() -> "credit".equals(pool0()), "Pool-0 back on credit");
            assertAllRunning(ds, "starting credit");
            migrateHalf(ds, 1);
            assertAllRunning(ds, "migration 4");
            Thread.sleep(200);
            // update the interim scheduler's bundle (nothing runs on it: a no-op for the domains)
            bundle("org.oxen.sched." + interim).update();
            assertAllRunning(ds, "updating " + interim);
            // update Credit itself: out to the default of the moment, back in when it re-registers
            migrateHalf(ds, 0);
            assertAllRunning(ds, "migration 5");
            credit.update();
            await(() -> "credit".equals(pool0()), "Pool-0 on credit after the update");
            assertAllRunning(ds, "updating credit");
            migrateHalf(ds, 1);
            assertAllRunning(ds, "migration 6");
            // each domain still makes progress after all of it (all 16 now share pCPU 1, so a
            // loaded host may take a while: this is liveness, not speed)
            for (int i = 0; i < ds.size(); i++) {
                Domain d = ds.get(i);
                long was = before[i];
                await(() -> instructions(d) > was && GuestOutput.of(d).contains("cpubench: round="),
                        () -> d.name() + " progressing (" + was + " instructions at the start, " + instructions(d)
                                + " now, state " + d.state() + ", pools " + hv.pools() + ")\n" + GuestOutput.of(d)
                                + "\n" + String.join("\n", hv.dmesg()), 120);
            }
            assertAllRunning(ds, "the end");
            assertEquals(0, hv.internalErrors());
            assertTrue(hv.dmesg().stream().noneMatch(l -> l.contains("BUG")), () -> String.join("\n", hv.dmesg()));
        } finally {
            if (credit.getState() != Bundle.ACTIVE) credit.start();
            for (Domain d : ds) {
                if (hv.find(d.id()).isPresent()) hv.destroy(d.id());
            }
            hv.destroyPool("mig");
            hv.addPoolCpu("Pool-0", 1);
        }
        assertEquals(List.of(0, 1), hv.pools().get(0).cpus());
        assertEquals(free, hv.freeFrames(), "frames leaked");
    }
}
