package org.oxen.vmm.core;

import java.util.function.UnaryOperator;

import org.oxen.vmm.api.GuestClock;
import org.oxen.vmm.api.HypervisorMetrics;
import org.oxen.vmm.core.mm.FramePool;

/**
 * The hypervisor's framework properties, checked once with the limits the VMM enforces:
 * {@value #MEMORY_MIB} (machine memory, {@value FramePool#MIN_MIB}..{@value FramePool#MAX_MIB}
 * MiB and, with its frame table, within the Java heap: guest RAM is committed as domains touch it,
 * so the process holds what they touch; since session 15 it is host memory outside the heap
 * ({@code Ram} over {@code HostMemory}), so counting it against the heap is only conservative
 * now, kept until the check is re-derived for host memory), {@value #PCPUS} (pCPU threads, 1..{@value #MAX_PCPUS}) and
 * {@value #CLOCK} (the time of domains whose config does not choose: {@code real}, the default,
 * or {@code instructions}, deterministic) and {@value #METRICS} ({@code on}, the default, or
 * {@code off}: whether the hypervisor counts for metrics from the start, {@link HypervisorMetrics}).
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
    /** Heap the rest of oxen needs beside machine memory (the frame table, the CPUs' caches, Felix). */
    static final long HEAP_RESERVE_MIB = 128;

    /**
     * @param property a framework property by name, {@code null} when unset
     * @param maxHeapMiB the Java heap's limit ({@code Runtime.maxMemory()})
     * @throws IllegalArgumentException one line naming the property, its value and what it may be
     */
    public static VmmSettings read(UnaryOperator<String> property, long maxHeapMiB) {
        int memory = parse(property, MEMORY_MIB, DEFAULT_MEMORY_MIB, FramePool.MIN_MIB, FramePool.MAX_MIB, "MiB");
        int pcpus = parse(property, PCPUS, Math.min(MAX_PCPUS, Runtime.getRuntime().availableProcessors()), 1,
                MAX_PCPUS, "pCPUs");
        GuestClock clock = clock(property.apply(CLOCK));
        boolean metrics = onOff(METRICS, property.apply(METRICS));
        long table = FramePool.frameTableMiB(memory);
        if (memory + table + HEAP_RESERVE_MIB > maxHeapMiB) {
            throw new IllegalArgumentException(MEMORY_MIB + "=" + memory + " does not fit the Java heap (" + maxHeapMiB
                    + " MiB max, " + table + " MiB of it for the frame table and " + HEAP_RESERVE_MIB
                    + " MiB for the rest of oxen): start java with -Xmx"
                    + (memory + table + HEAP_RESERVE_MIB + 255) / 256 * 256 + "m or a smaller " + MEMORY_MIB);
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
