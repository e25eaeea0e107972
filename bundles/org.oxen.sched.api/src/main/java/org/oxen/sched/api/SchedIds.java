package org.oxen.sched.api;

/**
 * Scheduler ids ({@value SchedulerFactory#PROP_ID}), Xen's {@code XEN_SCHEDULER_*} values.
 *
 * <p>Credit 5, credit2 6, ARINC 653 7, RTDS 8 and null 9 are the ids of Xen 4.x
 * ({@code public/domctl.h}); sEDF 4 is the id it had until its removal in 4.6. The schedulers
 * retired earlier never had a 4.x id; they keep the ones of Xen 2.0's final
 * {@code public/sched_ctl.h}: BVT 0, Atropos 2, round robin 3 (Xen 1.2's header numbered
 * Atropos 1 and RR 2). No two ids collide.
 */
public final class SchedIds {
    public static final int BVT = 0;
    public static final int ATROPOS = 2;
    public static final int RROBIN = 3;
    public static final int SEDF = 4;
    public static final int CREDIT = 5;
    public static final int CREDIT2 = 6;
    public static final int ARINC653 = 7;
    public static final int RTDS = 8;
    public static final int NULL = 9;

    private SchedIds() {
    }
}
