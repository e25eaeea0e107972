package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * Writable page tables (issue 15): the emulation of a PV guest's stores into its own L1 tables
 * with validation, through real kit kernels.
 */
class WritablePageTablesTest {

    static Vmm vmm;

    @BeforeAll
    static void start() {
        vmm = new Vmm(128L << 20, 1);
    }

    @AfterAll
    static void stop() {
        vmm.shutdown();
    }

    static String run(Domain d) throws Exception {
        boolean done = d.awaitShutdown(60, TimeUnit.SECONDS);
        String out = d.consoleOutput();
        if (!out.contains("RESULT: PASS") || Boolean.getBoolean("oxen.verbose")) {
            System.out.println("---- " + d.name() + " ----\n" + out);
            vmm.dmesg().forEach(System.out::println);
        }
        assertTrue(done, "no shutdown within 60 s:\n" + out);
        assertTrue(out.contains("RESULT: PASS"), out);
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        return out;
    }

    /**
     * ptwrite requires writable_page_tables in its ELF notes (the builder used to refuse it),
     * writes its own PTEs with plain stores, xchg and mov-immediate, and has its hostile stores
     * (a victim domain's frame, MMIO, its L1 writable through itself, an L2 entry at a data
     * page) fault back to it with the entry unchanged, beside mmu_update's refusals.
     */
    @Test
    void aKernelRequiringWritablePageTablesWritesItsOwnEntries() throws Exception {
        long free = vmm.freeFrames();
        DomainImpl victim = (DomainImpl) vmm.create(DomainConfig.builder("victim")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
        int foreign = victim.memory().p2m(0);
        byte[] before = IsolationTest.frame(vmm, foreign);
        Domain d = vmm.create(DomainConfig.builder("ptwrite").kernel(GuestImages.load(GuestImages.Flavor.PV, "ptwrite"))
                .memoryMiB(16).cmdline("foreign=0x" + Integer.toHexString(foreign)).build());
        String out = run(d);
        assertTrue(out.contains("writable_pagetables assist on"), out);
        for (String attack : new String[] {"map a frame of another domain", "map an MMIO frame", "map the L1 writable through itself",
                "point an L2 entry at a data page"}) {
            assertTrue(out.matches("(?s).*" + attack + "[^\\n]* store -> #PF 0x3 at 0x[0-9a-f]+; mmu_update -> -\\d+\n.*"),
                    attack + ":\n" + out);
        }
        assertArrayEquals(before, IsolationTest.frame(vmm, foreign));
        vmm.destroy(d.id());
        vmm.destroy(victim.id());
        assertEquals(free, vmm.freeFrames());
        assertEquals(0, vmm.internalErrors());
    }

    /**
     * Benchmark (not in CI): the cost of one page-table update per mode, the same kit workload
     * (remapping one window page N times): stores emulated by writable page tables (+ INVLPG),
     * update_va_mapping, mmu_update (+ INVLPG), each on direct page tables and in shadow mode,
     * in one run. {@code -Doxen.bench=true -Doxen.ptwrite.n=N}.
     */
    @Test
    void pageTableUpdateCostBenchmark() throws Exception {
        assumeTrue(Boolean.getBoolean("oxen.bench"), "benchmark: -Doxen.bench=true");
        int n = Integer.getInteger("oxen.ptwrite.n", 20000);
        DomainImpl victim = (DomainImpl) vmm.create(DomainConfig.builder("victim-b")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
        for (boolean shadow : new boolean[] {false, true}) {
            Domain d = vmm.create(DomainConfig.builder("ptwrite-bench").kernel(GuestImages.load(GuestImages.Flavor.PV, "ptwrite"))
                    .memoryMiB(16).cmdline("foreign=0x" + Integer.toHexString(victim.memory().p2m(0)) + " bench=" + n)
                    .startPaused(true).build());
            if (shadow) vmm.shadowEnable(d.id());
            vmm.unpause(d.id());
            String out = run(d);
            String mode = shadow ? "shadow" : "direct";
            out.lines().filter(l -> l.startsWith("BENCH")).forEach(l -> System.out.println(mode + ": " + l));
            if (shadow) System.out.println(vmm.shadowStatistics(d.id()));
            assertTrue(out.contains("BENCH ptwrite n=" + n), out);
            vmm.destroy(d.id());
        }
        vmm.destroy(victim.id());
    }

    /** The kit's paging program with pg_set storing its L1 entries itself (vm_assist enabled). */
    @Test
    void pagingPassesWithWritablePageTables() throws Exception {
        long free = vmm.freeFrames();
        Domain d = vmm.create(DomainConfig.builder("paging-wpt").kernel(GuestImages.load(GuestImages.Flavor.PV, "paging"))
                .memoryMiB(16).cmdline("expect_mem_mib=16 wpt").build());
        String out = run(d);
        assertTrue(out.contains("vm_assist(enable, writable_pagetables)         -> 0 ok"), out);
        vmm.destroy(d.id());
        assertEquals(free, vmm.freeFrames());
        assertEquals(0, vmm.internalErrors());
    }
}
