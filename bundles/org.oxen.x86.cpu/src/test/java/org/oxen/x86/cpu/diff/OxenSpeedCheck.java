package org.oxen.x86.cpu.diff;

import java.util.SplittableRandom;

/** Manual speed check of the oxen side of the differential tester (not a test). */
final class OxenSpeedCheck {
    public static void main(String[] args) {
        OxenCpuRunner runner = OxenCpuRunner.interpreting();
        X87DirectRunner direct = new X87DirectRunner();
        SplittableRandom r = new SplittableRandom(1);
        for (DiffRunner.Family f : CpuDiffTest.families()) {
            if (args.length > 0 && !f.name.equals(args[0])) {
                continue;
            }
            TestCase[] cases = new TestCase[20000];
            for (int i = 0; i < cases.length; i++) {
                cases[i] = f.generator.apply(r);
            }
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                for (TestCase c : cases) {
                    runner.run(c);
                }
                System.out.println(f.name + ": " + (System.nanoTime() - t0) / cases.length + " ns/case");
                if (f.name.startsWith("x87")) {
                    t0 = System.nanoTime();
                    for (TestCase c : cases) {
                        direct.run(c);
                    }
                    System.out.println(f.name + " direct: " + (System.nanoTime() - t0) / cases.length + " ns/case");
                }
            }
        }
    }
}
