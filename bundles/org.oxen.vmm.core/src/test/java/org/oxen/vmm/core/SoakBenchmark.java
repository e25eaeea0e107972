package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The long soak of issue 22 (not in CI; benchmarks/soak/soak.sh): {@link Soak} beside
 * {@code oxen.soak.busy} (128) busy domains for {@code oxen.soak.seconds} (3,600), printing its
 * progress and the leak report, and failing if anything leaked.
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class SoakBenchmark {

    @Test
    void soak() throws Exception {
        Soak.Report r = Soak.run(Integer.getInteger("oxen.soak.busy", 128), Long.getLong("oxen.soak.seconds", 3600),
                System.out);
        System.out.println(r);
        assertTrue(r.leakFree(), r.toString());
    }
}
