package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * Benchmark (not in CI, {@code -Doxen.bench=true}): what log-dirty mode costs a running domain,
 * in one run: cpubench (the x86bench workload: its stores hit a few pages over and over) and
 * ptwrite's page-table-heavy loop (N remaps by three methods), each without log-dirty, with
 * log-dirty on (every frame armed once), and with log-dirty cleaned every {@code oxen.clean.ms}
 * ms (default 50, as a migration's rounds would: every clean re-arms all frames and flushes the
 * TLBs). The guests time themselves with system time.
 */
class LogDirtyBenchmark {

    @Test
    void logDirtySlowdown() throws Exception {
        assumeTrue(Boolean.getBoolean("oxen.bench"), "benchmark: -Doxen.bench=true");
        int loop = Integer.getInteger("oxen.cpubench.loop", 5_000_000);
        int n = Integer.getInteger("oxen.ptwrite.n", 5000);
        int cleanMs = Integer.getInteger("oxen.clean.ms", 50);
        Vmm vmm = new Vmm(128L << 20, 1);
        try {
            DomainImpl victim = (DomainImpl) vmm.create(DomainConfig.builder("victim")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
            String foreign = "foreign=0x" + Integer.toHexString(victim.memory().p2m(0));
            int reps = Integer.getInteger("oxen.bench.reps", 4);
            for (int rep = 0; rep < reps; rep++) { // modes interleaved, the first repetition warms the JIT
                for (String mode : new String[] {"off", "on", "clean"}) {
                    String cpu = line(vmm, "cpubench", "loop=" + loop, mode, cleanMs, Pattern.compile("cpubench: flavor=pv.*ns=(\\d+)"));
                    String pt = line(vmm, "ptwrite", foreign + " bench=" + n, mode, cleanMs, Pattern.compile("BENCH ptwrite.*"));
                    System.out.println("rep " + rep + " log-dirty " + mode + ": " + cpu + " | " + pt);
                }
            }
        } finally {
            vmm.shutdown();
        }
    }

    private static String line(Vmm vmm, String program, String cmdline, String mode, int cleanMs, Pattern p) throws Exception {
        DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder(program + "-" + mode)
                .kernel(GuestImages.load(GuestImages.Flavor.PV, program)).memoryMiB(16).cmdline(cmdline).startPaused(true)
                .build());
        int pages = d.memory().nrPages();
        if (!mode.equals("off")) vmm.logDirtyEnable(d.id());
        vmm.unpause(d.id());
        long cleans = 0, dirty = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (!d.awaitShutdown(mode.equals("clean") ? cleanMs : 100, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no shutdown:\n" + d.consoleOutput());
            if (mode.equals("clean")) {
                for (long w : vmm.logDirtyClean(d.id(), pages)) dirty += Long.bitCount(w);
                cleans++;
            }
        }
        String out = d.consoleOutput();
        assertTrue(out.contains("RESULT: PASS"), out);
        Matcher m = p.matcher(out);
        assertTrue(m.find(), out);
        vmm.destroy(d.id());
        return m.group() + (mode.equals("clean") ? " (" + cleans + " cleans, " + dirty + " pages dirty)" : "");
    }
}
