package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.FramePool;

/**
 * The scale run at CI size (issue 22; {@code ScaleBenchmark} runs 1,000): 100 idle kit domains
 * ({@code sleeper} blocked on a 10-minute timer, 4 MiB each) on one hypervisor whose machine
 * memory reaches above 4 GiB. Every domain is alive and blocked; every frame of the pool is
 * accounted for (free, or a domain's: its RAM, shared_info and grant frame, or Xen's for it: the
 * per-domain L1 and the vcpu's low L3); the host holds only the pages the domains touched; after
 * destruction every frame is free and every page given back.
 */
class ScaleTest {

    static final int MIB = 4;

    static Domain createIdle(Vmm vmm, String name) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "sleeper"))
                .memoryMiB(MIB).cmdline("count=1 period_us=600000000").build());
    }

    /** Waits until every domain is blocked; returns how many are. */
    static long awaitBlocked(List<Domain> ds, long seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (ds.stream().anyMatch(d -> d.state() != DomainState.BLOCKED) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        return ds.stream().filter(d -> d.state() == DomainState.BLOCKED).count();
    }

    @Test
    void aHundredIdleDomainsAreBlockedAccountedAndFreed() throws Exception {
        int n = 100;
        Vmm vmm = new Vmm(4608L << 20, 2); // 4.5 GiB of RAM: 0..3 GiB and 4..5.5 GiB
        try {
            FramePool pool = vmm.pool();
            long base = pool.ram().committedBytes();
            List<Domain> ds = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ds.add(createIdle(vmm, "idle" + i));
            }
            assertEquals(n, awaitBlocked(ds, 300), "all blocked");
            assertEquals(n, vmm.list().size(), "the idle domains are listed");
            for (Domain d : ds) {
                assertEquals(DomainState.BLOCKED, d.state(), d.name());
                assertTrue(d.consoleOutput().isEmpty() || !d.consoleOutput().contains("RESULT: FAIL"), d.consoleOutput());
            }
            long owned = 0, xen = 0;
            for (Domain d : ds) {
                DomainImpl di = (DomainImpl) d;
                int frames = pool.framesOf(d.id()).length;
                // its RAM (tot_pages), shared_info and its grant table's frame
                assertEquals(d.memoryPages() + 2, frames, d.name() + " owns its RAM, shared_info and a grant frame");
                assertEquals(MIB << 8, d.memoryPages(), d.name());
                assertTrue(di.memory().lowL3(0) < FramePool.LOW_LIMIT_FRAMES);
                owned += frames;
                xen += di.memory().perdomainL1s().length + di.memory().lowL3s().length;
            }
            assertEquals(pool.poolFrames(), pool.freeFrames() + owned + xen, "every frame of the pool is accounted for");
            long touched = pool.ram().committedBytes() - base;
            // an idle sleeper touches ~190 KiB: its image, page tables, P2M list, start_info, the
            // cleared part of its BSS, the stack it runs on (ScaleBenchmark); not its 4 MiB
            assertTrue(touched < (long) n * (512 << 10),
                    "idle domains hold what they touched, not their size: " + (touched >> 10) + " KiB for " + n);
            for (Domain d : ds) {
                vmm.destroy(d.id());
            }
            assertEquals(0, vmm.list().size(), "none is left");
            assertEquals(pool.poolFrames(), pool.freeFrames(), "every frame is free again");
            assertEquals(base, pool.ram().committedBytes(), "every page the domains touched is given back");
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
