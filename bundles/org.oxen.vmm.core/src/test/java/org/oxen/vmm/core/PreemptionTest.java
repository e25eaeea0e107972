package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.GuestClock;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.time.DeterministicTime;

/**
 * Issue 24 F3/F4 with the guest kit's {@code hostile attack=long_mmu}: one multicall entry
 * holding one mmu_update over up to 16M requests (a 256 MiB window aliasing one page of
 * requests that hook and unhook an L1); and with {@code longcalls}, every long hypercall
 * (mmu_update, mmuext_op, multicall, memory_op's reservation ops and exchange, grant copy)
 * directly and inside a multicall.
 */
class PreemptionTest {

    /** Runs {@code longcalls} to its end and returns its console output. */
    static String longcalls(Vmm vmm, String name, GuestClock clock, int n) throws Exception {
        Domain d = vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "longcalls"))
                .memoryMiB(32).clock(clock).cmdline("n=" + n).build());
        assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), name + " never finished: " + d.consoleOutput());
        String out = d.consoleOutput();
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(), d.crashMessage().orElse("") + "\n" + out);
        assertTrue(out.contains("RESULT: PASS"), out);
        vmm.destroy(d.id());
        return out;
    }

    /**
     * F3, each long hypercall: under the instruction clock a hypercall continues itself after
     * every {@link DeterministicTime#PREEMPT_CHECKS} items, so where the last continuation left
     * its arguments (the registers of a direct call, the entry of a multicall: Xen's
     * hypercall_create_continuation and do_multicall's translation) is known exactly: the
     * request pointer and count (| MMU_UPDATE_PREEMPTED for mmu_update and mmuext_op), the
     * multicall's list and count, memory_op's start extent above MEMOP_EXTENT_SHIFT, grant
     * copy's uop and count. The guest checks every call's outcome is that of one uninterrupted
     * call (done counts, results, pins, frames, the reservation, the bytes copied). On code
     * that never continues, every line says "never continued" and the extent bits stay 0.
     */
    @Test
    void everyLongHypercallContinuesWhereItStopped_F3() throws Exception {
        int n = 3000;
        int step = DeterministicTime.PREEMPT_CHECKS;
        Vmm vmm = new Vmm(128L << 20, 1);
        try {
            long free = vmm.freeFrames();
            String out = longcalls(vmm, "longcalls", GuestClock.INSTRUCTIONS, n);
            int m = (n - 1) | 1; // mmuext_op: an odd number of pin/unpin
            int last = (n - 1) / step * step, lastM = (m - 1) / step * step;
            assertTrue(last > 0, "n must exceed one preemption step");
            String cont = "rc 0, last continuation at item %d with count %#x";
            for (String line : List.of(
                    "mmu_update: " + String.format(cont, last, (n - last) | 0x80000000),
                    "multicall[mmu_update]: " + String.format(cont, last, (n - last) | 0x80000000),
                    "mmuext_op: " + String.format(cont, lastM, (m - lastM) | 0x80000000),
                    "multicall[mmuext_op]: " + String.format(cont, lastM, (m - lastM) | 0x80000000),
                    "multicall[xen_version x n]: " + String.format(cont, last, n - last),
                    String.format("memory_op decrease_reservation: %d extents, command after %#x (extent %d)", n,
                            1 | last << 6, last),
                    String.format("memory_op populate_physmap: %d extents, command after %#x (extent %d)", n,
                            6 | last << 6, last),
                    String.format("multicall[memory_op decrease_reservation]: %d extents, command after %#x (extent %d)",
                            n, 1 | last << 6, last),
                    String.format("multicall[memory_op populate_physmap]: %d extents, command after %#x (extent %d)",
                            n, 6 | last << 6, last),
                    "memory_op exchange: rc 0, nr_exchanged " + n,
                    "multicall[memory_op exchange]: rc 0, nr_exchanged " + n,
                    "grant_table_op copy: " + String.format(cont, last, n - last),
                    "multicall[grant_table_op copy]: " + String.format(cont, last, n - last))) {
                assertTrue(out.contains("longcalls: " + line + "\n"), "missing '" + line + "' in\n" + out);
            }
            assertEquals(0, vmm.internalErrors());
            assertEquals(free, vmm.freeFrames(), "every frame back after the domain");
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * F3 under the host's clock: the same calls continued wherever a millisecond ran out (here
     * beside a busy neighbour on one pCPU, so anywhere) give the same outcomes.
     */
    @Test
    void longHypercallsContinuedAnywhereGiveTheSameOutcome_F3() throws Exception {
        Vmm vmm = new Vmm(128L << 20, 1);
        try {
            Domain busy = vmm.create(DomainConfig.builder("busy").kernel(GuestImages.load(GuestImages.Flavor.PV, "cpubench"))
                    .memoryMiB(8).cmdline("loop=200000 mix=50 repeat=0").build());
            longcalls(vmm, "longcalls", GuestClock.REAL, 4096);
            assertEquals(DomainState.RUNNING, busy.state(), busy.consoleOutput());
            vmm.destroy(busy.id());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    static DomainConfig longMmu(String name, int reqs, boolean forever) {
        return DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "hostile")).memoryMiB(8)
                .cmdline("attack=long_mmu reqs=" + reqs + (forever ? " forever=1" : "")).build();
    }

    /**
     * F3: the mmu_update inside the multicall used to run to its end in one go (24.8 s for
     * 13.1M requests). It now continues itself through the multicall: every request is done,
     * and the entry holds its last continuation's arguments (count | MMU_UPDATE_PREEMPTED), as
     * Xen leaves them.
     */
    @Test
    void longMmuUpdateInAMulticallIsPreempted_F3() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free = vmm.freeFrames();
            String out = IsolationTest.run(vmm, "long", "attack=long_mmu reqs=200000");
            assertTrue(out.contains("(preempted)"), out);
            assertEquals(0, vmm.internalErrors());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * F3, the scheduler's view: on one pCPU, a domain inside back-to-back multicalls of 16M
     * mmu_update requests each (about half a minute of work per call) beside a CPU-bound
     * neighbour. Over the window each gets a fair part of the pCPU as the scheduler accounts it
     * (at least a quarter of what the two used; Credit gives each about half), and the
     * neighbour retires millions of instructions. On code that never continues a hypercall the
     * neighbour gets nothing until the first multicall ends; on code where a continuation ended
     * the vcpu's slice (a yield), the busy domain got 1 ms for every 30 ms slice of its neighbour.
     */
    @Test
    void aNeighbourKeepsItsShareBesideALongMulticall_F3() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            Domain neighbour = vmm.create(DomainConfig.builder("neighbour")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "cpubench")).memoryMiB(8)
                    .cmdline("loop=200000 mix=2 repeat=0").build());
            // warm first (a cold JVM runs a 200,000-instruction chunk, the unit between the pCPU's
            // looks at the slice's budget, for a good part of a slice): a few rounds alone
            long t0 = System.nanoTime();
            awaitOutput(neighbour, "round=5 ");
            long t1 = System.nanoTime();
            Domain busy = vmm.create(longMmu("busy", 1 << 24, true));
            awaitOutput(busy, "long multicalls running");
            org.oxen.vmm.api.Vcpu n = neighbour.vcpus().get(0), b = busy.vcpus().get(0);
            long n0 = n.cpuTimeNanos(), b0 = b.cpuTimeNanos(), i0 = n.instructions(), w0 = System.nanoTime();
            // the window: 1.5 s, longer on a loaded host until the neighbour retired 5M instructions
            // (about a third of what it does in 1.5 s alone; at most 60 s): the host's stalls land
            // in whichever vcpu holds the pCPU, and more slices in the window even them out (a
            // clean-clone CI at load ~45 failed here once)
            do {
                Thread.sleep(50);
            } while (System.nanoTime() - w0 < TimeUnit.MILLISECONDS.toNanos(1500)
                    || n.instructions() - i0 < 5_000_000 && System.nanoTime() - w0 < TimeUnit.SECONDS.toNanos(60));
            long dn = n.cpuTimeNanos() - n0, db = b.cpuTimeNanos() - b0, di = n.instructions() - i0;
            System.out.printf("F3 share: neighbour %.1f ms (%d instructions), busy domain in its multicall %.1f ms;"
                    + " window %.1f s (warm-up %.1f s, busy start %.1f s)%n", dn / 1e6, di, db / 1e6,
                    (System.nanoTime() - w0) / 1e9, (t1 - t0) / 1e9, (w0 - t1) / 1e9);
            assertTrue(db > 0, "the busy domain never ran");
            String shares = String.format("the neighbour got %.1f ms of the pCPU (%d instructions), the busy domain %.1f ms",
                    dn / 1e6, di, db / 1e6);
            assertTrue(dn * 4 >= dn + db, shares);
            // and the other way round: continuing a hypercall is no yield, the busy domain keeps its share too
            assertTrue(db * 4 >= dn + db, shares);
            assertTrue(di >= 1_000_000, "the neighbour retired only " + di + " instructions");
            assertEquals(DomainState.RUNNING, busy.state());
            vmm.destroy(busy.id());
            vmm.destroy(neighbour.id());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    /** Waits (at most 60 s) for {@code line} in the domain's console_io output. */
    static void awaitOutput(Domain d, String line) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!d.consoleOutput().contains(line) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(d.consoleOutput().contains(line), d.consoleOutput());
    }

    /**
     * F4: destroying a domain whose vcpu sits in such a call used to fail ("did not leave its
     * pCPU within 10 s"), leave it dying for good with its frames, and ignore a second destroy.
     * Now its vcpu stops at the next preemption point: destroy completes, every frame returns,
     * a second destroy says the domain is gone, racing destroys are harmless, and the
     * hypervisor shuts down without errors. Its neighbour keeps running throughout.
     */
    @Test
    void aDomainInALongHypercallIsDestroyedAndItsFramesReturn_F4() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free = vmm.freeFrames();
            for (int round = 0; round < 3; round++) {
                Domain d = vmm.create(longMmu("busy" + round, 1 << 24, true));
                awaitOutput(d, "long multicalls running");
                Thread.sleep(100); // inside the multicall by now
                assertEquals(DomainState.RUNNING, d.state());
                if (round < 2) {
                    vmm.destroy(d.id());
                } else {
                    // two destroys racing
                    CountDownLatch go = new CountDownLatch(1);
                    List<Throwable> errors = new ArrayList<>();
                    Thread[] t = new Thread[2];
                    for (int i = 0; i < 2; i++) {
                        t[i] = new Thread(() -> {
                            try {
                                go.await();
                                vmm.destroy(d.id());
                            } catch (IllegalArgumentException gone) {
                                // the other one finished first
                            } catch (Throwable e) {
                                synchronized (errors) {
                                    errors.add(e);
                                }
                            }
                        });
                        t[i].start();
                    }
                    go.countDown();
                    for (Thread x : t) x.join(30_000);
                    assertTrue(errors.isEmpty(), errors.toString());
                }
                assertFalse(vmm.find(d.id()).isPresent(), "still listed after destroy");
                assertEquals(free, vmm.freeFrames(), "frames of round " + round);
                assertThrows(IllegalArgumentException.class, () -> vmm.destroy(d.id()));
            }
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
        for (String line : vmm.dmesg()) {
            assertFalse(line.contains("BUG") || line.contains("Exception") || line.contains("failed"), line);
        }
    }
}
