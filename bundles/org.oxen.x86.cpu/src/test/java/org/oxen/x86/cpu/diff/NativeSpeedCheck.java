package org.oxen.x86.cpu.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Manual speed check of the native side of the differential tester (not a test). */
final class NativeSpeedCheck {
    public static void main(String[] args) throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        try (NativeHarness h = NativeHarness.start()) {
            for (DiffRunner.Family f : CpuDiffTest.families()) {
                List<TestCase> cases = new ArrayList<>();
                for (int i = 0; i < 4096; i++) {
                    cases.add(f.generator.apply(r));
                }
                for (int round = 0; round < 2; round++) {
                    long t0 = System.nanoTime();
                    h.send(cases);
                    Result[] res = new Result[cases.size()];
                    h.receive(cases, res);
                    System.out.println(f.name + ": " + (System.nanoTime() - t0) / cases.size() + " ns/case");
                }
            }
        }
    }
}
