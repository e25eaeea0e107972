package org.oxen.x86.cpu;

/**
 * What a CPU's translator has done so far (see the CPU README, "Translator"): code regions
 * compiled to JVM bytecode, translations that failed (a translator defect; that code keeps
 * running on the interpreter), and regions dropped because the code under them changed.
 * Read while the CPU runs on another thread, the figures may be a moment old.
 */
public final class TranslationStatistics {

    private final long compiled, failed, dropped;

    public TranslationStatistics(long compiled, long failed, long dropped) {
        this.compiled = compiled;
        this.failed = failed;
        this.dropped = dropped;
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

    @Override
    public String toString() {
        return "regions compiled=" + compiled + " failed=" + failed + " dropped=" + dropped;
    }
}
