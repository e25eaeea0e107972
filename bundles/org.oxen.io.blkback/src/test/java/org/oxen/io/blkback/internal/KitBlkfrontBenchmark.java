package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.guests.GuestImages;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.CacheMode;
import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.api.io.ImageFiles;
import org.oxen.toolstack.xl.internal.VbdDevices;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.core.Vmm;

/**
 * Block throughput a guest sees through the guest kit's C blkfront (the kit's {@code blktest}
 * with {@code check=0}: no patterns, the program only drives the ring) and blkback, beside the
 * same requests on the same file straight from Java ({@code FileChannel}, one thread, depth 1)
 * and QEMU's block layer ({@code qemu-img bench}, same request size and queue depth, sequential:
 * it has no random mode), all in one run. Not part of the test suite:
 * {@code mvn -B -o test -pl bundles/org.oxen.io.blkback -Dtest=KitBlkfrontBenchmark -Doxen.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Doxen.bench.mib=N}, default 64;
 * {@code -Doxen.bench.rounds=N}, default 3). Write rows end with one flush inside the timing
 * (BLKIF_OP_FLUSH_DISKCACHE; {@code force(true)}; qemu-img's {@code --flush-interval} = the
 * request count). The guest's figures are its own clock's (system time, which follows the host's
 * in a real-time domain); each row is the median of the rounds after a warm-up round, targets
 * interleaved within a round.
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class KitBlkfrontBenchmark {

    static final int MIB = Integer.getInteger("oxen.bench.mib", 64);
    static final int ROUNDS = Integer.getInteger("oxen.bench.rounds", 3);
    /**
     * Write-read pass pairs per domain; only the last pair is recorded (the earlier ones warm the
     * domain's translated code and the JVM's compilation of it, which a new domain starts afresh).
     */
    static final int PASSES = Integer.getInteger("oxen.bench.passes", 3);
    /** {@code -Doxen.bench.warmup=false}: no unrecorded warm-up round (the passes warm each domain). */
    static final boolean WARMUP = Boolean.parseBoolean(System.getProperty("oxen.bench.warmup", "true"));
    /** {@code -Doxen.bench.loads=0,3}: only these rows of {@link #LOADS} (default: all). */
    static final List<Integer> ONLY = System.getProperty("oxen.bench.loads", "").isBlank() ? List.of()
            : Arrays.stream(System.getProperty("oxen.bench.loads").split(",")).map(String::trim).map(Integer::valueOf)
                    .toList();
    /**
     * {@code -Doxen.bench.inline=both} (default): each load through a blkback serving kicks on
     * the guest's vcpu thread and through one leaving every request to its service thread, one
     * after the other; {@code true} or {@code false}: only that one.
     */
    static final String INLINE = System.getProperty("oxen.bench.inline", "both");
    /**
     * {@code -Doxen.bench.depths=8,1}: each load through blkbacks allowing these many requests of
     * a ring at the disk at once, taking turns (default: blkback's default alone); with more than
     * one, each row names its depth.
     */
    static final List<Integer> DEPTHS = Arrays.stream(System.getProperty("oxen.bench.depths",
            "" + VbdBackend.Settings.DEFAULT.depth()).split(",")).map(String::trim).map(Integer::valueOf).toList();

    /** A blkback configuration a load runs through: kicks served on the vcpu or not, queue depth. */
    record Mode(boolean inline, int depth) {
        String target() {
            return (inline ? "kit blkfront (guest)" : "kit blkfront, blkback's thread only")
                    + (DEPTHS.size() > 1 ? ", depth " + depth : "");
        }

        String tag() {
            return inline && DEPTHS.size() == 1 ? "" : " [" + (inline ? "" : "thread only") + (DEPTHS.size() > 1
                    ? (inline ? "" : ", ") + "depth " + depth : "") + "]";
        }
    }
    /**
     * {@code -Doxen.bench.cache=writeback} (default): the disk and the peers through the host's
     * page cache; {@code direct}: the disk with xl's {@code direct-io-safe} (blkback opens the
     * raw image with O_DIRECT), {@code FileChannel} with O_DIRECT and {@code qemu-img bench -t none};
     * {@code both}: each load both ways, one after the other (rows of the O_DIRECT way are marked
     * {@value #DIRECT_MARK}; the qcow2 load has no O_DIRECT mode and stays on the page cache).
     */
    static final String CACHE = System.getProperty("oxen.bench.cache", "writeback");
    static final String DIRECT_MARK = ", O_DIRECT";
    static final Pattern PHASE = Pattern.compile(
            "blktest: (random )?(wrote|read) (\\d+) KiB in (\\d+) ms: (\\d+) KiB/s");

    /**
     * One workload: request size, queue depth, order, image format, and blktest's switches of
     * blkfront's features (empty: all on).
     */
    record Load(String name, int kib, int depth, boolean random, String format, String opts) {
    }

    static final List<Load> LOADS = List.of(
            new Load("seq 4 KiB, depth 64", 4, 64, false, "raw", ""),
            new Load("seq 4 KiB, depth 64, no merging", 4, 64, false, "raw", " merge=0"),
            new Load("seq 4 KiB, depth 16, one-page ring, no persistent/indirect/merging", 4, 16, false, "raw",
                    " merge=0 persistent=0 indirect=0 ring=1"),
            new Load("seq 4 KiB, depth 1", 4, 1, false, "raw", ""),
            new Load("random 4 KiB, depth 64", 4, 64, true, "raw", ""),
            new Load("seq 128 KiB, depth 32", 128, 32, false, "raw", ""),
            new Load("seq 4 KiB, depth 64, qcow2", 4, 64, false, "qcow2", ""),
            new Load("seq 44 KiB (11 segments), depth 32", 44, 32, false, "raw", ""),
            new Load("seq 128 KiB, depth 8", 128, 8, false, "raw", ""),
            new Load("seq 128 KiB, depth 16", 128, 16, false, "raw", ""),
            new Load("seq 1 MiB (256 segments), depth 4", 1024, 4, false, "raw", ""),
            // the disk sees the caller's request size, as the FileChannel peer does (no back merges)
            new Load("seq 128 KiB, depth 32, no merging", 128, 32, false, "raw", " merge=0"),
            new Load("seq 44 KiB (11 segments), depth 32, no merging", 44, 32, false, "raw", " merge=0"));

    /** Guest instructions per caller request of the last pass's phases, per "load | direction", one per round. */
    final Map<String, List<Double>> guestCost = new LinkedHashMap<>();

    /** MiB/s per "load | direction | target" row, one per round. */
    final Map<String, List<Double>> rows = new LinkedHashMap<>();
    /** The guest's CPU ms per MiB split {pCPU threads, blkback, the rest}, per "load | direction", one per round. */
    final Map<String, List<double[]>> cpuSplit = new LinkedHashMap<>();
    /** The process's CPU milliseconds per MiB moved, per row where it was measured, one per round. */
    final Map<String, List<Double>> cpu = new LinkedHashMap<>();

    /** @param workload the load's name, with {@link #DIRECT_MARK} for its O_DIRECT rows */
    void record(String workload, String dir, String target, double mibs, boolean keep) {
        if (keep) rows.computeIfAbsent(workload + " | " + dir + " | " + target, k -> new ArrayList<>()).add(mibs);
    }

    void record(String workload, String dir, String target, double mibs, double cpuMsPerMiB, boolean keep) {
        record(workload, dir, target, mibs, keep);
        if (keep) cpu.computeIfAbsent(workload + " | " + dir + " | " + target, k -> new ArrayList<>()).add(cpuMsPerMiB);
    }

    @Test
    void kitBlkfrontBesideFileChannelAndQemuImgBench() throws Exception {
        Path dir = Files.createTempDirectory("kitblkbench");
        long size = (long) MIB << 20;
        Path rawImg = dir.resolve("bench.raw"), qcowImg = dir.resolve("bench.qcow2");
        int run = 0;
        try (KitBlkbackBed bed = new KitBlkbackBed(128L << 20)) {
            Vmm vmm = bed.vmm;
            XenstoreClient toolstack = bed.toolstack;
            List<Boolean> inlines = INLINE.equals("both") ? List.of(true, false) : List.of(Boolean.parseBoolean(INLINE));
            List<Mode> modes = new ArrayList<>();
            Map<Mode, BlkbackComponent> backends = new LinkedHashMap<>();
            for (boolean inline : inlines) {
                for (int depth : DEPTHS) {
                    Mode m = new Mode(inline, depth);
                    modes.add(m);
                    BlkbackComponent b = new BlkbackComponent(VbdBackend.Settings.DEFAULT.withInline(inline).withDepth(depth));
                    b.addProvider(bed.raw);
                    b.addProvider(bed.qcow2);
                    backends.put(m, b);
                }
            }
            org.oxen.vmm.api.backend.BackendFactory bound = bed.blkback;
            bed.raw.create(rawImg, ImageSpec.ofSize(size)).close();
            bed.qcow2.create(qcowImg, ImageSpec.ofSize(size)).close();
            for (int round = WARMUP ? 0 : 1; round <= ROUNDS; round++) {
                boolean keep = round > 0; // round 0 warms the JIT and the page cache
                for (Load l : LOADS) {
                    if (!ONLY.isEmpty() && !ONLY.contains(LOADS.indexOf(l))) continue;
                    Path img = l.format().equals("raw") ? rawImg : qcowImg;
                    List<Boolean> caches = !l.format().equals("raw") || CACHE.equals("writeback") ? List.of(false)
                            : CACHE.equals("direct") ? List.of(true) : new ArrayList<>(List.of(false, true));
                    if (round % 2 == 1) java.util.Collections.reverse(caches);
                    for (boolean direct : caches) {
                        String wl = l.name() + (direct ? DIRECT_MARK : "");
                        // the modes take turns going first (a domain may warm what the next one reuses)
                        List<Mode> order = new ArrayList<>(modes);
                        if (round % 2 == 1) java.util.Collections.reverse(order);
                        for (Mode md : order) {
                            BlkbackComponent blkback = backends.get(md);
                            if (bound != blkback) { // the mode's backend serves the next domain's disk
                                bed.xenbus.removeFactory(bound);
                                bed.xenbus.addFactory(blkback, Map.of(org.oxen.vmm.api.backend.BackendFactory.DEVICE_TYPE, "vbd",
                                        "service.id", 100L + run));
                                bound = blkback;
                            }
                            String target = md.target();
                            String mode = md.tag();
                            // the guest: a write pass (ending with a flush) then a read pass, passes times
                            Domain d = vmm.create(DomainConfig.builder("bench" + run).kernel(GuestImages.load(GuestImages.Flavor.PV,
                                    "blktest")).memoryMiB(16).startPaused(true).cmdline("node=device/vbd/51712 check=0 passes="
                                    + PASSES + " mib=" + MIB + " chunk=" + l.kib() + " depth=" + l.depth()
                                    + (l.random() ? " order=random" : "") + l.opts()).build());
                            PhaseMeter meter = new PhaseMeter(() -> d.vcpus().stream().mapToLong(v -> v.instructions()).sum(),
                                    () -> timeMarks(blkback, d));
                            d.addConsoleListener(meter);
                            VbdDevices.add(toolstack, d.id(), new VbdDevices.Disk(51712, "xvda", l.format(), img.toString(), false,
                                    false, true, direct));
                            vmm.unpause(d.id());
                            assertTrue(d.awaitShutdown(600, TimeUnit.SECONDS), d.consoleOutput());
                            String out = d.consoleOutput();
                            assertTrue(out.contains("RESULT: PASS"), out);
                            out.lines().filter(x -> x.startsWith("blktest: ") && !x.contains("durable"))
                                    .forEach(x -> System.out.println(wl + mode + ": " + x));
                            Matcher m = PHASE.matcher(out), waits = WAITS.matcher(out);
                            List<PhaseMeter.Phase> costs = meter.phases();
                            long requests = ((long) MIB << 10) / l.kib();
                            int phase = 0;
                            while (m.find()) {
                                long kib = Long.parseLong(m.group(3)), ms = Long.parseLong(m.group(4));
                                assertTrue(phase < costs.size(), "the meter saw " + costs.size() + " phases: " + out);
                                PhaseMeter.Phase c = costs.get(phase++);
                                assertTrue(waits.find(), "no pass waits line: " + out);
                                if (phase <= 2 * PASSES - 2) continue; // only the last pass is recorded
                                String direction = m.group(2).equals("wrote") ? "write" : "read";
                                if (keep) timeSplit.put(wl + mode + " | " + direction, split(c, waits, ms));
                                record(wl, direction, target, kib / 1024.0 / (ms / 1000.0), c.cpuNanos() / 1e6 / (kib / 1024.0),
                                        keep);
                                if (keep) {
                                    String key = wl + mode + " | " + direction;
                                    guestCost.computeIfAbsent(key, k -> new ArrayList<>()).add((double) c.instructions() / requests);
                                    double mib = kib / 1024.0;
                                    cpuSplit.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {c.pcpuNanos() / 1e6 / mib,
                                            c.blkbackNanos() / 1e6 / mib, (c.javaThreadsNanos() - c.pcpuNanos() - c.blkbackNanos()) / 1e6 / mib,
                                            (c.cpuNanos() - c.javaThreadsNanos()) / 1e6 / mib});
                                }
                            }
                            assertEquals(2 * PASSES, phase, out);
                            vmm.destroy(d.id());
                            VbdDevices.remove(toolstack, d.id(), 51712);
                            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                            while (!bed.xenbus.bound().isEmpty()) { // blkback has closed the image (and its lock)
                                assertTrue(System.nanoTime() < end, "the device did not go");
                                Thread.sleep(5);
                            }
                            run++;
                        }
                        // the peers, same file, same requests (FileChannel on the raw file only)
                        if (l.format().equals("raw") && l.opts().isEmpty()) {
                            double[] w = channel(img, l, true, direct), r = channel(img, l, false, direct);
                            record(wl, "write", "FileChannel (Java, depth 1)", w[0], w[1], keep);
                            record(wl, "read", "FileChannel (Java, depth 1)", r[0], r[1], keep);
                        }
                        if (!l.random() && l.opts().isEmpty()) {
                            record(wl, "write", "qemu-img bench", qemuImgBench(img, l, true, direct), keep);
                            record(wl, "read", "qemu-img bench", qemuImgBench(img, l, false, direct), keep);
                        }
                        if (QEMU_GUEST && !direct && !l.random() && l.kib() == 4 && l.depth() == 1 && l.format().equals("raw")) {
                            for (String iface : new String[] {"virtio", "ide"}) {
                                double[] wr = qemuGuest(img, iface);
                                record(wl, "write", "QEMU TCG guest, " + iface, wr[0], keep);
                                record(wl, "read", "QEMU TCG guest, " + iface, wr[1], keep);
                            }
                        }
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%n%d MiB per pass, median of %d rounds after a warm-up round%n", MIB, ROUNDS);
        System.out.println("| workload | direction | target | MiB/s | vs FileChannel | CPU ms per MiB | FileChannel's CPU / this |");
        System.out.println("|---|---|---|---:|---:|---:|---:|");
        for (Map.Entry<String, List<Double>> e : rows.entrySet()) {
            double med = median(e.getValue());
            String[] k = e.getKey().split(" \\| ");
            String peerKey = peerOf(k[0]) + " | " + k[1] + " | FileChannel (Java, depth 1)";
            List<Double> peer = rows.get(peerKey);
            String ratio = peer == null ? "" : String.format(Locale.ROOT, "%.2f", med / median(peer));
            List<Double> c = cpu.get(e.getKey()), pc = cpu.get(peerKey);
            String cost = c == null ? "" : String.format(Locale.ROOT, "%.2f", median(c));
            String costRatio = c == null || pc == null ? "" : String.format(Locale.ROOT, "%.2f", median(pc) / median(c));
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %.0f | %s | %s | %s |%n", k[0], k[1], k[2], med, ratio, cost,
                    costRatio);
        }
        printGuestCost();
        System.out.println("\n| workload | direction | guest ms | host ms | vcpu running / runnable / blocked ms"
                + " | guest: kicks, sleeps (ms), spins (ms), final flush ms | blkback: ring requests, batches, busy ms"
                + " (copy / I/O / flush) | blkback: spin ms, parked ms (parks, mean wake µs) | on the vcpu's thread: batches,"
                + " requests; kicks handed to blkback's thread | preempted: pCPU threads, blkback |\n|---|---|---:|---:|---|---|---|---|---|---|");
        timeSplit.forEach((k, v) -> System.out.println("| " + k + " | " + v + " |"));
    }

    /** Where the last round's recorded phases' time went, per "load | direction" (the last round's). */
    final Map<String, String> timeSplit = new LinkedHashMap<>();

    static final Pattern WAITS = Pattern.compile("blktest: pass waits: (\\d+) ring requests, (\\d+) kicks, (\\d+) sleeps "
            + "\\((\\d+) us\\), (\\d+) spins \\((\\d+) us\\), flush (\\d+) us");

    /**
     * The running totals a phase's time is split by: the host's clock, blkback's service times
     * ({@link BlkbackComponent#serviceTimes}), the domain's vcpus' runstate times (running,
     * runnable: waiting for a pCPU, blocked: waiting for an event).
     */
    static long[] timeMarks(BlkbackComponent blkback, Domain d) {
        long[] b = blkback.serviceTimes(), t = new long[1 + b.length + 3];
        t[0] = System.nanoTime();
        System.arraycopy(b, 0, t, 1, b.length);
        for (org.oxen.vmm.api.Vcpu v : d.vcpus()) {
            long[] r = ((org.oxen.vmm.core.domain.VcpuImpl) v).runstateInfo();
            for (int i = 0; i < 3; i++) t[1 + b.length + i] += r[2 + i];
        }
        return t;
    }

    static String split(PhaseMeter.Phase c, Matcher w, long guestMs) {
        long[] e = c.extra();
        long parks = e[7];
        return String.format(Locale.ROOT, "%d | %.0f | %.0f / %.0f / %.0f | %s, %s (%.1f), %s (%.1f), %.1f | %d, %d, %.1f (%.1f / %.1f / %.1f) | %.1f, %.1f (%d, %.0f) | %d, %d; %d | %d, %d",
                guestMs, e[0] / 1e6, e[14] / 1e6, e[15] / 1e6, e[16] / 1e6, w.group(2), w.group(3),
                Long.parseLong(w.group(4)) / 1e3, w.group(5), Long.parseLong(w.group(6)) / 1e3,
                Long.parseLong(w.group(7)) / 1e3, e[10], e[9], e[1] / 1e6, e[2] / 1e6, e[3] / 1e6, e[4] / 1e6,
                e[5] / 1e6, e[6] / 1e6, parks, parks == 0 ? 0.0 : e[8] / 1e3 / parks, e[11], e[12], e[13], c.pcpuPreempted(),
                c.blkbackPreempted());
    }

    /** Backend swaps the swap-pause benchmark makes ({@code -Doxen.bench.swaps=N}). */
    static final int SWAPS = Integer.getInteger("oxen.bench.swaps", 10);

    /**
     * The pause a guest sees when its disk's backend is swapped (what stopping and starting, or
     * updating, the blkback bundle does through xenbus: the vbd factory leaves and a new one
     * arrives): the kit's blktest ({@code lat=1}: each phase's longest request, submission to
     * completion, in the guest's time) does verified 4 KiB I/O at depth 8 over 8 MiB, pass after
     * pass; the host swaps the backend at the start of every other phase. Prints the longest
     * request of the phases with a swap beside those without; every phase's verification passes
     * (nothing lost or misplaced across the swaps).
     */
    @Test
    void kitGuestSwapPause() throws Exception {
        Path dir = Files.createTempDirectory("kitblkswap");
        Path img = dir.resolve("swap.raw");
        List<Long> swapped = new ArrayList<>(), quiet = new ArrayList<>();
        try (KitBlkbackBed bed = new KitBlkbackBed(128L << 20)) {
            bed.raw.create(img, ImageSpec.ofSize(8L << 20)).close();
            Domain d = bed.vmm.create(DomainConfig.builder("swap").kernel(GuestImages.load(GuestImages.Flavor.PV,
                    "blktest")).memoryMiB(16).cmdline("node=device/vbd/51712 passes=0 mib=8 chunk=4 depth=8 lat=1")
                    .build());
            VbdDevices.add(bed.toolstack, d.id(), new VbdDevices.Disk(51712, "xvda", "raw", img.toString(), false, false));
            org.oxen.vmm.api.backend.BackendFactory current = bed.blkback;
            Pattern longest = Pattern.compile("blktest: longest request (\\d+) us");
            int warm = 4, phases = warm + 2 * SWAPS;
            for (int p = 0; p < phases; p++) {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
                // the phase before this one is over once its longest-request line is out
                while (count(longest, d.consoleOutput()) < p) {
                    assertTrue(System.nanoTime() < end && !d.awaitShutdown(20, TimeUnit.MILLISECONDS), d.consoleOutput());
                }
                if (p >= warm && (p - warm) % 2 == 0) {
                    BlkbackComponent next = new BlkbackComponent();
                    next.addProvider(bed.raw);
                    bed.xenbus.removeFactory(current);
                    bed.xenbus.addFactory(next, Map.of(org.oxen.vmm.api.backend.BackendFactory.DEVICE_TYPE, "vbd",
                            "service.id", 2L + p));
                    current = next;
                }
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (count(longest, d.consoleOutput()) < phases) {
                assertTrue(System.nanoTime() < end && !d.awaitShutdown(20, TimeUnit.MILLISECONDS), d.consoleOutput());
            }
            bed.toolstack.write("/local/domain/" + d.id() + "/control/shutdown", "poweroff");
            assertTrue(d.awaitShutdown(300, TimeUnit.SECONDS), d.consoleOutput());
            String out = d.consoleOutput();
            assertTrue(out.contains("RESULT: PASS"), out);
            Matcher m = longest.matcher(out);
            for (int p = 0; m.find(); p++) {
                if (p < warm || p >= phases) continue;
                ((p - warm) % 2 == 0 ? swapped : quiet).add(Long.parseLong(m.group(1)));
            }
            out.lines().filter(x -> x.startsWith("blktest: ") && x.contains("requests,")).forEach(System.out::println);
        }
        swapped.sort(null);
        quiet.sort(null);
        System.out.printf(Locale.ROOT, "%nlongest request of a phase (4 KiB, depth 8, verified), guest time, ms:%n"
                + "| phases | n | min | median | max |%n|---|---:|---:|---:|---:|%n"
                + "| with a backend swap | %d | %.1f | %.1f | %.1f |%n| without | %d | %.1f | %.1f | %.1f |%n",
                swapped.size(), swapped.get(0) / 1e3, swapped.get(swapped.size() / 2) / 1e3,
                swapped.get(swapped.size() - 1) / 1e3, quiet.size(), quiet.get(0) / 1e3, quiet.get(quiet.size() / 2) / 1e3,
                quiet.get(quiet.size() - 1) / 1e3);
    }

    static int count(Pattern p, String s) {
        Matcher m = p.matcher(s);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    /** The load whose FileChannel rows are this one's peer (the same requests on the raw file, the same cache mode). */
    static String peerOf(String load) {
        if (load.endsWith(DIRECT_MARK)) return peerOf(load.substring(0, load.length() - DIRECT_MARK.length())) + DIRECT_MARK;
        for (Load l : LOADS) {
            if (l.name().equals(load) && (!l.format().equals("raw") || !l.opts().isEmpty())) {
                for (Load p : LOADS) {
                    if (p.format().equals("raw") && p.opts().isEmpty() && p.kib() == l.kib() && p.random() == l.random()
                            && (p.depth() == l.depth() || p.depth() == 64)) return p.name();
                }
            }
        }
        return load;
    }

    void printGuestCost() {
        System.out.println("\n| workload | direction | guest instructions per caller request | CPU ms per MiB: pCPU threads (the vcpu) | blkback | other Java threads | the JVM's (JIT, GC) |"
                + "\n|---|---|---:|---:|---:|---:|---:|");
        guestCost.forEach((k, v) -> {
            List<double[]> split = cpuSplit.get(k);
            double[] s = new double[4];
            for (int i = 0; i < 4; i++) {
                int j = i;
                s[i] = median(split.stream().map(x -> x[j]).toList());
            }
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %.2f | %.2f | %.2f | %.2f |%n", k, median(v), s[0], s[1], s[2], s[3]);
        });
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
    }

    /**
     * blktest's order of chunks: sequential, or its LCG (x = x * 1664525 + 1013904223 modulo the
     * chunk count, a power of two, starting from 0) so every chunk comes once.
     */
    static long[] offsets(Load l) {
        long bytes = (long) MIB << 20, chunk = l.kib() * 1024L;
        int n = (int) ((bytes + chunk - 1) / chunk);
        long[] o = new long[n];
        int x = 0;
        for (int i = 0; i < n; i++) {
            if (l.random()) {
                x = (x * 1664525 + 1013904223) & (n - 1);
                o[i] = x * chunk;
            } else {
                o[i] = i * chunk;
            }
        }
        return o;
    }

    /**
     * MiB/s of the load's requests on the image file from one thread (writes end with force), and
     * that thread's CPU milliseconds per MiB; {@code direct}: the file opened with O_DIRECT (as
     * blkback opens a direct-io-safe disk), from a block-aligned direct buffer.
     */
    static double[] channel(Path img, Load l, boolean write, boolean direct) throws IOException {
        long bytes = (long) MIB << 20;
        ByteBuffer b = ByteBuffer.allocateDirect(l.kib() * 1024 + 4096).alignedSlice(4096).limit(l.kib() * 1024).slice();
        try (FileChannel ch = ImageFiles.open(img, AccessMode.READ_WRITE, direct ? CacheMode.DIRECT : CacheMode.WRITEBACK)) {
            long t0 = System.nanoTime(), c0 = PhaseMeter.threadCpuNanos();
            for (long off : offsets(l)) {
                b.clear().limit((int) Math.min(b.capacity(), bytes - off));
                while (b.hasRemaining()) {
                    int n = write ? ch.write(b, off + b.position()) : ch.read(b, off + b.position());
                    if (n < 0) throw new IOException("EOF at " + off);
                }
            }
            if (write) ch.force(true);
            return new double[] {MIB / ((System.nanoTime() - t0) / 1e9), (PhaseMeter.threadCpuNanos() - c0) / 1e6 / MIB};
        }
    }

    /** {@code -Doxen.bench.qemu=false}: no QEMU guest rows (they need guests/linux/setup-host.sh's files). */
    static final boolean QEMU_GUEST = Boolean.parseBoolean(System.getProperty("oxen.bench.qemu", "true"));

    static final String[] VIRTIO_BLK = {"virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev",
            "virtio_pci", "virtio_blk"};
    static final String[] IDE_DISK = {"scsi_common", "scsi_mod", "libata", "ata_piix", "crct10dif_common",
            "crct10dif_generic", "crc-t10dif", "crc64", "crc64_rocksoft_generic", "crc64-rocksoft", "t10-pi", "sd_mod"};

    /**
     * The same sequential 4 KiB depth-1 workload in a guest under qemu-system-i386 (TCG) on the
     * same image: Debian's i386 kernel with a busybox initramfs (org.oxen.testing.linux) whose
     * script writes the disk with {@code dd bs=4096 oflag=direct conv=fsync} (a flush at the end,
     * as the kit's write pass) and reads it back with {@code iflag=direct}, timing each with the
     * guest's /proc/uptime; the disk is virtio-blk or IDE (PIIX), {@code cache=writeback} as
     * qemu-img bench's {@code -t writeback}. Returns MiB/s {write, read}.
     */
    static double[] qemuGuest(Path img, String iface) throws IOException, InterruptedException {
        String dev = iface.equals("virtio") ? "/dev/vda" : "/dev/sda";
        long count = ((long) MIB << 20) / 4096;
        String script = "i=0; while [ ! -b " + dev + " ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done\n"
                + "a=$(cut -d' ' -f1 /proc/uptime)\n"
                + "dd if=/dev/zero of=" + dev + " bs=4096 count=" + count + " oflag=direct conv=fsync 2>/dev/null || echo 'qemu-blk: write failed'\n"
                + "b=$(cut -d' ' -f1 /proc/uptime)\n"
                + "dd if=" + dev + " of=/dev/null bs=4096 count=" + count + " iflag=direct 2>/dev/null || echo 'qemu-blk: read failed'\n"
                + "c=$(cut -d' ' -f1 /proc/uptime)\n"
                + "echo \"qemu-blk: write $a $b read $b $c\"\n";
        Path dir = Files.createTempDirectory("qemublk");
        Path kernel = dir.resolve("vmlinuz"), initrd = dir.resolve("initrd.gz");
        Files.write(kernel, org.oxen.testing.linux.LinuxGuest.kernel());
        Files.write(initrd, org.oxen.testing.linux.LinuxGuest.initramfs(script,
                iface.equals("virtio") ? VIRTIO_BLK : IDE_DISK));
        List<String> cmd = List.of("qemu-system-i386", "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot",
                "-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", "console=ttyS0 quiet panic=-1",
                "-drive", "file=" + img + ",if=" + iface + ",format=raw,cache=writeback");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(900, TimeUnit.SECONDS)) throw new IOException("qemu-system-i386 did not end");
        } finally {
            p.destroyForcibly();
            Files.delete(kernel);
            Files.delete(initrd);
            Files.delete(dir);
        }
        Matcher m = Pattern.compile("qemu-blk: write ([0-9.]+) ([0-9.]+) read ([0-9.]+) ([0-9.]+)").matcher(out);
        if (out.contains("failed") || !m.find()) throw new IOException("the QEMU guest (" + iface + "): " + out);
        double w = Double.parseDouble(m.group(2)) - Double.parseDouble(m.group(1));
        double r = Double.parseDouble(m.group(4)) - Double.parseDouble(m.group(3));
        return new double[] {MIB / w, MIB / r};
    }

    /**
     * qemu-img bench over the whole image with the load's request size and depth (sequential),
     * {@code -t writeback}, or {@code -t none} (O_DIRECT) when {@code direct}.
     */
    static double qemuImgBench(Path img, Load l, boolean write, boolean direct) throws IOException, InterruptedException {
        long count = ((long) MIB << 20) / (l.kib() * 1024L);
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "bench", "-f", l.format(), "-t", direct ? "none" : "writeback", "-d",
                "" + l.depth(), "-c", "" + count, "-s", "" + l.kib() * 1024));
        if (write) {
            cmd.add("-w");
            cmd.add("--flush-interval=" + count);
        }
        cmd.add(img.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        Matcher m = Pattern.compile("Run completed in ([0-9.]+) seconds").matcher(out);
        if (!m.find()) throw new IOException("unexpected qemu-img bench output: " + out);
        return count * l.kib() / 1024.0 / Double.parseDouble(m.group(1));
    }
}
