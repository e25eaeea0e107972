package org.oxen.vmm.core;

import java.util.function.UnaryOperator;

import org.oxen.vmm.api.GuestClock;
import org.oxen.vmm.api.HypervisorMetrics;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.HostMemoryBudget;

/**
 * The hypervisor's framework properties, checked once with the limits the VMM enforces:
 * {@value #MEMORY_MIB} (machine memory, {@value FramePool#MIN_MIB}..{@value FramePool#MAX_MIB}
 * MiB; default {@value #DEFAULT_MEMORY_MIB}, or what the host can back if that is less),
 * {@value #PCPUS} (pCPU threads, 1..{@value #MAX_PCPUS}) and
 * {@value #CLOCK} (the time of domains whose config does not choose: {@code real}, the default,
 * or {@code instructions}, deterministic) and {@value #METRICS} ({@code on}, the default, or
 * {@code off}: whether the hypervisor counts for metrics from the start, {@link HypervisorMetrics}).
 *
 * <p>Where machine memory lives decides what is checked (session 16): its RAM is host memory
 * outside the Java heap ({@code Ram} over {@code HostMemory}), committed as domains touch it, so
 * it must fit what the host can back ({@link HostMemoryBudget}: {@value HostMemoryBudget#LIMIT_MIB},
 * the kernel's strict overcommit, or MemAvailable), as Xen's toolstack refuses a domain the host
 * cannot back; only its frame table ({@link FramePool#frameTableMiB}) and the rest of oxen
 * ({@value #HEAP_RESERVE_MIB} MiB: the CPUs' caches, Felix, backends) live in the Java heap.
 *
 * @param memoryMiB machine memory
 * @param pcpus pCPU threads
 * @param clock the default clock of domains ({@link GuestClock#REAL} or {@link GuestClock#INSTRUCTIONS})
 * @param metrics whether the counters for metrics count from the start
 */
public record VmmSettings(int memoryMiB, int pcpus, GuestClock clock, boolean metrics) {

    public static final String CLOCK = "oxen.clock";
    public static final String METRICS = HypervisorMetrics.PROPERTY;

    /** Settings with the real clock and metrics on. */
    public VmmSettings(int memoryMiB, int pcpus) {
        this(memoryMiB, pcpus, GuestClock.REAL, true);
    }

    public static final String MEMORY_MIB = "oxen.memory.mib";
    public static final String PCPUS = "oxen.pcpus";
    public static final int DEFAULT_MEMORY_MIB = 1024;
    public static final int MAX_PCPUS = 256;
    /** Java heap the rest of oxen needs beside machine memory's frame table (the CPUs' caches, Felix, backends). */
    static final long HEAP_RESERVE_MIB = 128;

    /** {@link #read(UnaryOperator, long, HostMemoryBudget)} with the host's budget from {@code property} or {@code /proc}. */
    public static VmmSettings read(UnaryOperator<String> property, long maxHeapMiB) {
        return read(property, maxHeapMiB, HostMemoryBudget.of(property));
    }

    /**
     * @param property a framework property by name, {@code null} when unset
     * @param maxHeapMiB the Java heap's limit ({@code Runtime.maxMemory()})
     * @param host how much guest RAM the host can back
     * @throws IllegalArgumentException one line naming the property, its value and what it may be
     */
    public static VmmSettings read(UnaryOperator<String> property, long maxHeapMiB, HostMemoryBudget host) {
        String chosen = property.apply(MEMORY_MIB);
        boolean byDefault = chosen == null || chosen.isBlank();
        int dflt = (int) Math.max(FramePool.MIN_MIB, Math.min(DEFAULT_MEMORY_MIB, host.mib()));
        int memory = parse(property, MEMORY_MIB, dflt, FramePool.MIN_MIB, FramePool.MAX_MIB, "MiB");
        int pcpus = parse(property, PCPUS, Math.min(MAX_PCPUS, Runtime.getRuntime().availableProcessors()), 1,
                MAX_PCPUS, "pCPUs");
        GuestClock clock = clock(property.apply(CLOCK));
        boolean metrics = onOff(METRICS, property.apply(METRICS));
        String setting = MEMORY_MIB + "=" + memory + (byDefault ? " (the default)" : "");
        long table = FramePool.frameTableMiB(memory);
        if (table + HEAP_RESERVE_MIB > maxHeapMiB) {
            throw new IllegalArgumentException(setting + " needs " + table + " MiB of Java heap for its frame table and "
                    + HEAP_RESERVE_MIB + " MiB for the rest of oxen, more than this JVM's " + maxHeapMiB
                    + " MiB maximum heap (guest RAM itself is host memory outside the heap): start java with -Xmx"
                    + (table + HEAP_RESERVE_MIB + 63) / 64 * 64 + "m or a smaller " + MEMORY_MIB);
        }
        if (memory > host.mib()) {
            throw new IllegalArgumentException(setting + " is more guest RAM than the host can back: " + host.mib()
                    + " MiB (" + host.source() + "; guest RAM is host memory outside the Java heap, committed as domains"
                    + " touch it): a smaller " + MEMORY_MIB
                    + (host.source().equals(HostMemoryBudget.LIMIT_MIB) ? " or a larger " + HostMemoryBudget.LIMIT_MIB : ""));
        }
        return new VmmSettings(memory, pcpus, clock, metrics);
    }

    private static GuestClock clock(String raw) {
        if (raw == null || raw.isBlank()) return GuestClock.REAL;
        String v = raw.strip();
        if (v.equals(GuestClock.REAL.configName())) return GuestClock.REAL;
        if (v.equals(GuestClock.INSTRUCTIONS.configName())) return GuestClock.INSTRUCTIONS;
        throw new IllegalArgumentException(CLOCK + "=" + raw + " is not a clock (real or instructions)");
    }

    private static boolean onOff(String name, String raw) {
        if (raw == null || raw.isBlank()) return true;
        return switch (raw.strip()) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(name + "=" + raw + " is not on or off");
        };
    }

    private static int parse(UnaryOperator<String> property, String name, int dflt, int min, int max, String unit) {
        String raw = property.apply(name);
        if (raw == null || raw.isBlank()) {
            return dflt;
        }
        long value;
        try {
            value = Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + raw + " is not a whole number (" + min + ".." + max + " "
                    + unit + ")");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + "=" + raw.strip() + " is outside " + min + ".." + max + " " + unit);
        }
        return (int) value;
    }
}
