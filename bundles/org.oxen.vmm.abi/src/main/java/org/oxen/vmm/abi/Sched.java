package org.oxen.vmm.abi;

/** sched_op (sched.h). */
public final class Sched {
    private Sched() {
    }

    public static final int SCHEDOP_YIELD = 0;
    public static final int SCHEDOP_BLOCK = 1;
    public static final int SCHEDOP_SHUTDOWN = 2;
    public static final int SCHEDOP_POLL = 3;
    public static final int SCHEDOP_REMOTE_SHUTDOWN = 4;
    public static final int SCHEDOP_SHUTDOWN_CODE = 5;
    public static final int SCHEDOP_WATCHDOG = 6;

    public static final int SHUTDOWN_POWEROFF = 0;
    public static final int SHUTDOWN_REBOOT = 1;
    public static final int SHUTDOWN_SUSPEND = 2;
    public static final int SHUTDOWN_CRASH = 3;
    public static final int SHUTDOWN_WATCHDOG = 4;
    public static final int SHUTDOWN_SOFT_RESET = 5;
    public static final int SHUTDOWN_MAX = 5;
}
