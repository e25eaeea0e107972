package org.oxen.x86.cpu.diff;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Drives a differential run: generates cases in batches, sends batch k+1 to the native harness
 * before running batch k in oxen (so the host CPU and the JVM work in parallel), compares, and
 * keeps per-family counts and the first mismatches of each family.
 */
final class DiffRunner {
    static final int BATCH = 4096;
    static final int SHOWN_PER_FAMILY = Integer.getInteger("oxen.diff.shown", 3);
    /** Debug aid: count mismatches by the instruction text's first mnemonic per case. */
    static final boolean DETAIL = Boolean.getBoolean("oxen.diff.detail");
    final Map<String, Integer> byText = new java.util.TreeMap<>();

    /** A family: a name, its share of the cases and its generator. */
    static final class Family {
        final String name;
        final int weight;
        final Function<SplittableRandom, TestCase> generator;

        Family(String name, int weight, Function<SplittableRandom, TestCase> generator) {
            this.name = name;
            this.weight = weight;
            this.generator = generator;
        }
    }

    static final class Stats {
        long cases;
        long mismatches;
        final List<String> examples = new ArrayList<>();
    }

    final Map<String, Stats> stats = new LinkedHashMap<>();
    long total;
    long totalMismatches;

    void run(List<Family> families, long count, long seed, Function<TestCase, Result> oxen)
            throws IOException, InterruptedException {
        int weightSum = families.stream().mapToInt(f -> f.weight).sum();
        for (Family f : families) {
            stats.put(f.name, new Stats());
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        try (NativeHarness nat = NativeHarness.start()) {
            List<TestCase> pending = null;
            long generated = 0;
            while (pending != null || generated < count) {
                List<TestCase> next = null;
                if (generated < count) {
                    int n = (int) Math.min(BATCH, count - generated);
                    next = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        int w = rnd.nextInt(weightSum);
                        for (Family f : families) {
                            w -= f.weight;
                            if (w < 0) {
                                next.add(f.generator.apply(rnd));
                                break;
                            }
                        }
                    }
                    generated += n;
                }
                if (pending != null) {
                    Result[] natives = new Result[pending.size()];
                    nat.receive(pending, natives);
                    if (next != null) {
                        nat.send(next);
                    }
                    compare(pending, natives, oxen);
                } else {
                    nat.send(next);
                }
                pending = next;
            }
        }
    }

    private void compare(List<TestCase> cases, Result[] natives, Function<TestCase, Result> oxen) {
        for (int i = 0; i < cases.size(); i++) {
            TestCase c = cases.get(i);
            Stats s = stats.computeIfAbsent(c.family, k -> new Stats());
            s.cases++;
            total++;
            Result o;
            String why;
            try {
                o = oxen.apply(c);
                why = Result.diff(c, natives[i], o);
            } catch (RuntimeException e) {
                o = null;
                why = "oxen threw " + e;
            }
            if (why != null) {
                s.mismatches++;
                if (DETAIL) {
                    String key = c.text.replaceAll("\\[ebx\\+\\d+\\]", "m").replaceAll("st\\d", "sti");
                    byText.merge(key, 1, Integer::sum);
                }
                totalMismatches++;
                if (s.examples.size() < SHOWN_PER_FAMILY) {
                    s.examples.add("MISMATCH (" + why + ")\n" + c.describe() + "\n  host: " + natives[i].describe(c)
                            + "\n  oxen: " + (o == null ? "-" : o.describe(c)));
                }
            }
        }
    }

    String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%d cases, %d mismatches%n", total, totalMismatches));
        for (Map.Entry<String, Stats> e : stats.entrySet()) {
            sb.append(String.format("  %-22s %9d cases %7d mismatches%n", e.getKey(), e.getValue().cases, e.getValue().mismatches));
        }
        return sb.toString();
    }

    /** The first example of every family with mismatches (for failure messages in CI logs). */
    String firstExamples() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Stats> e : stats.entrySet()) {
            if (!e.getValue().examples.isEmpty()) {
                sb.append(e.getValue().examples.get(0)).append("\n\n");
            }
        }
        return sb.toString();
    }

    String detail() {
        StringBuilder sb = new StringBuilder();
        byText.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(60)
                .forEach(e -> sb.append(String.format("%6d  %s%n", e.getValue(), e.getKey())));
        return sb.toString();
    }

    String examples() {
        StringBuilder sb = new StringBuilder();
        for (Stats s : stats.values()) {
            for (String ex : s.examples) {
                sb.append(ex).append("\n\n");
            }
        }
        return sb.toString();
    }
}
