package org.oxen.x86.cpu.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.oxen.x86.cpu.internal.x64.NativeRegionCompiler;

/**
 * A census of the native backend's subset (a diagnostic, off unless
 * {@code -Doxen.x86.cpu.nativeCensus=true}; {@code -Doxen.x86.cpu.nativeCensus.file=PATH} appends the
 * report to that file too): every region the JVM translator compiles is planned
 * again as {@link RegionRecords} and read as {@link NativeRegionCompiler} would compile it (a
 * block runs natively from its first instruction up to the first one outside the subset;
 * a block whose first instruction is outside is not emitted), and at exit the JVM prints to
 * standard error: regions planned, regions the compiler accepts (an entry inside the subset) and
 * those it would run whole, the records of all regions and the share inside the subset, both
 * counted once per region (static) and weighted by execution, the cost of a region's compile
 * alone by either compiler, and the record shapes outside the subset
 * ({@link NativeRegionCompiler#refusal}) most frequent by execution first.
 *
 * <p>Execution weight: the JVM regions count the instructions each retired ({@code
 * Region.retired}), not per instruction; a region's retired count is spread over its records
 * in proportion to the share of them each block holds (an estimate: a region's loop body and its
 * rarely taken branches weigh alike), which is what a census run can afford without counting
 * inside translated code.
 *
 * <p>Design: one entry per translated region, made at translation (rare next to execution), read
 * at exit. Locking: the list is synchronized (CPUs of one JVM translate on their own threads);
 * the regions' counts are read racily at exit, an estimate.
 */
final class NativeSubsetCensus {

    /** The JVM's census when {@code -Doxen.x86.cpu.nativeCensus=true}, else null. */
    static final NativeSubsetCensus JVM = Boolean.getBoolean("oxen.x86.cpu.nativeCensus") ? printedAtExit(new NativeSubsetCensus()) : null;

    /** A translated region and what the native compiler makes of its plan. */
    private record Entry(Region region, int records, int nativeRecords, boolean accepted, Map<String, Integer> refused,
            Map<String, Integer> charged) {
    }

    private final List<Entry> entries = new ArrayList<>();
    /**
     * The cost of a region's compile alone, summed (nanoseconds of the translating thread's wall
     * clock; code bytes): the JVM translator's ({@code RegionCompiler.compile}, told by the
     * dispatcher: the plan, the bytecode and the hidden class's definition; HotSpot's JIT of it
     * comes later and is not in it) and the native compiler's (the plan again and the x86-64
     * code), for the regions both compiled.
     */
    private long jvmNanos, nativeNanos, nativeBytes, nativeCompiled;
    /** Native compiles that threw (a compiler defect the census reports instead of stopping the guest), and the last one. */
    private long nativeFailed;
    private RuntimeException lastFailure;

    private static NativeSubsetCensus printedAtExit(NativeSubsetCensus c) {
        String file = System.getProperty("oxen.x86.cpu.nativeCensus.file");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            String report = c.report(30);
            System.err.print(report);
            if (file != null) { // a forked test JVM's standard error is gone by the time its hooks run
                try {
                    java.nio.file.Files.writeString(java.nio.file.Path.of(file), report, java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                } catch (java.io.IOException e) {
                    System.err.println("x86 native census: cannot write " + file + ": " + e);
                }
            }
        }, "x86 native census"));
        return c;
    }

    /** The JVM translator compiled {@code rg} at offset {@code entry} of the frame {@code frame}. */
    void translated(Region rg, byte[] frame, int entry, long jvmCompileNanos) {
        long t0 = System.nanoTime();
        RegionRecords plan = RegionRecords.plan(frame, entry, RegionPlan.MAX_INSNS);
        if (plan == null) return;
        byte[] code;
        try {
            code = NativeRegionCompiler.compile(plan, 0);
        } catch (RuntimeException e) {
            synchronized (entries) {
                nativeFailed++;
                lastFailure = e;
            }
            code = null;
        }
        long t = System.nanoTime() - t0;
        if (code != null) {
            synchronized (entries) {
                jvmNanos += jvmCompileNanos;
                nativeNanos += t;
                nativeBytes += code.length;
                nativeCompiled++;
            }
        }
        int records = 0, nativeRecords = 0;
        Map<String, Integer> refused = new HashMap<>(), charged = new HashMap<>();
        for (RegionRecords.Block b : plan.blocks) {
            boolean running = true;
            for (int n = 0; n < b.insns.size(); n++) {
                records++;
                String why = NativeRegionCompiler.refusal(b.insns.get(n));
                if (why != null) {
                    refused.merge(why, 1, Integer::sum);
                    if (running) charged.merge(why, b.insns.size() - n, Integer::sum); // it and the rest of its block
                    running = false;
                } else if (running) {
                    nativeRecords++;
                }
            }
        }
        boolean accepted = !plan.blocks.get(0).insns.isEmpty() && NativeRegionCompiler.refusal(plan.blocks.get(0).insns.get(0)) == null;
        synchronized (entries) {
            entries.add(new Entry(rg, records, nativeRecords, accepted, refused, charged));
        }
    }

    /** The census as text. */
    String report(int n) {
        List<Entry> es;
        synchronized (entries) {
            es = new ArrayList<>(entries);
        }
        long regions = es.size(), accepted = 0, whole = 0, records = 0, nativeRecords = 0;
        double executed = 0, executedNative = 0;
        Map<String, long[]> refused = new HashMap<>(); // shape -> {static count, executed estimate, executed not native by it}
        for (Entry e : es) {
            if (e.accepted) accepted++;
            if (e.nativeRecords == e.records) whole++;
            records += e.records;
            nativeRecords += e.nativeRecords;
            double perRecord = (double) e.region.retired / Math.max(1, e.records);
            executed += e.region.retired;
            executedNative += perRecord * e.nativeRecords;
            for (Map.Entry<String, Integer> r : e.refused.entrySet()) {
                long[] c = refused.computeIfAbsent(r.getKey(), k -> new long[3]);
                c[0] += r.getValue();
                c[1] += Math.round(perRecord * r.getValue());
            }
            for (Map.Entry<String, Integer> r : e.charged.entrySet()) refused.get(r.getKey())[2] += Math.round(perRecord * r.getValue());
        }
        StringBuilder sb = new StringBuilder();
        long n2;
        double jvmMs, nativeMs, bytes;
        synchronized (entries) {
            n2 = Math.max(1, nativeCompiled);
            jvmMs = jvmNanos / 1e6;
            nativeMs = nativeNanos / 1e6;
            bytes = nativeBytes;
        }
        sb.append(String.format("x86 native census: %,d regions translated, %,d (%.1f %%) accepted by the native compiler,"
                + " %,d (%.1f %%) native throughout%n", regions, accepted, 100.0 * accepted / Math.max(1, regions), whole,
                100.0 * whole / Math.max(1, regions)));
        sb.append(String.format("  records: %,d planned, %,d (%.1f %%) run natively; executed in regions %,.0f, natively %,.0f (%.1f %%)%n",
                records, nativeRecords, 100.0 * nativeRecords / Math.max(1, records), executed, executedNative,
                100.0 * executedNative / Math.max(1, executed)));
        sb.append(String.format("  compile alone, %,d regions both compiled: JVM translator %.1f ms (%.0f us a region), native %.1f ms"
                + " (%.0f us a region, %.0f bytes of x86-64 a region)%n", nativeCompiled, jvmMs, 1000 * jvmMs / n2, nativeMs,
                1000 * nativeMs / n2, bytes / n2));
        if (nativeFailed > 0) sb.append(String.format("  NATIVE COMPILES FAILED: %,d (the last: %s)%n", nativeFailed, lastFailure));
        sb.append("  outside the subset, by the executed records each keeps from running natively (it and the rest of its block):\n");
        sb.append("  (kept out, share of executed; the shape's own executed estimate; static count; shape)\n");
        List<Map.Entry<String, long[]>> top = new ArrayList<>(refused.entrySet());
        top.sort((x, y) -> Long.compare(y.getValue()[2], x.getValue()[2]));
        for (Map.Entry<String, long[]> r : top.subList(0, Math.min(n, top.size()))) {
            long[] c = r.getValue();
            sb.append(String.format("  %,16d  %5.2f %%  %,16d  %,7d  %s%n", c[2], 100.0 * c[2] / Math.max(1, executed), c[1], c[0], r.getKey()));
        }
        return sb.toString();
    }
}
