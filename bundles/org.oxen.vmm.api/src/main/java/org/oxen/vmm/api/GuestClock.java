package org.oxen.vmm.api;

/**
 * What a domain's time is (system time, vcpu_time_info, the wall clock, RDTSC, timer deadlines).
 * Since 1.6.
 */
public enum GuestClock {
    /** What the hypervisor is set to (the runtime property {@code oxen.clock}; real unless set). */
    DEFAULT,
    /** The host's monotonic clock and wall clock, as Xen gives its guests. */
    REAL,
    /**
     * Deterministic: the domain's time is its retired instructions (a fixed cost each) plus the
     * idle time skipped while all its vcpus are blocked, and its wall clock starts at a fixed
     * date, so the same guest prints the same lines in every run.
     */
    INSTRUCTIONS;

    /** The name in xl.cfg ({@code clock = "..."}) and in {@code oxen.clock}. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The clock named {@code name} ({@code default}, {@code real}, {@code instructions}).
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static GuestClock parse(String name) {
        for (GuestClock c : values()) {
            if (c.configName().equals(name)) return c;
        }
        throw new IllegalArgumentException("'" + name + "' is not a clock: use real, instructions or default");
    }
}
