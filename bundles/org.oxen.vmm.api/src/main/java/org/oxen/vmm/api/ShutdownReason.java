package org.oxen.vmm.api;

/** SCHEDOP_shutdown reasons (sched.h SHUTDOWN_*), in Xen's numbering. */
public enum ShutdownReason {
    POWEROFF, REBOOT, SUSPEND, CRASH, WATCHDOG, SOFT_RESET;

    /** The Xen code. */
    public int code() {
        return ordinal();
    }

    /** The reason for a Xen code; IllegalArgumentException beyond SHUTDOWN_MAX. */
    public static ShutdownReason of(int code) {
        if (code < 0 || code >= values().length) {
            throw new IllegalArgumentException("no shutdown reason " + code);
        }
        return values()[code];
    }
}
