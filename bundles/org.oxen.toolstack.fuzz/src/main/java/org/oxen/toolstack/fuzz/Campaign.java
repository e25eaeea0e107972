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
import org.oxen.vmm.api.CpuPools;
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
 * <p>With {@code parallel} K above 1, K worker threads take the seeds in order, each running one
 * fuzzer at a time on a pCPU of its own; each seed is judged as one at a time would be, and the
 * victims are checked after every seed (by one worker at a time).
 *
 * <p>Locking: a campaign's seeds add to one {@code Tally} under its monitor; the victims are
 * checked under the victim list's monitor ({@link Victim} is single-threaded); the rest runs on
 * the caller's thread. One campaign per caller.
 */
final class Campaign {

    /**
     * What to run; {@code rng} is the kit fuzzer's generator (its {@code rng=}: 1 session 10's, to
     * replay its seeds); {@code storm}: each fuzzer ends in an upcall storm on purpose (its
     * {@code storm=1}), which {@link StormWatch} must turn into a FAIL.
     */
    record Spec(int firstSeed, int seeds, int calls, int victims, boolean xs, boolean die, DeviceAndHvmRuns.Spec mixed,
                int rng, int parallel, boolean storm) {
        /** The kit fuzzer's generator when none is named. */
        static final int DEFAULT_RNG = 2;

        Spec {
            if (seeds < 1 || calls < 1 || victims < 0) throw new IllegalArgumentException("seeds and calls must be positive");
            if (rng != 1 && rng != DEFAULT_RNG) throw new IllegalArgumentException("generator " + rng + ": 1 or 2");
            if (parallel < 1) throw new IllegalArgumentException("at least one fuzzer at a time");
            if (parallel > 1 && mixed.any()) {
                throw new IllegalArgumentException("-p " + parallel + " with --blk, --net or --hvm: the device and HVM runs go one at a time");
            }
            if (storm && die) throw new IllegalArgumentException("--storm and --die: a fuzzer ends one way");
        }

        Spec(int firstSeed, int seeds, int calls, int victims, boolean xs, boolean die, DeviceAndHvmRuns.Spec mixed,
             int rng, int parallel) {
            this(firstSeed, seeds, calls, victims, xs, die, mixed, rng, parallel, false);
        }

        Spec(int firstSeed, int seeds, int calls, int victims, boolean xs, boolean die) {
            this(firstSeed, seeds, calls, victims, xs, die, DeviceAndHvmRuns.Spec.NONE, DEFAULT_RNG, 1);
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
    /** For pinning each worker's fuzzers to a pCPU of their own ({@code -p K}). */
    private final Optional<CpuPools> pcpus;
    private final java.util.function.BooleanSupplier counting;

    Campaign(Hypervisor hv, ForeignMemory foreign, GrantTables grants, Optional<Xenstore> store, Consoles consoles,
             PrintStream progress) {
        this(hv, foreign, grants, store, Optional.empty(), Optional.empty(), () -> true, consoles, progress);
    }

    /**
     * @param xl       xl's toolstack, for the mixed runs (ringfuzz with devices, hvmfuzz)
     * @param pcpus    the pCPUs, to pin each worker of {@code -p K} to its own
     * @param counting whether the hypervisor's metrics count now ({@code HypervisorMetrics}):
     *                 {@link StormWatch} judges only by counts that move
     */
    Campaign(Hypervisor hv, ForeignMemory foreign, GrantTables grants, Optional<Xenstore> store,
             Optional<ConfigTextCreator> xl, Optional<CpuPools> pcpus, java.util.function.BooleanSupplier counting,
             Consoles consoles, PrintStream progress) {
        this.counting = counting;
        this.xl = xl;
        this.pcpus = pcpus;
        this.consoles = consoles;
        this.hv = hv;
        this.foreign = foreign;
        this.grants = grants;
        this.store = store;
        this.progress = progress;
    }

    Result run(Spec spec) throws Exception {
        List<String> problems = new ArrayList<>();
        Tally tally = new Tally(bugLines(hv));
        if (spec.mixed().any() && xl.isEmpty()) {
            problems.add("the device and HVM runs need xl's toolstack (org.oxen.toolstack.xl), which is not running");
        }
        DeviceAndHvmRuns devices = xl.map(x -> new DeviceAndHvmRuns(x, hv, consoles, progress)).orElse(null);
        Dom0State before = Dom0State.take(hv, store);
        List<Victim> victims = new ArrayList<>();
        long nanos = 0;
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
                    return finish(spec, problems, before, victims, tally, nanos);
                }
                victims.add(v);
            }
            for (Victim v : victims) problems.addAll(v.check(foreign, grants, consoles));
            if (problems.isEmpty()) {
                SeedContext ctx = new SeedContext(spec, tag, victims, devices, before, tally);
                long t0 = System.nanoTime();
                if (spec.parallel() == 1) {
                    for (int s = 0; s < spec.seeds() && !tally.failed(); s++) runSeedCaught(ctx, spec.firstSeed() + s, -1);
                } else {
                    runWorkers(ctx);
                }
                problems.addAll(tally.problems);
                // one fuzzer at a time: the seeds' own times; several: the wall time they shared
                nanos = spec.parallel() == 1 ? tally.nanos : System.nanoTime() - t0;
            }
        } catch (DomainBuildException e) {
            problems.add("cannot build a domain: " + e.getMessage());
        }
        return finish(spec, problems, before, victims, tally, nanos);
    }

    /**
     * What the seeds add up to. Locking: its monitor guards every field (with {@code -p K}, K
     * workers add to it; the campaign's thread reads it after they ended).
     */
    private static final class Tally {
        final List<String> problems = new ArrayList<>();
        final TreeMap<String, Long> results = new TreeMap<>();
        final TreeMap<String, Long> mixed = new TreeMap<>();
        /** The hypervisor's BUG lines already reported (two fuzzers at once may both see one). */
        final java.util.Set<String> bugsReported = new java.util.HashSet<>();
        long calls, nanos;
        /** Fuzzer domains alive now, and the most at once (the line shows that -p K ran K). */
        int alive, peak;

        /** @param bugsBefore the BUG lines the hypervisor logged before the campaign (not its) */
        Tally(List<String> bugsBefore) {
            bugsReported.addAll(bugsBefore);
        }

        synchronized boolean failed() {
            return !problems.isEmpty();
        }

        synchronized void fuzzerCreated() {
            peak = Math.max(peak, ++alive);
        }

        synchronized void fuzzerDestroyed() {
            alive--;
        }

        synchronized void problems(List<String> p) {
            problems.addAll(p);
        }

        synchronized void seedDone(long seedCalls, long seedNanos, String resultCounts) {
            calls += seedCalls;
            nanos += seedNanos;
            if (resultCounts == null) return;
            for (String kv : resultCounts.trim().split(" ")) {
                String[] p = kv.split("=");
                if (p.length == 2) results.merge(p[0], Long.parseLong(p[1]), Long::sum);
            }
        }

        /** The BUG lines in {@code lines} not reported yet, now reported. */
        synchronized List<String> newBugs(List<String> lines) {
            List<String> n = new ArrayList<>();
            for (String l : lines) {
                if (bugsReported.add(l)) n.add(l);
            }
            return n;
        }
    }

    /** What every seed of one campaign shares. */
    private record SeedContext(Spec spec, String tag, List<Victim> victims, DeviceAndHvmRuns devices, Dom0State before,
                               Tally tally) {
    }

    /**
     * {@code -p K}: K workers take the seeds in order, each running one fuzzer domain at a time,
     * pinned to its own pCPU where there are enough (worker w on pCPU w mod pCPUs); each seed is
     * judged and followed by the victims' check exactly as one at a time. After the first problem
     * no worker starts another seed.
     */
    private void runWorkers(SeedContext ctx) throws InterruptedException {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        int k = Math.min(ctx.spec().parallel(), ctx.spec().seeds());
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < k; w++) {
            int pcpu = pcpus.isPresent() ? w % pcpus.get().pcpus() : -1;
            Thread t = new Thread(() -> {
                for (int s; !ctx.tally().failed() && (s = next.getAndIncrement()) < ctx.spec().seeds();) {
                    runSeedCaught(ctx, ctx.spec().firstSeed() + s, pcpu);
                }
            }, "fuzz-worker-" + w);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) t.join();
    }

    /** {@link #runSeed}, whatever goes wrong in it a problem of the seed's. */
    private void runSeedCaught(SeedContext ctx, int seed, int pcpu) {
        try {
            runSeed(ctx, seed, pcpu);
        } catch (DomainBuildException e) {
            ctx.tally().problems(List.of("seed " + seed + ": cannot build a domain: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ctx.tally().problems(List.of("seed " + seed + ": interrupted"));
        } catch (Exception | AssertionError e) {
            ctx.tally().problems(List.of("seed " + seed + ": the campaign failed: " + e));
        }
    }

    /**
     * One seed: a fresh fuzzer domain (its vcpu pinned to {@code pcpu} unless -1) until it powers
     * off or its time is up, its verdict, the mixed runs, then the victims (one checker at a
     * time), internal errors and BUG lines.
     */
    private void runSeed(SeedContext ctx, int seed, int pcpu) throws Exception {
        Spec spec = ctx.spec();
        Tally tally = ctx.tally();
        List<String> problems = new ArrayList<>();
        String cmdline = "seed=" + seed + " calls=" + spec.calls() + (spec.xs() ? " xs=1" : "")
                + (spec.die() ? " die=1" : "") + (spec.storm() ? " storm=1" : "") + (spec.rng() != Spec.DEFAULT_RNG ? " rng=" + spec.rng() : "");
        long t0 = System.nanoTime();
        Domain f = hv.create(DomainConfig.builder("fuzz-" + ctx.tag() + "-" + seed)
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "fuzz")).memoryMiB(FUZZ_MIB).cmdline(cmdline)
                .build());
        tally.fuzzerCreated();
        try {
            if (pcpu >= 0) pin(f, pcpu);
            String stuck = await(f, spec);
            if (stuck != null) {
                try {
                    hv.pause(f.id()); // one moment's picture of its state
                } catch (IllegalArgumentException gone) {
                    // destroyed under us: its counts and state are still readable
                }
                List<String> state = StormWatch.state(f);
                state.forEach(l -> progress.println("fuzz: seed " + seed + ": " + l));
                tally.problems(List.of("seed " + seed + ": " + stuck + " (" + f.state() + "); " + String.join("; ", state)
                        + "; its console: " + tail(consoles.read(f))));
                return;
            }
            long seedNanos = System.nanoTime() - t0;
            String out = consoles.read(f);
            problems.addAll(judgeFuzzer(seed, spec.die(), f, out));
            Matcher done = DONE.matcher(out);
            Matcher r = RESULTS.matcher(out);
            String counts = r.find() ? r.group(1) : null;
            if (done.find()) {
                tally.seedDone(Long.parseLong(done.group(1)), seedNanos, counts);
                progress.printf("fuzz: seed %d: %s calls, %s sane batches, sequence %s, %.1f s%n", seed,
                        done.group(1), done.group(3), done.group(4), (System.nanoTime() - t0) / 1e9);
            } else {
                tally.seedDone(0, seedNanos, counts);
            }
        } finally {
            hv.destroy(f.id());
            tally.fuzzerDestroyed();
        }
        if (problems.isEmpty() && spec.mixed().any()) {
            TreeMap<String, Long> mixed = new TreeMap<>();
            problems.addAll(ctx.devices().run(seed, ctx.tag(), spec.mixed(), mixed));
            synchronized (tally) {
                mixed.forEach((key, n) -> tally.mixed.merge(key, n, Long::sum));
            }
        }
        synchronized (ctx.victims()) { // Victim is used by one thread at a time
            for (Victim v : ctx.victims()) problems.addAll(v.check(foreign, grants, consoles));
        }
        if (hv.internalErrors() != ctx.before().internalErrors()) {
            problems.add("seed " + seed + ": " + (hv.internalErrors() - ctx.before().internalErrors())
                    + " hypervisor internal errors: " + tail(String.join("\n", hv.dmesg())));
        }
        List<String> bugs = tally.newBugs(bugLines(hv));
        if (!bugs.isEmpty()) problems.add("seed " + seed + ": the hypervisor logged " + tail(String.join("\n", bugs)));
        tally.problems(problems);
    }

    /** How often a running fuzzer is looked at ({@link StormWatch}). */
    static final long WATCH_MS = 500;

    /**
     * Waits for the fuzzer to shut down: {@code null} when it did, else why it is given up: an
     * upcall storm or a stall ({@link StormWatch}), or the time limit, generous for a loaded host
     * (at nice 19 beside seven builds a fuzzer made 96 calls/s; this allows 20).
     */
    private String await(Domain f, Spec spec) throws InterruptedException {
        long limit = 60 + spec.calls() / 20;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(limit);
        StormWatch watch = new StormWatch(f, counting);
        while (!f.awaitShutdown(WATCH_MS, TimeUnit.MILLISECONDS)) {
            String wrong = watch.look();
            if (wrong != null) return "the fuzzer made no progress: " + wrong;
            if (System.nanoTime() - end > 0) return "the fuzzer did not finish in " + limit + " s";
        }
        return null;
    }

    /** xl vcpu-pin: the fuzzer's vcpu runs on {@code pcpu} only (a pool without it: left where it is). */
    private void pin(Domain f, int pcpu) {
        try {
            pcpus.get().setVcpuAffinity(f.id(), 0, List.of(pcpu));
        } catch (IllegalArgumentException e) {
            progress.println("fuzz: " + f.name() + " not pinned to pCPU " + pcpu + ": " + e.getMessage());
        }
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

    private Result finish(Spec spec, List<String> problems, Dom0State before, List<Victim> victims, Tally tally, long nanos)
            throws Exception {
        long calls;
        int peak;
        TreeMap<String, Long> results, mixed;
        synchronized (tally) {
            calls = tally.calls;
            peak = tally.peak;
            results = new TreeMap<>(tally.results);
            mixed = new TreeMap<>(tally.mixed);
        }
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
        String what = String.format("seeds %d..%d x %d calls%s beside %d victim%s%s: %d hypercalls in %.1f s (%.0f/s)",
                spec.firstSeed(), spec.firstSeed() + spec.seeds() - 1, spec.calls(), spec.die() ? " (die)" : spec.storm() ? " (storm)" : "",
                spec.victims(), spec.victims() == 1 ? "" : "s",
                spec.parallel() > 1 ? ", " + spec.parallel() + " workers (at most " + peak + " fuzzer" + (peak == 1 ? "" : "s") + " at once)" : "",
                calls, nanos / 1e9,
                nanos == 0 ? 0 : calls * 1e9 / nanos)
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
