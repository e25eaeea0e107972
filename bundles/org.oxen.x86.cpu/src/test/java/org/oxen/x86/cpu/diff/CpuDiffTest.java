package org.oxen.x86.cpu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The differential test against the host CPU: generated instruction sequences of every family
 * run natively (32-bit, src/test/native/diffharness.c) and in oxen's CPU, comparing all GPRs,
 * EFLAGS (minus SDM-undefined flags), the memory buffer, fault vectors and the x87 state.
 *
 * <p>Cases: -Doxen.diff.cases (default 1,000,000), seed: -Doxen.diff.seed. On mismatch the
 * failure message has per-family counts; examples (bytes, listing, inputs, both results) are in
 * target/cpu-diff-mismatches.txt.
 */
class CpuDiffTest {
    static List<DiffRunner.Family> families() {
        return List.of(
                new DiffRunner.Family("alu", 20, AluGenerator::alu),
                new DiffRunner.Family("shift", 14, ShiftGenerator::shift),
                new DiffRunner.Family("muldiv", 10, MulDivGenerator::muldiv),
                new DiffRunner.Family("bitops", 8, BitOpGenerator::bitops),
                new DiffRunner.Family("bcd", 6, BcdGenerator::bcd),
                new DiffRunner.Family("string", 8, StringGenerator::string),
                new DiffRunner.Family("flags", 12, FlagConsumerGenerator::flags),
                new DiffRunner.Family("misc", 10, MiscGenerator::misc),
                new DiffRunner.Family("control", 6, ControlGenerator::control),
                new DiffRunner.Family("x87", 9, IntGenerators::x87),
                new DiffRunner.Family("x87-compare", 2, X87CompareGenerator::x87Compare),
                new DiffRunner.Family("x87-env", 1, X87Generator::envCase),
                new DiffRunner.Family("x87-transcendental", 1, r -> X87Generator.generate(r, true)),
                new DiffRunner.Family("x87-transcendental-special", 1, X87Generator::transcendentalSpecialCase));
    }

    private static java.util.Set<String> names(String csv) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String n : csv.split(",")) {
            if (!n.isBlank()) {
                out.add(n.trim());
            }
        }
        return out;
    }

    @Test
    void cpuMatchesHost() throws Exception {
        assumeTrue(NativeHarness.hostSupported(), "needs an x86 Linux host");
        long count = Long.getLong("oxen.diff.cases", 1_000_000);
        long seed = Long.getLong("oxen.diff.seed", 0x5eed0fL);
        OxenCpuRunner runner = new OxenCpuRunner();
        DiffRunner d = new DiffRunner();
        // -Doxen.diff.families=alu,x87 runs only those; -Doxen.diff.exclude=bcd skips families
        java.util.Set<String> only = names(System.getProperty("oxen.diff.families", ""));
        java.util.Set<String> skip = names(System.getProperty("oxen.diff.exclude", ""));
        List<DiffRunner.Family> run = new java.util.ArrayList<>();
        for (DiffRunner.Family f : families()) {
            if ((only.isEmpty() || only.contains(f.name)) && !skip.contains(f.name)) {
                run.add(f);
            }
        }
        if (!skip.isEmpty()) {
            System.out.println("cpu diff: excluded families " + skip);
        }
        long t0 = System.nanoTime();
        d.run(run, count, seed, runner::run);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.print(d.summary());
        System.out.println("cpu diff: " + ms + " ms");
        if (d.totalMismatches != 0) {
            Files.writeString(Paths.get("target/cpu-diff-mismatches.txt"), d.summary() + "\n" + d.detail() + "\n" + d.examples());
        }
        assertEquals(0, d.totalMismatches, () -> "differential test against the host CPU failed\n" + d.summary()
                + "first example per failing family (more in target/cpu-diff-mismatches.txt):\n" + d.firstExamples());
    }
}
