package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.sched.rr.RoundRobinFactory;
import org.oxen.vmm.api.CpuPoolInfo;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;

/**
 * The core drives vcpus through org.oxen.sched.api: Credit as the default, CPU pools, moves
 * between schedulers (DomainMove) and a scheduler leaving while domains run.
 */
class SchedPoolTest {

    static byte[] spinner() {
        return new MiniGuest().bytes(0xEB, 0xFE).image(); // jmp .
    }

    static Domain cpubench(Vmm vmm, String name, int loop) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "cpubench"))
                .memoryMiB(8).cmdline("loop=" + loop + " mix=2").build());
    }

    static void awaitPass(Domain d) throws InterruptedException {
        assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.name() + ":\n" + d.consoleOutput());
        assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.name() + ":\n" + d.consoleOutput());
    }

    /**
     * Credit is the default and takes its parameters through the core. How weights share a
     * pCPU is CreditSchedulerTest's (the simulator's deterministic clock); here both domains
     * only have to get CPU time.
     */
    @Test
    void creditIsTheDefaultAndTakesItsParameters() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1, new CreditFactory());
        try {
            assertEquals("credit", vmm.pools().get(0).scheduler());
            assertEquals("credit", vmm.schedulers().get(0).name());
            Domain a = vmm.create(DomainConfig.builder("a").kernel(spinner()).memoryMiB(4).startPaused(true).build());
            Domain b = vmm.create(DomainConfig.builder("b").kernel(spinner()).memoryMiB(4).startPaused(true).build());
            assertEquals("256", vmm.schedulerParams(a.id()).get("weight"));
            vmm.setSchedulerParams(b.id(), Map.of("weight", "768"));
            assertEquals("768", vmm.schedulerParams(b.id()).get("weight"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> vmm.setSchedulerParams(a.id(), Map.of("weight", "0")));
            assertTrue(e.getMessage().contains("weight"), e.getMessage());
            assertEquals("256", vmm.schedulerParams(a.id()).get("weight"), "a refused value changes nothing");
            vmm.unpause(a.id());
            vmm.unpause(b.id());
            for (Domain d : List.of(a, b)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (d.vcpus().get(0).instructions() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertTrue(d.vcpus().get(0).instructions() > 0, d.name() + " never ran");
            }
            vmm.destroy(a.id());
            vmm.destroy(b.id());
            assertEquals(0, vmm.schedCore().twoPcpuViolations());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void poolsMigrationAndASchedulerLeavingWhileDomainsRun() throws Exception {
        Vmm vmm = new Vmm(128L << 20, 2);
        CreditFactory credit = new CreditFactory();
        RoundRobinFactory rr = new RoundRobinFactory();
        try {
            assertEquals("fallback", vmm.pools().get(0).scheduler());
            assertTrue(vmm.addScheduler(credit, true, 1000));
            assertTrue(vmm.addScheduler(rr, false, 0));
            assertEquals("credit", vmm.pools().get(0).scheduler());
            assertThrows(IllegalArgumentException.class, () -> vmm.createPool("p1", "rr", List.of(1)),
                    "pCPU 1 is still in Pool-0");
            assertThrows(IllegalArgumentException.class, () -> vmm.createPool("p1", "nosuch", List.of()));
            vmm.removePoolCpu("Pool-0", 1);
            assertThrows(IllegalArgumentException.class, () -> vmm.removePoolCpu("Pool-0", 0));
            CpuPoolInfo p1 = vmm.createPool("p1", "rr", List.of(1));
            assertEquals(List.of(1), p1.cpus());
            assertEquals("rr", p1.scheduler());

            List<Domain> ds = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ds.add(cpubench(vmm, "bench" + i, 300_000));
            }
            vmm.setSchedulerParams(ds.get(0).id(), Map.of("weight", "512"));
            vmm.migrate(ds.get(0).id(), "p1");
            vmm.migrate(ds.get(1).id(), "p1");
            assertEquals(List.of(ds.get(0).id(), ds.get(1).id()), vmm.pools().get(1).domains());
            assertThrows(IllegalArgumentException.class, () -> vmm.destroyPool("p1"));
            // rr leaves: p1's domains move to credit (the default) first
            vmm.removeScheduler(rr);
            assertEquals("credit", vmm.pools().get(1).scheduler());
            vmm.migrate(ds.get(2).id(), "p1");
            // credit leaves too: everything runs on the fallback, nothing is lost
            vmm.removeScheduler(credit);
            assertEquals("fallback", vmm.pools().get(0).scheduler());
            assertTrue(vmm.addScheduler(rr, false, 0));
            assertEquals("rr", vmm.pools().get(1).scheduler(), "p1 asked for rr: it goes back");
            assertEquals("rr", vmm.pools().get(0).scheduler(), "the only scheduler is the default");
            assertTrue(vmm.addScheduler(credit, true, 1000));
            assertEquals("credit", vmm.pools().get(0).scheduler());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vmm.addPoolCpu("p1", 1));
            assertTrue(e.getMessage().contains("already"), e.getMessage());
            for (Domain d : vmm.list()) {
                awaitPass(d);
            }
            for (Domain d : vmm.list()) {
                vmm.migrate(d.id(), "Pool-0");
                vmm.destroy(d.id());
            }
            vmm.destroyPool("p1");
            vmm.addPoolCpu("Pool-0", 1);
            assertEquals(List.of(0, 1), vmm.pools().get(0).cpus());
            assertEquals(0, vmm.schedCore().twoPcpuViolations());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    /** A cpubench domain that runs rounds until destroyed (each round's checksum checked by the guest). */
    static Domain endlessCpubench(Vmm vmm, String name) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "cpubench"))
                .memoryMiB(8).cmdline("loop=100000 mix=1 repeat=0").build());
    }

    /** Every domain is alive (not shut down, not crashed) and has printed no failure. */
    static void assertAllRunning(List<Domain> ds, String when) {
        for (Domain d : ds) {
            assertTrue(d.shutdownReason().isEmpty(), when + ": " + d.name() + " ended: " + d.shutdownReason()
                    + "\n" + d.consoleOutput());
            assertFalse(d.consoleOutput().contains("RESULT: FAIL"), when + ": " + d.name() + "\n" + d.consoleOutput());
        }
    }

    /** Retired guest instructions of each domain, in list order. */
    static long[] instructions(List<Domain> ds) {
        return ds.stream().mapToLong(d -> d.vcpus().stream().mapToLong(v -> v.instructions()).sum()).toArray();
    }

    /**
     * 16 cpubench domains that run until destroyed, on 2 pCPUs: cpupool migrations back and
     * forth between a Credit and an SEDF pool, and SEDF leaving and returning, interleaved. After
     * every step every domain is still running; at the end each has retired instructions since
     * the start and completed checked rounds, and no vcpu was ever on two pCPUs.
     */
    @Test
    void sixteenDomainsSurviveMigrationsAndSchedulersComingAndGoing() throws Exception {
        Vmm vmm = new Vmm(192L << 20, 2, new CreditFactory());
        org.oxen.sched.sedf.SedfFactory sedf = new org.oxen.sched.sedf.SedfFactory();
        try {
            assertTrue(vmm.addScheduler(sedf, false, 0));
            vmm.removePoolCpu("Pool-0", 1);
            vmm.createPool("rt", "sedf", List.of(1));
            List<Domain> ds = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                ds.add(endlessCpubench(vmm, "m" + i));
            }
            long[] before = instructions(ds);
            java.util.Random r = new java.util.Random(7);
            for (int step = 0; step < 40; step++) {
                Domain d = ds.get(r.nextInt(ds.size()));
                String to = r.nextBoolean() ? "rt" : "Pool-0";
                vmm.migrate(d.id(), to);
                assertTrue(vmm.pools().stream().filter(p -> p.name().equals(to)).findFirst().orElseThrow()
                        .domains().contains(d.id()), "step " + step + ": " + d.name() + " not in " + to);
                assertAllRunning(ds, "step " + step + " (migrate " + d.name() + " to " + to + ")");
                if (step % 10 == 5) {
                    vmm.removeScheduler(sedf); // rt's domains go to credit
                    assertEquals("credit", vmm.pools().get(1).scheduler());
                    assertAllRunning(ds, "step " + step + " (sedf gone)");
                    Thread.sleep(20);
                    assertTrue(vmm.addScheduler(sedf, false, 0)); // and back to sedf
                    assertEquals("sedf", vmm.pools().get(1).scheduler());
                    assertAllRunning(ds, "step " + step + " (sedf back)");
                }
                Thread.sleep(10);
            }
            // every domain still makes progress: more instructions and a checked round after the swaps
            long[] after = instructions(ds);
            for (int i = 0; i < ds.size(); i++) {
                Domain d = ds.get(i);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while ((after[i] <= before[i] || !d.consoleOutput().contains("cpubench: round="))
                        && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                    after = instructions(ds);
                }
                assertTrue(after[i] > before[i], d.name() + " retired nothing: " + before[i] + " -> " + after[i]);
                assertTrue(d.consoleOutput().contains("cpubench: round="), d.name() + ":\n" + d.consoleOutput());
            }
            assertAllRunning(ds, "the end");
            assertEquals(16, vmm.list().size());
            for (Domain d : ds) {
                vmm.migrate(d.id(), "Pool-0");
                vmm.destroy(d.id());
            }
            assertEquals(0, vmm.schedCore().twoPcpuViolations());
            assertEquals(0, vmm.internalErrors());
            assertTrue(vmm.dmesg().stream().noneMatch(l -> l.contains("BUG")), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }
}
