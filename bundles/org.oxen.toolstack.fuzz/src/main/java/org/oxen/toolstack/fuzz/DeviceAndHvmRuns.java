package org.oxen.toolstack.fuzz;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.oxen.guests.RingfuzzReport;
import org.oxen.toolstack.xl.ConfigTextCreator;
import org.oxen.toolstack.xl.XlError;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.ShutdownReason;

/**
 * The device and HVM part of a mixed campaign's seed: the guest kit's {@code ringfuzz} against
 * the real blkback (a raw disk of its own) and the real netback (a vif on xenbr0), and its
 * {@code hvmfuzz} in an HVM domain, each created from an xl.cfg through xl's toolstack
 * ({@link ConfigTextCreator}: the same devices, backends and on_* actions as {@code xl create})
 * and destroyed as {@code xl destroy} does (the toolstack removes its devices).
 *
 * <p>Each run must power off with the guest's own {@code RESULT: PASS}: ringfuzz checks that
 * every malformed request was answered ERROR or EOPNOTSUPP with its id (blkif) or ERROR on every
 * slot (netif), that every good one came back OKAY with its data, and that an attack made the
 * backend stop (netback leaves Connected and netfront reconnects; blkback halts the ring, as
 * Linux's, and serves the reconnected ring); hvmfuzz that it ran its course, or it crashed
 * itself by a guest fault (a triple fault: its own devices and interrupt state are its to break,
 * as on hardware), which is counted and printed; a hypervisor error never is. Their counts by
 * answer go into the campaign's totals.
 *
 * <p>Not thread-safe: runs on the campaign's thread.
 */
final class DeviceAndHvmRuns {

    /** How many cases per seed (0: that run is left out). */
    record Spec(int blkCases, int netCases, int hvmOps) {
        Spec {
            if (blkCases < 0 || netCases < 0 || hvmOps < 0) throw new IllegalArgumentException("counts must not be negative");
        }

        static final Spec NONE = new Spec(0, 0, 0);

        boolean any() {
            return blkCases > 0 || netCases > 0 || hvmOps > 0;
        }
    }

    static final Pattern NET_RECONNECTS = Pattern.compile("ringfuzz: netfront (\\d+) reconnects");
    static final Pattern HVM_DONE = Pattern.compile("hvmfuzz: done (\\d+) ops, sequence ([0-9a-f]{16})");
    static final Pattern HVM_CALLS = Pattern.compile("hvmfuzz: hypercalls ok=(\\d+) refused=(\\d+)");
    static final int RING_MIB = 8, HVM_MIB = 16, DISK_BYTES = 2 << 20;
    /** blkif's first xvd disk (xvda), as the kit's blkfront looks it up. */
    static final int XVDA = 51712;

    private final ConfigTextCreator xl;
    private final Hypervisor hv;
    private final Consoles consoles;
    private final PrintStream progress;

    DeviceAndHvmRuns(ConfigTextCreator xl, Hypervisor hv, Consoles consoles, PrintStream progress) {
        this.xl = xl;
        this.hv = hv;
        this.consoles = consoles;
        this.progress = progress;
    }

    /**
     * The runs of one seed; their counts go into {@code totals} (keys {@code blk <answer>},
     * {@code net <answer>}, {@code hvm <result>}, and the cases and ops run); the problems
     * found are returned (empty: all passed).
     */
    List<String> run(int seed, String tag, Spec spec, TreeMap<String, Long> totals) throws InterruptedException {
        List<String> problems = new ArrayList<>();
        if (spec.blkCases() > 0) problems.addAll(blk(seed, tag, spec.blkCases(), totals));
        if (problems.isEmpty() && spec.netCases() > 0) problems.addAll(net(seed, tag, spec.netCases(), totals));
        if (problems.isEmpty() && spec.hvmOps() > 0) problems.addAll(hvm(seed, tag, spec.hvmOps(), totals));
        return problems;
    }

    private List<String> blk(int seed, String tag, int cases, TreeMap<String, Long> totals) throws InterruptedException {
        Path disk;
        try {
            disk = Files.createTempFile("oxen-fuzz-" + tag + "-" + seed + "-", ".img");
            try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
                f.setLength(DISK_BYTES);
            }
        } catch (IOException e) {
            return List.of("seed " + seed + ": no disk image for ringfuzz: " + e.getMessage());
        }
        try {
            String cfg = "name = \"fuzz-blk-" + tag + "-" + seed + "\"\nkernel = \"guest:ringfuzz\"\nmemory = " + RING_MIB
                    + "\nextra = \"node=device/vbd/" + XVDA + " seed=" + seed + " cases=" + cases + "\"\n"
                    + "disk = [ 'format=raw, vdev=xvda, access=rw, target=" + disk + "' ]\n" + PRESERVE;
            return judged("blk", seed, cfg, 60 + cases, totals, out -> {
                List<String> p = new ArrayList<>();
                RingfuzzReport report = report(out);
                if (report == null || report.cases() != cases) {
                    p.add("seed " + seed + ": blk ringfuzz did not run its " + cases + " cases");
                } else {
                    for (RingfuzzReport.Counts k : report.kinds().values()) {
                        totals.merge("blk okay", k.okay(), Long::sum);
                        totals.merge("blk error", k.error(), Long::sum);
                        totals.merge("blk eopnotsupp", k.eopnotsupp(), Long::sum);
                    }
                }
                totals.merge("blk cases", (long) cases, Long::sum);
                return p;
            });
        } finally {
            try {
                Files.deleteIfExists(disk);
            } catch (IOException e) {
                progress.println("fuzz: cannot delete " + disk + ": " + e.getMessage());
            }
        }
    }

    private List<String> net(int seed, String tag, int cases, TreeMap<String, Long> totals) throws InterruptedException {
        String mac = String.format("00:16:3e:%02x:%02x:%02x", 0x40 | (seed >> 16 & 0x3F), seed >> 8 & 0xFF, seed & 0xFF);
        String cfg = "name = \"fuzz-net-" + tag + "-" + seed + "\"\nkernel = \"guest:ringfuzz\"\nmemory = " + RING_MIB
                + "\nextra = \"node=device/vif/0 seed=" + seed + " cases=" + cases + "\"\n"
                + "vif = [ 'mac=" + mac + ", bridge=xenbr0' ]\n" + PRESERVE;
        return judged("net", seed, cfg, 60 + cases, totals, out -> {
            List<String> p = new ArrayList<>();
            RingfuzzReport report = report(out);
            if (report == null || report.cases() != cases) {
                p.add("seed " + seed + ": net ringfuzz did not run its " + cases + " cases");
            } else {
                for (RingfuzzReport.Counts k : report.kinds().values()) {
                    totals.merge("net okay", k.okay(), Long::sum);
                    totals.merge("net error", k.error(), Long::sum);
                }
            }
            Matcher r = NET_RECONNECTS.matcher(out);
            if (r.find()) totals.merge("net reconnects", Long.parseLong(r.group(1)), Long::sum);
            totals.merge("net cases", (long) cases, Long::sum);
            return p;
        });
    }

    private List<String> hvm(int seed, String tag, int ops, TreeMap<String, Long> totals) throws InterruptedException {
        String cfg = "name = \"fuzz-hvm-" + tag + "-" + seed + "\"\ntype = \"hvm\"\nkernel = \"guest-native:hvmfuzz\"\n"
                + "memory = " + HVM_MIB + "\nextra = \"seed=" + seed + " ops=" + ops + " ram_mib=" + HVM_MIB + "\"\n" + PRESERVE;
        return judged("hvm", seed, cfg, 60 + ops / 20, totals, out -> {
            List<String> p = new ArrayList<>();
            Matcher done = HVM_DONE.matcher(out);
            if (!done.find() || Integer.parseInt(done.group(1)) != ops) {
                p.add("seed " + seed + ": hvmfuzz did not run its " + ops + " ops");
            }
            Matcher c = HVM_CALLS.matcher(out);
            if (c.find()) {
                totals.merge("hvm hypercalls ok", Long.parseLong(c.group(1)), Long::sum);
                totals.merge("hvm hypercalls refused", Long.parseLong(c.group(2)), Long::sum);
            }
            totals.merge("hvm ops", (long) ops, Long::sum);
            return p;
        });
    }

    /** The ring fuzzer's report (the kit's one reader of its lines), or null if it did not finish. */
    private static RingfuzzReport report(String out) {
        try {
            return RingfuzzReport.of(out);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The domain is kept after it ends, for its console: the run destroys it. */
    private static final String PRESERVE = "on_poweroff = \"preserve\"\non_crash = \"preserve\"\non_reboot = \"preserve\"\n";

    private interface Counts {
        List<String> of(String out);
    }

    /** Creates the domain from {@code cfg}, waits for its end, judges it, destroys it. */
    private List<String> judged(String what, int seed, String cfg, long limitSeconds, TreeMap<String, Long> totals,
                                Counts counts) throws InterruptedException {
        long t0 = System.nanoTime();
        Domain d;
        try {
            d = xl.create("fuzz-" + what + "-" + seed + ".cfg", cfg, Path.of("").toAbsolutePath(), false).domain();
        } catch (XlError e) {
            return List.of("seed " + seed + ": xl refused the " + what + " fuzzer: " + e.getMessage());
        }
        try {
            if (!d.awaitShutdown(limitSeconds, TimeUnit.SECONDS)) {
                return List.of("seed " + seed + ": the " + what + " fuzzer did not finish in " + limitSeconds + " s ("
                        + d.state() + "): " + Campaign.tail(consoles.read(d)));
            }
            String out = consoles.read(d);
            ShutdownReason why = d.shutdownReason().orElse(null);
            String crash = d.crashMessage().orElse("");
            if (what.equals("hvm") && why == ShutdownReason.CRASH && !crash.startsWith("hypervisor error")) {
                // hvmfuzz may break itself (its own devices, interrupt routing and hypercall state are
                // its to break, as on hardware): that ends its run and nothing else; a hypervisor error
                // is never its own (the campaign also counts internal errors and BUG lines)
                totals.merge("hvm crashed itself", 1L, Long::sum);
                totals.merge("hvm ops", 0L, Long::sum);
                progress.printf("fuzz: seed %d: hvm fuzzer crashed itself (%s) after: %s, %.1f s%n", seed, crash,
                        Campaign.tail(out), (System.nanoTime() - t0) / 1e9);
                return List.of();
            }
            List<String> p = new ArrayList<>(counts.of(out));
            if (why != ShutdownReason.POWEROFF || !out.contains("RESULT: PASS")) {
                p.add("seed " + seed + ": the " + what + " fuzzer ended " + why + d.crashMessage().map(m -> ": " + m).orElse("")
                        + ": " + Campaign.tail(out));
            }
            progress.printf("fuzz: seed %d: %s fuzzer %s, %.1f s%n", seed, what, p.isEmpty() ? "passed" : "FAILED",
                    (System.nanoTime() - t0) / 1e9);
            return p;
        } finally {
            hv.destroy(d.id());
        }
    }
}
