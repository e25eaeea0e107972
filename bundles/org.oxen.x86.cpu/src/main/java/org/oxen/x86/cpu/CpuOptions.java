package org.oxen.x86.cpu;

/**
 * How a CPU executes, chosen by whoever creates it ({@link X86Cpu#create(org.oxen.x86.api.PhysicalMemory,
 * org.oxen.x86.api.IoPortDevice, CpuOptions)}); a value, never read from global state by the CPU.
 *
 * @param codeCache run decoded-instruction records per physical frame; {@code false}: decode
 *     every instruction from memory (the interpreter alone)
 * @param translator compile hot code to JVM bytecode (needs {@code codeCache})
 * @param translationThreshold how many taken branches, calls or returns must arrive at an
 *     instruction before it becomes a region entry (0: at the first)
 * @param shortestStraightRegion the fewest instructions a region without an edge back into
 *     itself must hold to be translated (shorter runs cost more in entry and exit than they
 *     save; 1 translates everything, for tests)
 * @param nativeTier the translator compiles regions to x86-64 code where it can (the native
 *     tier: regions whose entry instruction is in its subset, while the segments are flat), on a
 *     host that can run it (Linux on x86-64 with {@code org.oxen.x86.host}'s library, and not
 *     switched off for the JVM with {@code -Doxen.x86.native=false}); elsewhere, or {@code
 *     false}, every region is JVM bytecode. Since 1.12.
 */
public record CpuOptions(boolean codeCache, boolean translator, int translationThreshold, int shortestStraightRegion,
        boolean nativeTier) {

    /**
     * The defaults: decoded records and the translator with its native tier, threshold 50,
     * straight regions of 10 or more.
     */
    public static final CpuOptions DEFAULT = new CpuOptions(true, true, 50, 10, true);

    /** The interpreter alone: no records, no translator. */
    public static final CpuOptions INTERPRETER = new CpuOptions(false, false, 50, 10, false);

    /** The options before 1.12: the native tier on where the host can run it (as {@link #DEFAULT}). */
    public CpuOptions(boolean codeCache, boolean translator, int translationThreshold, int shortestStraightRegion) {
        this(codeCache, translator, translationThreshold, shortestStraightRegion, translator);
    }

    public CpuOptions {
        if (translator && !codeCache) {
            throw new IllegalArgumentException("the translator needs the code cache");
        }
        if (nativeTier && !translator) {
            throw new IllegalArgumentException("the native tier is the translator's: it needs the translator");
        }
        if (translationThreshold < 0) {
            throw new IllegalArgumentException("translation threshold must be >= 0: " + translationThreshold);
        }
        if (shortestStraightRegion < 1) {
            throw new IllegalArgumentException("shortest straight region must be >= 1: " + shortestStraightRegion);
        }
    }

    /** Decoded records without the translator. */
    public static CpuOptions cacheOnly() {
        return new CpuOptions(true, false, DEFAULT.translationThreshold, DEFAULT.shortestStraightRegion, false);
    }

    /**
     * The translator taking every branch target at once (threshold 0), however short the code
     * there (for tests that want everything translated).
     */
    public CpuOptions translateAtOnce() {
        return new CpuOptions(true, true, 0, 1, nativeTier);
    }

    /** These options with the native tier on or off. Since 1.12. */
    public CpuOptions withNativeTier(boolean on) {
        return new CpuOptions(codeCache, translator, translationThreshold, shortestStraightRegion, on);
    }

    /**
     * For benchmark and diagnostic launchers (the CPU itself never calls this): the defaults
     * changed by {@code -Doxen.x86.cpu.noCodeCache=true}, {@code -Doxen.x86.cpu.noJit=true},
     * {@code -Doxen.x86.cpu.noNative=true} and {@code -Doxen.x86.cpu.jitThreshold=N}.
     */
    public static CpuOptions fromSystemProperties() {
        boolean cache = !Boolean.getBoolean("oxen.x86.cpu.noCodeCache");
        boolean jit = cache && !Boolean.getBoolean("oxen.x86.cpu.noJit");
        return new CpuOptions(cache, jit, Math.max(0, Integer.getInteger("oxen.x86.cpu.jitThreshold",
                DEFAULT.translationThreshold)), DEFAULT.shortestStraightRegion,
                jit && !Boolean.getBoolean("oxen.x86.cpu.noNative"));
    }
}
