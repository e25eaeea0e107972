package org.oxen.x86.cpu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * FPU-only differential test: x87 sequences run on the host CPU and through X87.execute directly
 * (no integer core involved). Case count: -Doxen.diff.x87.cases (default 100000).
 */
class X87DiffTest {
    @Test
    void x87MatchesHost() throws Exception {
        assumeTrue(NativeHarness.hostSupported(), "needs an x86 Linux host");
        long count = Long.getLong("oxen.diff.x87.cases", 100_000);
        long seed = Long.getLong("oxen.diff.seed", 0x0c0ffeeL);
        X87DirectRunner runner = new X87DirectRunner();
        DiffRunner d = new DiffRunner();
        d.run(List.of(
                new DiffRunner.Family("x87", 9, r -> X87Generator.generate(r, false)),
                new DiffRunner.Family("x87-transcendental", 1, r -> X87Generator.generate(r, true)),
                new DiffRunner.Family("x87-env", 1, X87Generator::envCase),
                new DiffRunner.Family("x87-transcendental-special", 1, X87Generator::transcendentalSpecialCase)),
                count, seed, runner::run);
        System.out.print(d.summary());
        if (d.totalMismatches != 0) {
            java.nio.file.Files.writeString(java.nio.file.Paths.get("target/x87-diff-mismatches.txt"), d.detail() + "\n" + d.examples());
            System.out.print(d.detail());
        }
        assertEquals(0, d.totalMismatches, () -> d.summary()
                + "first example per failing family (more in target/x87-diff-mismatches.txt):\n" + d.firstExamples());
    }
}
