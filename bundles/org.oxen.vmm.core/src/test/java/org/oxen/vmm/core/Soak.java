package org.oxen.vmm.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.lang.ref.WeakReference;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.sched.rr.RoundRobinFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainSaveRestore;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.ShutdownReason;

/**
 * The soak run of issue 22 on the bare {@link Vmm} (2 pCPUs): {@code busy} CPU-bound kit domains
 * (cpubench, repeat=0, checking their checksums every round) run for the whole time while the
 * loop, round after round, creates and destroys a domain ({@code hello}), balloons one down, up
 * and through XENMEM_exchange ({@code balloon}, its own checks, order-2 extents below 1 GiB among
 * them), saves a suspended {@code counter} and restores it into a new domain that counts on to the
 * end, migrates a counting {@code counter} live within the host (pre-copy rounds under log-dirty
 * into a restore on another thread, the last copy when it suspends itself; every number once), and
 * swaps the default scheduler (Credit out, Round-Robin in, and back: every domain moves). Then
 * every domain goes, the frame pool's free lists are checked against its frame table, and the
 * leak report compares with the start: free frames, RAM pages the host
 * holds, domains, hypervisor threads, open file handles, heap after a GC, internal errors, and
 * how many of the destroyed domains are still reachable (each is held weakly once destroyed: any
 * left after GC is a leak; {@code -Doxen.soak.heapDump=FILE} then writes a heap dump that
 * benchmarks/soak/heap_paths.py walks from the GC roots).
 * Event channels and grant entries live in their domains' structures and go with them (the report
 * counts the domains); Domain-0's ports and grant mappings, xenstore and the backend bundles' swaps
 * need the Felix runtime: the itests' {@code XlSoakTest}.
 *
 * <p>{@code SoakTest} runs it for 30 s in CI, {@code SoakBenchmark} (benchmarks/soak/soak.sh) as
 * long as asked. {@code -Doxen.soak.swap=false} leaves the scheduler swaps out; when the heap after
 * GC grew by more than {@code oxen.soak.heapSlackMiB} (16) the largest classes are printed.
 */
final class Soak {

    /** What the run did and what it left. */
    record Report(long seconds, int busy, int rounds, int created, int ballooned, int restored, int migrated, int swaps,
            long freeFramesBefore, long freeFramesAfter, long ramBytesBefore, long ramBytesAfter, int domainsAfter,
            int threadsBefore, int threadsAfter, long fdsBefore, long fdsAfter, long heapMiBBefore, long heapMiBAfter,
            long internalErrors, int destroyed, int reachableAfter, List<String> failures) {

        boolean leakFree() {
            return failures.isEmpty() && freeFramesAfter == freeFramesBefore && ramBytesAfter == ramBytesBefore
                    && domainsAfter == 0 && threadsAfter <= threadsBefore && fdsAfter <= fdsBefore && internalErrors == 0
                    && reachableAfter == 0;
        }

        @Override
        public String toString() {
            return String.format("soak: %d s, %d busy domains, %d rounds: %d created and destroyed, %d ballooned, "
                    + "%d saved and restored (run on), %d migrated live (pre-copy rounds, run on), %d scheduler swaps%n"
                    + "leak report: free frames %d -> %d; host RAM pages %d -> %d KiB; domains left %d; threads %d -> %d; "
                    + "open files %d -> %d; heap after GC %d -> %d MiB; destroyed domains still reachable %d of %d; "
                    + "internal errors %d; failures %s%n"
                    + "soak: %s", seconds, busy, rounds, created, ballooned, restored, migrated, swaps, freeFramesBefore,
                    freeFramesAfter, ramBytesBefore >> 10, ramBytesAfter >> 10, domainsAfter, threadsBefore, threadsAfter,
                    fdsBefore, fdsAfter, heapMiBBefore, heapMiBAfter, reachableAfter, destroyed, internalErrors, failures,
                    leakFree() ? "PASS (nothing leaked)" : "FAIL");
        }
    }

    private Soak() {
    }

    static long openFiles() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    static long heapMiB() {
        for (int i = 0; i < 3; i++) System.gc();
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }

    static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    static Report run(int busy, long seconds, java.io.PrintStream log) throws Exception {
        Vmm vmm = new Vmm((long) (busy * 8 + 160) << 20, 2);
        CreditFactory credit = new CreditFactory();
        RoundRobinFactory rr = new RoundRobinFactory();
        try {
            vmm.addScheduler(credit, true, 1000);
            vmm.addScheduler(rr, false, 0);
            List<String> failures = new ArrayList<>();
            List<WeakReference<Domain>> gone = new ArrayList<>(); // every domain destroyed: none may stay reachable
            // one round of each kind first: what the JVM and the hypervisor create once, on first
            // use (class loading's open jars, a timer thread), is not a leak of the rounds
            for (int k = 0; k < KINDS; k++) round(vmm, k, -1 - k, credit, failures, gone);
            long free0 = vmm.freeFrames(), ram0 = vmm.pool().ram().committedBytes();
            int threads0 = threads();
            Set<String> threadNames0 = threadNames();
            long fds0 = openFiles(), heap0 = heapMiB();
            List<Domain> busyDomains = new ArrayList<>();
            byte[] cpubench = GuestImages.load(GuestImages.Flavor.PV, "cpubench");
            for (int i = 0; i < busy; i++) {
                busyDomains.add(vmm.create(DomainConfig.builder("busy" + i).kernel(cpubench).memoryMiB(8)
                        .cmdline("loop=20000 mix=1 repeat=0").build()));
            }
            int threadsBusy = threads();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            int rounds = 0, created = 0, ballooned = 0, restored = 0, migrated = 0, swaps = 0;
            while (System.nanoTime() < end && failures.isEmpty()) {
                int ok = round(vmm, rounds % KINDS, rounds, credit, failures, gone);
                switch (rounds % KINDS) {
                    case 0 -> created += ok;
                    case 1 -> ballooned += ok;
                    case 2 -> restored += ok;
                    case 3 -> migrated += ok;
                    default -> swaps += ok;
                }
                rounds++;
                if (log != null && rounds % 10 == 0) {
                    log.printf("soak: %d rounds, %d s left, free frames %d (largest block below 1 GiB: order %d), threads %d%n",
                            rounds, TimeUnit.NANOSECONDS.toSeconds(end - System.nanoTime()), vmm.freeFrames(),
                            vmm.pool().largestFreeOrder(1 << 18), threads());
                }
            }
            for (Domain d : busyDomains) {
                if (d.state() != DomainState.RUNNING && d.state() != DomainState.BLOCKED) {
                    failures.add(d.name() + " " + d.state() + ": " + d.crashMessage().orElse(""));
                } else if (d.consoleOutput().contains("FAIL")) {
                    failures.add(d.name() + " failed: " + d.consoleOutput());
                }
                destroy(vmm, d, gone);
            }
            busyDomains.clear();
            Thread.sleep(200); // vcpu threads of destroyed domains finish
            int domainsAfter = vmm.list().size();
            Set<String> extra = threadNames();
            extra.removeAll(threadNames0);
            if (log != null && !extra.isEmpty()) log.println("soak: threads that were not there at the start: " + extra);
            String lists = vmm.pool().checkFreeLists();
            if (lists != null) failures.add("frame pool's free lists: " + lists);
            Report r = new Report(seconds, busy, rounds, created, ballooned, restored, migrated, swaps, free0, vmm.freeFrames(), ram0,
                    vmm.pool().ram().committedBytes(), domainsAfter, threads0, threads(), fds0, openFiles(), heap0,
                    heapMiB(), vmm.internalErrors(), gone.size(), reachable(gone), failures);
            if (log != null) log.printf("soak: threads with the busy domains running: %d%n", threadsBusy);
            String dump = System.getProperty("oxen.soak.heapDump"); // where the heap goes when a domain stayed reachable
            if (dump != null && r.reachableAfter() > 0) {
                new File(dump).delete();
                ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class).dumpHeap(dump, true);
                if (log != null) log.println("soak: heap dumped to " + dump);
            }
            if (log != null && r.heapMiBAfter() > r.heapMiBBefore() + Integer.getInteger("oxen.soak.heapSlackMiB", 16)) {
                log.println(histogram());
            }
            return r;
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * How long a round's guest may take ({@code oxen.soak.roundSeconds}, 600): a starved host (the
     * long run at nice 19 beside other work) may need more; a guest that makes no progress at all
     * is still caught when its round times out.
     */
    static final long ROUND_SECONDS = Long.getLong("oxen.soak.roundSeconds", 600);

    /** The kinds of round: create and destroy, balloon, save and restore, live migration, scheduler swap. */
    static final int KINDS = 5;

    /** Round {@code n} of kind {@code kind} (one of {@link #KINDS}): 1 if it went well. */
    private static int round(Vmm vmm, int kind, int n, CreditFactory credit, List<String> failures,
            List<WeakReference<Domain>> gone) throws Exception {
        switch (kind) {
            case 0:
                return once(vmm, DomainConfig.builder("hello" + n).kernel(GuestImages.load(GuestImages.Flavor.PV, "hello"))
                        .memoryMiB(4).build(), failures, gone);
            case 1:
                return once(vmm, DomainConfig.builder("balloon" + n)
                        .kernel(GuestImages.load(GuestImages.Flavor.PV, "balloon")).memoryMiB(16).maxMemoryMiB(17)
                        .cmdline("pages=32 rounds=3 keep_out=16").build(), failures, gone);
            case 2:
                return migrate(vmm, "counter" + n, failures, gone);
            case 3:
                return migrateLive(vmm, "mover" + n, failures, gone);
            default:
                if (!Boolean.parseBoolean(System.getProperty("oxen.soak.swap", "true"))) return 1;
                vmm.removeScheduler(credit); // every domain moves to Round-Robin
                Thread.sleep(100);
                vmm.addScheduler(credit, true, 1000); // and back
                return 1;
        }
    }

    /** The heap's largest classes after a GC (jcmd GC.class_histogram), for a heap that grew. */
    static String histogram() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return "soak: heap grew; the largest classes:\n"
                    + String.join("\n", out.toString().lines().limit(18).toList());
        } catch (Exception e) {
            return "soak: no class histogram: " + e;
        }
    }

    static Set<String> threadNames() {
        Set<String> names = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) names.add(t.getName());
        return names;
    }

    /**
     * The round's domains get Credit weight 32,768 (the busy ones 256 each: 128 of them weigh as
     * much), as a toolstack's own work would, so a round does not take 129 shares' worth of time.
     */
    private static void favour(Vmm vmm, Domain d) {
        vmm.setSchedulerParams(d.id(), java.util.Map.of("weight", "32768"));
    }

    /** Destroys {@code d} through the real path and remembers it weakly: the report counts those still reachable. */
    private static void destroy(Vmm vmm, Domain d, List<WeakReference<Domain>> gone) {
        vmm.destroy(d.id());
        gone.add(new WeakReference<>(d));
    }

    /** How many of the destroyed domains are still reachable after GCs (0: none kept alive by anything). */
    static int reachable(List<WeakReference<Domain>> gone) throws InterruptedException {
        // bounded by time, not tries: a pCPU lets go of the last vcpu it ran only when it next takes
        // a turn, which a loaded host may put off for a while
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int n;
        while (true) {
            System.gc();
            n = 0;
            for (WeakReference<Domain> r : gone) if (r.get() != null) n++;
            if (n == 0 || System.nanoTime() - deadline > 0) return n;
            Thread.sleep(100);
        }
    }

    /** Creates a domain that must power off with PASS (or at least power off), destroys it; 1 if all went well. */
    private static int once(Vmm vmm, DomainConfig c, List<String> failures, List<WeakReference<Domain>> gone)
            throws Exception {
        Domain d = vmm.create(c);
        favour(vmm, d);
        boolean done = d.awaitShutdown(ROUND_SECONDS, TimeUnit.SECONDS);
        String out = d.consoleOutput();
        destroy(vmm, d, gone);
        if (!done || d.shutdownReason().orElse(null) != ShutdownReason.POWEROFF || out.contains("RESULT: FAIL")) {
            failures.add(c.name() + (done ? " " + d.shutdownReason().orElse(null) : " never finished") + ": " + out);
            return 0;
        }
        return 1;
    }

    /**
     * A counter migrated live within the host: while it counts, its memory goes to a restore on
     * another thread in pre-copy rounds under log-dirty, it suspends itself at 10 (the last copy),
     * the source is destroyed and the new domain counts on to 20. 1 if every number came once.
     */
    private static int migrateLive(Vmm vmm, String name, List<String> failures, List<WeakReference<Domain>> gone)
            throws Exception {
        Domain src = vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "counter"))
                .memoryMiB(8).cmdline("count=20 spin=3000 suspend_at=10").startPaused(true).build());
        favour(vmm, src);
        java.io.PipedInputStream in = new java.io.PipedInputStream(1 << 20);
        java.io.PipedOutputStream pipe = new java.io.PipedOutputStream(in);
        java.util.concurrent.CompletableFuture<DomainSaveRestore.Restored> target =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try (in) {
                        return vmm.restore(in, s -> s + "-moved");
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
        try (java.io.PipedOutputStream out = pipe) {
            vmm.saveLive(src.id(), out, new byte[0], new DomainSaveRestore.LiveOptions(5, 0), () -> {
                if (!src.awaitShutdown(ROUND_SECONDS, TimeUnit.SECONDS)) throw new java.io.IOException(name + " never suspended");
            }, round -> {
                // it runs from the first round's end: created running, it could suspend itself
                // (suspend_at) before a loaded host's soak thread began the save ("not running")
                if (round.number() == 1) vmm.unpause(src.id());
            });
        } catch (Exception e) {
            failures.add(name + " live save: " + e + ": " + src.consoleOutput());
            destroy(vmm, src, gone);
            try {
                target.get(60, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the restore fails with the stream: nothing was built
            }
            return 0;
        }
        Domain dst = target.get(ROUND_SECONDS, TimeUnit.SECONDS).domain();
        String before = src.consoleOutput();
        destroy(vmm, src, gone);
        favour(vmm, dst);
        vmm.unpause(dst.id());
        boolean done = dst.awaitShutdown(ROUND_SECONDS, TimeUnit.SECONDS);
        String after = dst.consoleOutput();
        destroy(vmm, dst, gone);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("counter: (\\d+)\n").matcher(before + after);
        int expect = 1;
        while (m.find() && Integer.parseInt(m.group(1)) == expect) expect++;
        if (!done || dst.shutdownReason().orElse(null) != ShutdownReason.POWEROFF || !after.contains("RESULT: PASS")
                || expect != 21) {
            failures.add(name + " migrated live did not count 1..20 once each (" + (expect - 1) + " in order): " + before
                    + "\n--- after the move ---\n" + after);
            return 0;
        }
        return 1;
    }

    /** A counter suspended at 10, saved, destroyed, restored and counting on to 20: 1 if so. */
    private static int migrate(Vmm vmm, String name, List<String> failures, List<WeakReference<Domain>> gone)
            throws Exception {
        Domain src = vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "counter"))
                .memoryMiB(8).cmdline("count=20 spin=2000 suspend_at=10").build());
        favour(vmm, src);
        if (!src.awaitShutdown(ROUND_SECONDS, TimeUnit.SECONDS) || src.shutdownReason().orElse(null) != ShutdownReason.SUSPEND) {
            failures.add(name + " never suspended: " + src.consoleOutput());
            destroy(vmm, src, gone);
            return 0;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        vmm.save(src.id(), out, new byte[0]);
        destroy(vmm, src, gone);
        DomainSaveRestore.Restored r = vmm.restore(new ByteArrayInputStream(out.toByteArray()), n -> n);
        Domain dst = r.domain();
        favour(vmm, dst);
        vmm.unpause(dst.id());
        boolean done = dst.awaitShutdown(ROUND_SECONDS, TimeUnit.SECONDS);
        String console = dst.consoleOutput();
        destroy(vmm, dst, gone);
        if (!done || dst.shutdownReason().orElse(null) != ShutdownReason.POWEROFF || !console.contains("RESULT: PASS")) {
            failures.add(name + " restored did not finish: " + console);
            return 0;
        }
        return 1;
    }
}
