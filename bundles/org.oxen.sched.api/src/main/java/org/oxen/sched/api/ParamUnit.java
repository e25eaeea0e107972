package org.oxen.sched.api;

/**
 * The unit a {@link ParamSpec} value is stored, shown and typed in. Time units accept a suffix
 * when typed ({@code 10ms}, {@code 500us}, {@code 2s}, {@code 100000ns}); the value must then be
 * a whole number of the spec's unit.
 */
public enum ParamUnit {
    /** A plain count or weight. */
    NONE("", 0),
    /** Percent of one pCPU. */
    PERCENT("%", 0),
    /** 0 = off, 1 = on; typed also as on/off, true/false, yes/no. */
    BOOL("", 0),
    NS("ns", 1L),
    US("us", 1_000L),
    MS("ms", 1_000_000L),
    S("s", 1_000_000_000L);

    private final String suffix;
    private final long nanos;

    ParamUnit(String suffix, long nanos) {
        this.suffix = suffix;
        this.nanos = nanos;
    }

    public String suffix() {
        return suffix;
    }

    public boolean isTime() {
        return nanos > 0;
    }

    /** ns per one of this unit; 0 when not a time unit. */
    public long nanos() {
        return nanos;
    }

    /** {@code value} of this (time) unit in ns. */
    public long toNanos(long value) {
        return Math.multiplyExact(value, nanos);
    }
}
