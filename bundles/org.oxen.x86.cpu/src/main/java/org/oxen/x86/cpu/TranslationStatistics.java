package org.oxen.x86.cpu;

/**
 * What a CPU's translator has done so far (see the CPU README, "Translator"): code regions
 * compiled to JVM bytecode, translations that failed (a translator defect; that code keeps
 * running on the interpreter), regions dropped because the code under them changed, and regions
 * whose compiled class was shared: translated before, by this or another CPU of the JVM.
 * Read while the CPU runs on another thread, the figures may be a moment old.
 */
public final class TranslationStatistics {

    private final long compiled, failed, dropped, shared, entries, grants, codeChecks;
    private final long nativeCompiled, nativeCalls, nativeInstructions, nativeTlbFills, nativeCodeFlushes;

    public TranslationStatistics(long compiled, long failed, long dropped) {
        this(compiled, failed, dropped, 0);
    }

    /** @since 1.6 */
    public TranslationStatistics(long compiled, long failed, long dropped, long shared) {
        this(compiled, failed, dropped, shared, 0, 0);
    }

    /** @since 1.7 */
    public TranslationStatistics(long compiled, long failed, long dropped, long shared, long entries, long grants) {
        this(compiled, failed, dropped, shared, entries, grants, 0);
    }

    /** @since 1.8 */
    public TranslationStatistics(long compiled, long failed, long dropped, long shared, long entries, long grants,
            long codeChecks) {
        this(compiled, failed, dropped, shared, entries, grants, codeChecks, 0, 0, 0, 0, 0);
    }

    /** @since 1.12 */
    public TranslationStatistics(long compiled, long failed, long dropped, long shared, long entries, long grants,
            long codeChecks, long nativeCompiled, long nativeCalls, long nativeInstructions, long nativeTlbFills,
            long nativeCodeFlushes) {
        this.nativeCompiled = nativeCompiled;
        this.nativeCalls = nativeCalls;
        this.nativeInstructions = nativeInstructions;
        this.nativeTlbFills = nativeTlbFills;
        this.nativeCodeFlushes = nativeCodeFlushes;
        this.codeChecks = codeChecks;
        this.compiled = compiled;
        this.failed = failed;
        this.dropped = dropped;
        this.shared = shared;
        this.entries = entries;
        this.grants = grants;
    }

    /** Regions compiled. */
    public long compiled() {
        return compiled;
    }

    /** Translations that failed. */
    public long failed() {
        return failed;
    }

    /** Regions dropped because their code changed (self-modifying code, DMA, another CPU). */
    public long dropped() {
        return dropped;
    }

    /**
     * Of the regions compiled, those that took a class translated before (by this or another CPU
     * of the JVM, for the same code) instead of generating one.
     *
     * @since 1.6
     */
    public long shared() {
        return shared;
    }

    /**
     * Calls of translated regions from the decoded-instruction loop (each returns to it when it
     * leaves; a region exiting into another region of its frame is a second call).
     *
     * @since 1.7
     */
    public long entries() {
        return entries;
    }

    /**
     * Batches a region ran on without returning to the run loop, because no input (interrupt,
     * NMI, stop) was pending when its batch was used up.
     *
     * @since 1.7
     */
    public long grants() {
        return grants;
    }

    /**
     * Comparisons of a region's code bytes with memory: on entry in a code epoch the region has
     * not compared them in (each batch of the run loop, each instruction the interpreter runs, a
     * store into a frame holding translated code, {@code invalidateCode}), and after such a store
     * inside a region. A region entered
     * again within its epoch compares nothing.
     *
     * @since 1.8
     */
    public long codeChecks() {
        return codeChecks;
    }

    /**
     * Of the regions compiled, those compiled to x86-64 code (the native tier, {@link
     * CpuOptions#nativeTier()}); the rest are JVM bytecode.
     *
     * @since 1.12
     */
    public long nativeCompiled() {
        return nativeCompiled;
    }

    /** Calls of native code (a native region's entry calls it again after a budget exit or a TLB fill at its entry). @since 1.12 */
    public long nativeCalls() {
        return nativeCalls;
    }

    /** Guest instructions retired by native code. @since 1.12 */
    public long nativeInstructions() {
        return nativeInstructions;
    }

    /** Entries of the native tier's TLB filled from the CPU's TLB (after a native access missed). @since 1.12 */
    public long nativeTlbFills() {
        return nativeTlbFills;
    }

    /** Flushes of the native code arena (full: every native region compiled again when hot). @since 1.12 */
    public long nativeCodeFlushes() {
        return nativeCodeFlushes;
    }

    @Override
    public String toString() {
        return "regions compiled=" + compiled + " failed=" + failed + " dropped=" + dropped + " shared=" + shared
                + " entries=" + entries + " grants=" + grants + " codeChecks=" + codeChecks + " native=" + nativeCompiled
                + " nativeCalls=" + nativeCalls + " nativeInstructions=" + nativeInstructions + " nativeTlbFills="
                + nativeTlbFills + " nativeCodeFlushes=" + nativeCodeFlushes;
    }
}
