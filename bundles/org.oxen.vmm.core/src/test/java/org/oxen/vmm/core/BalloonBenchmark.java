package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;

/**
 * Benchmark (not in CI, {@code -Doxen.bench=true}): how fast the guest kit's balloon driver gives
 * pages back and takes them back, in pages per second as the guest times itself (system time):
 * memtarget's bench mode in a 64 MiB domain, each round one target change down by {@code pages}
 * pages and one back up, the driver working in batches of 256 (one mmu_update to unmap or remap,
 * one TLB flush, one decrease_reservation or populate_physmap each). Small changes (256 pages,
 * one batch) and large ones (8,192 pages, 32 batches) interleaved, {@code oxen.bench.reps}
 * repetitions (default 3; the first warms the JIT).
 */
class BalloonBenchmark {

    private static final Pattern BENCH = Pattern.compile("memtarget: bench: out (\\d+) pages/s, in (\\d+) pages/s.*");

    @Test
    void balloonRates() throws Exception {
        assumeTrue(Boolean.getBoolean("oxen.bench"), "benchmark: -Doxen.bench=true");
        int reps = Integer.getInteger("oxen.bench.reps", 3);
        Vmm vmm = new Vmm(256L << 20, 1);
        try {
            for (int rep = 0; rep < reps; rep++) {
                for (int[] run : new int[][] {{256, 64}, {8192, 4}}) {
                    System.out.println("rep " + rep + ": " + run(vmm, run[0], run[1]));
                }
            }
        } finally {
            vmm.shutdown();
        }
    }

    private static String run(Vmm vmm, int pages, int rounds) throws Exception {
        Domain d = vmm.create(DomainConfig.builder("memtarget-" + pages)
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "memtarget")).memoryMiB(64)
                .cmdline("bench=" + rounds + " pages=" + pages).build());
        try {
            assertTrue(d.awaitShutdown(300, TimeUnit.SECONDS), "no shutdown:\n" + d.consoleOutput());
            String out = d.consoleOutput();
            assertTrue(out.contains("RESULT: PASS"), out);
            Matcher m = BENCH.matcher(out);
            assertTrue(m.find(), out);
            return m.group();
        } finally {
            vmm.destroy(d.id());
        }
    }
}
