package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.GuestClock;
import org.oxen.vmm.api.Vcpu;

/**
 * Benchmark (not in CI, {@code -Doxen.bench=true}), issue 24 F3: the multicall of 13.1M
 * mmu_update requests (the kit's {@code hostile attack=long_mmu}) on one pCPU, alone under the
 * host clock (continued every millisecond), alone under the instruction clock (every 1,024
 * requests) and beside a CPU-bound neighbour (cpubench): the domain's run time, its multicall
 * hypercalls (1 + continuations), and the pCPU time each domain got while both ran.
 */
class PreemptionBenchmark {

    private static final int REQS = Integer.getInteger("oxen.bench.reqs", 13_100_000);

    @Test
    void longMulticall() throws Exception {
        assumeTrue(Boolean.getBoolean("oxen.bench"), "benchmark: -Doxen.bench=true");
        Vmm vmm = new Vmm(128L << 20, 1);
        try {
            run(vmm, "warm", GuestClock.REAL, 1_000_000, null);
            run(vmm, "alone, host clock", GuestClock.REAL, REQS, null);
            run(vmm, "alone, instruction clock", GuestClock.INSTRUCTIONS, REQS, null);
            Domain n = vmm.create(DomainConfig.builder("neighbour").kernel(GuestImages.load(GuestImages.Flavor.PV, "cpubench"))
                    .memoryMiB(8).cmdline("loop=200000 mix=2 repeat=0").build());
            Thread.sleep(6000); // its translator warms
            run(vmm, "beside cpubench, host clock", GuestClock.REAL, REQS, n.vcpus().get(0));
            vmm.destroy(n.id());
        } finally {
            vmm.shutdown();
        }
    }

    private static void run(Vmm vmm, String what, GuestClock clock, int reqs, Vcpu neighbour) throws Exception {
        long n0 = neighbour == null ? 0 : neighbour.cpuTimeNanos(), i0 = neighbour == null ? 0 : neighbour.instructions();
        long t0 = System.nanoTime();
        Domain d = vmm.create(DomainConfig.builder("long").kernel(GuestImages.load(GuestImages.Flavor.PV, "hostile"))
                .memoryMiB(8).clock(clock).cmdline("attack=long_mmu reqs=" + reqs).build());
        assertTrue(d.awaitShutdown(300, TimeUnit.SECONDS), d.consoleOutput());
        double secs = (System.nanoTime() - t0) / 1e9;
        Vcpu v = d.vcpus().get(0);
        String line = String.format("%s: %,d requests in %.2f s (%.0f ns each), %,d multicall hypercalls, its pCPU time %.2f s",
                what, reqs, secs, secs * 1e9 / reqs, v.hypercalls(Hypercall.MULTICALL), v.cpuTimeNanos() / 1e9);
        if (neighbour != null) {
            line += String.format("; neighbour %.2f s of pCPU, %.1f M instructions/s", (neighbour.cpuTimeNanos() - n0) / 1e9,
                    (neighbour.instructions() - i0) / secs / 1e6);
        }
        System.out.println(line);
        assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
        vmm.destroy(d.id());
    }
}
