package org.oxen.x86.cpu.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A census of the instructions that stay out of translated code (a diagnostic, off unless
 * {@code -Doxen.x86.cpu.census=true}): every instruction the decoded-instruction loop hands to
 * the interpreter because it has no record (a prefix a record does not take, 16-bit code, a form
 * without a record kind: such an instruction ends a region and is never translated), counted by
 * its shape (prefixes, opcode, the ModR/M reg field of a group, register or memory form), beside
 * the instructions retired in all and inside translated regions. With it on, the JVM prints the
 * most frequent shapes to standard error when it exits; {@link #top} gives them to tests.
 *
 * <p>Design: one table of counts indexed by the shape's key, filled on the interpreter's path
 * only ({@code Cached.slowOne}; the decoded loop and regions add per batch and per region run),
 * so with the census off the CPU pays one null test per interpreted instruction. Locking: none;
 * the counts are plain increments, so CPUs on several threads sharing the JVM's census may lose
 * a few (it is an estimate for choosing what to translate, not an account).
 */
final class InstructionCensus {

    /** The JVM's census when {@code -Doxen.x86.cpu.census=true}, else null (read once, at class load). */
    static final InstructionCensus JVM = Boolean.getBoolean("oxen.x86.cpu.census") ? printedAtExit(new InstructionCensus()) : null;

    // key: bits 0-7 opcode, 8 the 0F map, 9-11 ModR/M reg, 12 a group's reg is meaningful,
    // 13 memory form, 14-19 prefixes (66, 67, segment, F3, F2, F0), 20 16-bit code
    private static final int MAP_0F = 1 << 8, REG_AT = 9, GROUP = 1 << 12, MEMORY = 1 << 13, P66 = 1 << 14,
            P67 = 1 << 15, PSEG = 1 << 16, PF3 = 1 << 17, PF2 = 1 << 18, PF0 = 1 << 19, CODE16 = 1 << 20;
    /** The key of instructions the census could not look at (no fetch window over them; 0F is never a key's opcode). */
    private static final int UNSEEN = 0x0F;

    /** Counts by key (16 MiB, allocated only with the census on). */
    private final long[] counts = new long[1 << 21];
    /** Instructions retired by the decoded loop (records and interpreter) and inside regions. */
    long retired, inRegions;
    /** Of {@link #inRegions}: those native regions retired ({@link NativeRegion}). */
    long inNative;

    /**
     * Native regions' returns to the dispatcher by kind ({@code NX_*}): ended at a branch out or
     * a return, ended at a record outside the subset, budget spent, a TLB miss filled but left
     * (inside the region: the decoded loop runs on from the instruction), a TLB miss not filled
     * (the decoded loop runs the instruction), a slow path (DIV), not entered at all (budget below
     * the region's span, segments not flat, the frame at another linear address, code changed).
     */
    static final int NX_END = 0, NX_END_UNSUPPORTED = 1, NX_BUDGET = 2, NX_MISS_FILLED = 3, NX_MISS = 4, NX_SLOW = 5,
            NX_NOT_ENTERED = 6, NX_KINDS = 7;
    private static final String[] NX_NAMES = {"end (branch out, return)", "end at a record outside the subset",
        "budget", "TLB miss filled, left", "TLB miss not filled", "slow path", "not entered"};
    /** Per {@code NX_*}: returns, and how many the dispatcher followed with another region, native or JVM (the rest: the decoded loop). */
    final long[] nativeExits = new long[NX_KINDS], thenNative = new long[NX_KINDS], thenJvm = new long[NX_KINDS];
    /** Counts a native return of kind {@code exit} that the dispatcher followed with a region (native or not); returns -1. */
    int followedBy(int exit, boolean nativeRegion) {
        if (nativeRegion) thenNative[exit]++;
        else thenJvm[exit]++;
        return -1;
    }

    /**
     * Why JVM regions are not native ({@code JR_*}: no native tier, segments not flat at the
     * translation, compiled for the JVM after frequent slow exits, the entry's instruction outside
     * the native subset, a straight run too short for the native compiler, other), and the
     * instructions such regions retired.
     */
    static final int JR_NO_TIER = 0, JR_NOT_FLAT = 1, JR_SLOW_EXITS = 2, JR_ENTRY_OUTSIDE = 3, JR_SHORT = 4,
            JR_OTHER = 5, JR_KINDS = 6;
    private static final String[] JR_NAMES = {"no native tier", "segments not flat", "after slow exits",
        "entry outside the subset", "straight and short", "other"};
    final long[] jvmRetiredBy = new long[JR_KINDS];

    /** TLB misses filled and run on in native code; native regions entered at a loop head rather than their entry. */
    long missesResumed, headEntries;

    /** Native regions compiled, the bytes of their code, and flushes of a full code arena (every CPU's). */
    long nativeRegionsCompiled, nativeCodeBytes, nativeCodeFlushes;

    private static InstructionCensus printedAtExit(InstructionCensus c) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(c.report(40)), "x86 census"));
        return c;
    }

    /**
     * Counts the instruction at {@code arr[p..]} (bytes up to {@code end} exclusive are the
     * page's; the rest read as 0), or one that could not be looked at when {@code arr} is null.
     */
    void interpreted(byte[] arr, int p, int end, boolean code32) {
        counts[arr == null ? UNSEEN : key(arr, p, end, code32)]++;
    }

    private static int key(byte[] arr, int p, int end, boolean code32) {
        int k = code32 ? 0 : CODE16;
        int i = p;
        for (int n = 0; n < 14; n++, i++) {
            int b = at(arr, i, end);
            if (Forms.SEGMENT_OVERRIDE[b] >= 0) k |= PSEG;
            else if (b == 0x66) k |= P66;
            else if (b == 0x67) k |= P67;
            else if (b == 0xF3) k |= PF3;
            else if (b == 0xF2) k |= PF2;
            else if (b == 0xF0) k |= PF0;
            else break;
        }
        int op = at(arr, i++, end);
        int f;
        boolean modrm;
        if (op == 0x0F) {
            op = at(arr, i++, end);
            k |= MAP_0F;
            f = Forms.TWO[op];
            modrm = Forms.TWO_MODRM[op];
        } else {
            f = Forms.ONE[op];
            modrm = Forms.ONE_MODRM[op];
        }
        k |= op;
        if (modrm) {
            int m = at(arr, i, end);
            if (m < 0xC0) k |= MEMORY;
            if (f < 0) k |= GROUP | ((m >>> 3) & 7) << REG_AT;
        }
        return k;
    }

    private static int at(byte[] arr, int i, int end) {
        return i < end ? arr[i] & 0xFF : 0;
    }

    /** A shape and how many of its instructions were interpreted. */
    record Shape(String name, long count) {
    }

    /** The {@code n} most frequent shapes, most frequent first. */
    List<Shape> top(int n) {
        List<Shape> out = new ArrayList<>();
        long[] c = counts.clone();
        for (int j = 0; j < n; j++) {
            int best = -1;
            for (int k = 0; k < c.length; k++) if (c[k] > 0 && (best < 0 || c[k] > c[best])) best = k;
            if (best < 0) break;
            out.add(new Shape(name(best), c[best]));
            c[best] = 0;
        }
        return out;
    }

    /** Instructions interpreted in all. */
    long interpretedTotal() {
        long s = 0;
        for (long x : counts) s += x;
        return s;
    }

    /** A shape as objdump would name it, with its prefixes and operand kind: "f3 stos (32-bit code)". */
    static String name(int k) {
        if (k == UNSEEN) return "(not in a fetch window)";
        StringBuilder sb = new StringBuilder();
        int[][] prefixes = {{PSEG, 0}, {P66, 0x66}, {P67, 0x67}, {PF3, 0xF3}, {PF2, 0xF2}, {PF0, 0xF0}};
        for (int[] pr : prefixes) {
            if ((k & pr[0]) != 0) sb.append(pr[1] == 0 ? "seg " : Integer.toHexString(pr[1]) + " ");
        }
        int op = k & 0xFF;
        boolean two = (k & MAP_0F) != 0;
        int f = two ? Forms.TWO[op] : Forms.ONE[op];
        if ((k & GROUP) != 0) f = Forms.group(f, ((k >>> REG_AT) & 7) << 3);
        sb.append(String.format(two ? "0f %02x " : "%02x ", op)).append(f < 0 ? "(group)" : Forms.NAME[f]);
        boolean modrm = two ? Forms.TWO_MODRM[op] : Forms.ONE_MODRM[op];
        if ((k & GROUP) != 0) sb.append(" /").append((k >>> REG_AT) & 7);
        if (modrm) sb.append((k & MEMORY) != 0 ? " mem" : " reg");
        if ((k & CODE16) != 0) sb.append(" (16-bit code)");
        return sb.toString();
    }

    /** The census as text: the totals, then the {@code n} most frequent shapes with their shares. */
    String report(int n) {
        long interpreted = interpretedTotal();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("x86 census: %,d instructions retired, %,d (%.1f %%) in translated regions, %,d (%.1f %%)"
                + " interpreted (no record):%n", retired, inRegions, 100.0 * inRegions / Math.max(1, retired), interpreted,
                100.0 * interpreted / Math.max(1, retired)));
        long inJvm = inRegions - inNative, decoded = retired - inRegions - interpreted;
        sb.append(String.format("  native %,d (%.1f %%), JVM regions %,d (%.1f %%), decoded loop %,d (%.1f %%)%n", inNative,
                100.0 * inNative / Math.max(1, retired), inJvm, 100.0 * inJvm / Math.max(1, retired), decoded,
                100.0 * decoded / Math.max(1, retired)));
        sb.append(String.format("  native TLB misses filled and run on natively: %,d; regions entered at a loop head: %,d%n",
                missesResumed, headEntries));
        sb.append(String.format("  native regions compiled: %,d, %,d bytes of code (%,d bytes a region), code arenas flushed full: %,d%n",
                nativeRegionsCompiled, nativeCodeBytes, nativeCodeBytes / Math.max(1, nativeRegionsCompiled), nativeCodeFlushes));
        for (int x = 0; x < JR_KINDS; x++) {
            sb.append(String.format("  JVM regions not native: %-26s %,16d instructions%n", JR_NAMES[x] + ":", jvmRetiredBy[x]));
        }
        for (int x = 0; x < NX_KINDS; x++) {
            long k = nativeExits[x];
            sb.append(String.format("  native exit %-36s %,14d  then a native region %,d, a JVM region %,d, the decoded loop %,d%n",
                    NX_NAMES[x] + ":", k, thenNative[x], thenJvm[x], k - thenNative[x] - thenJvm[x]));
        }
        for (Shape s : top(n)) {
            sb.append(String.format("  %,16d  %5.2f %%  %s%n", s.count(), 100.0 * s.count() / Math.max(1, retired), s.name()));
        }
        return sb.toString();
    }
}
