package org.oxen.toolstack.fuzz;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.oxen.guests.GuestImages;
import org.oxen.toolstack.xl.ConfigTextCreator;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.ForeignMemory;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.Xenstore;

/**
 * One campaign: {@code seeds} runs of the guest kit's {@code fuzz} ({@code calls} hypercalls each,
 * seeds {@code firstSeed}, {@code firstSeed + 1}, ...) one after another beside {@code victims}
 * victim domains, then the isolation oracle:
 * <ul>
 * <li>each fuzzer powered off with PASS (its own sanity held through every batch), or with
 *     {@code die} crashed by its fatal act and nothing else;</li>
 * <li>after each run every victim runs, saw no change in its memory, and Domain-0 finds its
 *     pattern in the frames its index lists, through its grant, and gets its event back;</li>
 * <li>after the victims are destroyed Domain-0 is as before ({@link Dom0State}: free frames,
 *     domains, every xenstore node, internal errors) and its event ports to them are unbound
 *     (then closed by the campaign).</li>
 * </ul>
 * The result is one line: {@code fuzz campaign: PASS ...} or {@code fuzz campaign: FAIL ...}
 * with the first problems.
 *
 * <p>Not thread-safe: one campaign runs on its caller's thread.
 */
final class Campaign {

    /** What to run; {@code rng} is the kit fuzzer's generator (its {@code rng=}: 1 session 10's, to replay its seeds). */
    record Spec(int firstSeed, int seeds, int calls, int victims, boolean xs, boolean die, DeviceAndHvmRuns.Spec mixed,
                int rng) {
        /** The kit fuzzer's generator when none is named. */
        static final int DEFAULT_RNG = 2;

        Spec {
            if (seeds < 1 || calls < 1 || victims < 0) throw new IllegalArgumentException("seeds and calls must be positive");
            if (rng != 1 && rng != DEFAULT_RNG) throw new IllegalArgumentException("generator " + rng + ": 1 or 2");
        }

        Spec(int firstSeed, int seeds, int calls, int victims, boolean xs, boolean die) {
            this(firstSeed, seeds, calls, victims, xs, die, DeviceAndHvmRuns.Spec.NONE, DEFAULT_RNG);
        }
    }

    /** The outcome: the PASS/FAIL line, the problems, the figures. */
    record Result(boolean passed, String line, List<String> problems, long calls, long nanos,
                  TreeMap<String, Long> results) {
        double callsPerSecond() {
            return nanos == 0 ? 0 : calls * 1e9 / nanos;
        }
    }

    static final Pattern DONE = Pattern.compile("fuzz: done (\\d+) calls in (\\d+) ms of guest time, (\\d+) sane batches, sequence ([0-9a-f]+)");
    static final Pattern RESULTS = Pattern.compile("fuzz: results n=\\d+((?: (?:ok|-\\d+)=\\d+)*)");
    static final int FUZZ_MIB = 8, VICTIM_MIB = 8;

    private final Hypervisor hv;
    private final ForeignMemory foreign;
    private final GrantTables grants;
    private final Optional<Xenstore> store;
    private final Consoles consoles;
    private final PrintStream progress;
    private final Optional<ConfigTextCreator> xl;

    Campaign(Hypervisor hv, ForeignMemory foreign, GrantTables grants, Optional<Xenstore> store, Consoles consoles,
             PrintStream progress) {
        this(hv, foreign, grants, store, Optional.empty(), consoles, progress);
    }

    /** @param xl xl's toolstack, for the mixed runs (ringfuzz with devices, hvmfuzz) */
    Campaign(Hypervisor hv, ForeignMemory foreign, GrantTables grants, Optional<Xenstore> store,
             Optional<ConfigTextCreator> xl, Consoles consoles, PrintStream progress) {
        this.xl = xl;
        this.consoles = consoles;
        this.hv = hv;
        this.foreign = foreign;
        this.grants = grants;
        this.store = store;
        this.progress = progress;
    }

    Result run(Spec spec) throws Exception {
        List<String> problems = new ArrayList<>();
        TreeMap<String, Long> results = new TreeMap<>();
        TreeMap<String, Long> mixed = new TreeMap<>();
        if (spec.mixed().any() && xl.isEmpty()) {
            problems.add("the device and HVM runs need xl's toolstack (org.oxen.toolstack.xl), which is not running");
        }
        DeviceAndHvmRuns devices = xl.map(x -> new DeviceAndHvmRuns(x, hv, consoles, progress)).orElse(null);
        Dom0State before = Dom0State.take(hv, store);
        List<Victim> victims = new ArrayList<>();
        long calls = 0, nanos = 0;
        String tag = Long.toHexString(System.nanoTime() & 0xFFFFFF);
        try {
            for (int i = 0; i < spec.victims(); i++) {
                Domain d = hv.create(DomainConfig.builder("fuzz-victim-" + tag + "-" + i)
                        .kernel(GuestImages.load(GuestImages.Flavor.PV, "victim")).memoryMiB(VICTIM_MIB).build());
                StringBuilder why = new StringBuilder();
                Victim v = Victim.attach(d, hv, consoles, 60_000, why);
                if (v == null) {
                    problems.add(why.toString());
                    hv.destroy(d.id());
                    return finish(spec, problems, before, victims, calls, nanos, results, mixed);
                }
                victims.add(v);
            }
            for (Victim v : victims) problems.addAll(v.check(foreign, grants, consoles));
            for (int s = 0; s < spec.seeds() && problems.isEmpty(); s++) {
                int seed = spec.firstSeed() + s;
                String cmdline = "seed=" + seed + " calls=" + spec.calls() + (spec.xs() ? " xs=1" : "")
                        + (spec.die() ? " die=1" : "") + (spec.rng() != Spec.DEFAULT_RNG ? " rng=" + spec.rng() : "");
                long t0 = System.nanoTime();
                List<String> bugsBefore = bugLines(hv);
                Domain f = hv.create(DomainConfig.builder("fuzz-" + tag + "-" + seed)
                        .kernel(GuestImages.load(GuestImages.Flavor.PV, "fuzz")).memoryMiB(FUZZ_MIB).cmdline(cmdline)
                        .build());
                try {
                    // seconds: generous for a loaded host (at nice 19 beside seven builds a fuzzer made
                    // 96 calls/s; this allows 20), still an end for a fuzzer that hangs
                    long limit = 60 + spec.calls() / 20;
                    if (!f.awaitShutdown(limit, TimeUnit.SECONDS)) {
                        problems.add("seed " + seed + ": the fuzzer did not finish in " + limit + " s ("
                                + f.state() + "): " + tail(consoles.read(f)));
                        break;
                    }
                    nanos += System.nanoTime() - t0;
                    String out = consoles.read(f);
                    problems.addAll(judgeFuzzer(seed, spec.die(), f, out));
                    Matcher done = DONE.matcher(out);
                    if (done.find()) {
                        calls += Long.parseLong(done.group(1));
                        progress.printf("fuzz: seed %d: %s calls, %s sane batches, sequence %s, %.1f s%n", seed,
                                done.group(1), done.group(3), done.group(4), (System.nanoTime() - t0) / 1e9);
                    }
                    Matcher r = RESULTS.matcher(out);
                    if (r.find()) {
                        for (String kv : r.group(1).trim().split(" ")) {
                            String[] p = kv.split("=");
                            if (p.length == 2) results.merge(p[0], Long.parseLong(p[1]), Long::sum);
                        }
                    }
                } finally {
                    hv.destroy(f.id());
                }
                if (problems.isEmpty() && spec.mixed().any()) {
                    problems.addAll(devices.run(seed, tag, spec.mixed(), mixed));
                }
                for (Victim v : victims) problems.addAll(v.check(foreign, grants, consoles));
                if (hv.internalErrors() != before.internalErrors()) {
                    problems.add("seed " + seed + ": " + (hv.internalErrors() - before.internalErrors())
                            + " hypervisor internal errors: " + tail(String.join("\n", hv.dmesg())));
                }
                List<String> bugs = bugLines(hv);
                bugs.removeAll(bugsBefore);
                if (!bugs.isEmpty()) problems.add("seed " + seed + ": the hypervisor logged " + tail(String.join("\n", bugs)));
            }
        } catch (DomainBuildException e) {
            problems.add("cannot build a domain: " + e.getMessage());
        }
        return finish(spec, problems, before, victims, calls, nanos, results, mixed);
    }

    /** The fuzzer's own verdict: PASS and poweroff, or (die) its fatal act and a crash. */
    static List<String> judgeFuzzer(int seed, boolean die, Domain f, String out) {
        List<String> p = new ArrayList<>();
        ShutdownReason why = f.shutdownReason().orElse(null);
        if (!DONE.matcher(out).find()) {
            p.add("seed " + seed + ": the fuzzer stopped before its report (" + why + f.crashMessage().map(m -> ": " + m).orElse("")
                    + "): " + tail(out));
        } else if (!die && (why != ShutdownReason.POWEROFF || !out.contains("RESULT: PASS"))) {
            p.add("seed " + seed + ": the fuzzer ended " + why + ": " + tail(out));
        } else if (die && (why != ShutdownReason.CRASH || !out.contains("fuzz: dying by") || out.contains("still alive"))) {
            p.add("seed " + seed + ": the fatal act did not kill (only) the fuzzer: " + why + ": " + tail(out));
        }
        return p;
    }

    private Result finish(Spec spec, List<String> problems, Dom0State before, List<Victim> victims, long calls,
                          long nanos, TreeMap<String, Long> results, TreeMap<String, Long> mixed) throws Exception {
        for (Victim v : victims) hv.destroy(v.domain.id());
        // destroy returns the frames, closes Domain-0's ports and drops the xenstore nodes as it
        // completes; backends may take a moment to let go of theirs: the state is compared until
        // it matches, 10 s at most
        Dom0State after = Dom0State.take(hv, store);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((!before.differences(after).isEmpty() || victims.stream().anyMatch(Victim::portConnected))
                && System.nanoTime() < end) {
            Thread.sleep(50);
            after = Dom0State.take(hv, store);
        }
        for (Victim v : victims) {
            if (v.portConnected()) {
                problems.add("Domain-0's port is still bound to destroyed victim " + v.domain.name());
            }
            v.close();
        }
        problems.addAll(before.differences(after));
        String what = String.format("seeds %d..%d x %d calls%s beside %d victim%s: %d hypercalls in %.1f s (%.0f/s)",
                spec.firstSeed(), spec.firstSeed() + spec.seeds() - 1, spec.calls(), spec.die() ? " (die)" : "",
                spec.victims(), spec.victims() == 1 ? "" : "s", calls, nanos / 1e9, nanos == 0 ? 0 : calls * 1e9 / nanos)
                + mixedCounts(mixed);
        String line = problems.isEmpty()
                ? String.format("fuzz campaign: PASS %s; 0 internal errors, victims intact, %d free frames and %d xenstore nodes as before",
                        what, after.freeFrames(), after.xenstore().size())
                : "fuzz campaign: FAIL " + what + "; " + String.join("; ", problems.subList(0, Math.min(5, problems.size())));
        return new Result(problems.isEmpty(), line, problems, calls, nanos, results);
    }

    /** The device and HVM runs' counts for the campaign line ("" without them). */
    static String mixedCounts(TreeMap<String, Long> m) {
        StringBuilder b = new StringBuilder();
        if (m.containsKey("blk cases")) {
            b.append(String.format("; blkback ringfuzz %d cases (okay %d, error %d, eopnotsupp %d)", m.get("blk cases"),
                    m.getOrDefault("blk okay", 0L), m.getOrDefault("blk error", 0L), m.getOrDefault("blk eopnotsupp", 0L)));
        }
        if (m.containsKey("net cases")) {
            b.append(String.format("; netback ringfuzz %d cases (okay %d, error %d, %d reconnects)", m.get("net cases"),
                    m.getOrDefault("net okay", 0L), m.getOrDefault("net error", 0L), m.getOrDefault("net reconnects", 0L)));
        }
        if (m.containsKey("hvm ops")) {
            b.append(String.format("; hvmfuzz %d ops (hypercalls ok %d, refused %d%s)", m.get("hvm ops"),
                    m.getOrDefault("hvm hypercalls ok", 0L), m.getOrDefault("hvm hypercalls refused", 0L),
                    m.containsKey("hvm crashed itself") ? ", " + m.get("hvm crashed itself") + " crashed itself" : ""));
        }
        return b.toString();
    }

    /** The hypervisor's log lines that report a BUG (an assertion of its own that failed). */
    private static List<String> bugLines(Hypervisor hv) {
        List<String> l = new ArrayList<>();
        for (String line : hv.dmesg()) {
            if (line.contains("BUG")) l.add(line);
        }
        return l;
    }

    static String tail(String s) {
        List<String> lines = s.lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
}
