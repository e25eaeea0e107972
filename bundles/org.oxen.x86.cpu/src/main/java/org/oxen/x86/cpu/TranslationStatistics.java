package org.oxen.x86.cpu;

/**
 * What a CPU's translator has done so far (see the CPU README, "Translator"): code regions
 * compiled to JVM bytecode, translations that failed (a translator defect; that code keeps
 * running on the interpreter), regions dropped because the code under them changed, and regions
 * whose compiled class was shared: translated before, by this or another CPU of the JVM.
 * Read while the CPU runs on another thread, the figures may be a moment old.
 */
public final class TranslationStatistics {

    private final long compiled, failed, dropped, shared;

    public TranslationStatistics(long compiled, long failed, long dropped) {
        this(compiled, failed, dropped, 0);
    }

    /** @since 1.6 */
    public TranslationStatistics(long compiled, long failed, long dropped, long shared) {
        this.compiled = compiled;
        this.failed = failed;
        this.dropped = dropped;
        this.shared = shared;
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

    @Override
    public String toString() {
        return "regions compiled=" + compiled + " failed=" + failed + " dropped=" + dropped + " shared=" + shared;
    }
}
