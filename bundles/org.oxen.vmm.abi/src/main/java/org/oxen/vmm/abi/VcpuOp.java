package org.oxen.vmm.abi;

/** vcpu_op (vcpu.h) and set_timer_op, i386 layout. */
public final class VcpuOp {
    private VcpuOp() {
    }

    public static final int INITIALISE = 0;
    public static final int UP = 1;
    public static final int DOWN = 2;
    public static final int IS_UP = 3;
    public static final int GET_RUNSTATE_INFO = 4;
    public static final int REGISTER_RUNSTATE_MEMORY_AREA = 5;
    public static final int SET_PERIODIC_TIMER = 6;
    public static final int STOP_PERIODIC_TIMER = 7;
    public static final int SET_SINGLESHOT_TIMER = 8;
    public static final int STOP_SINGLESHOT_TIMER = 9;
    public static final int REGISTER_VCPU_INFO = 10;
    public static final int SEND_NMI = 11;
    public static final int GET_PHYSID = 12;
    public static final int REGISTER_VCPU_TIME_MEMORY_AREA = 13;

    /** struct vcpu_set_periodic_timer {uint64 period_ns}. */
    public static final int PERIODIC_PERIOD_NS = 0;
    /** struct vcpu_set_singleshot_timer {uint64 timeout_abs_ns; uint32 flags}. */
    public static final int SINGLESHOT_TIMEOUT_ABS_NS = 0;
    public static final int SINGLESHOT_FLAGS = 8;
    /** VCPU_SSHOTTMR_future: -ETIME if the timeout is in the past. */
    public static final int SSHOTTMR_FUTURE = 1;
    /** Xen's default periodic timer of every vcpu: 10 ms (100 Hz). */
    public static final long DEFAULT_PERIOD_NS = 10_000_000L;
    /** Xen refuses shorter periods (-EINVAL), and Xen's MILLISECS(1) minimum. */
    public static final long MIN_PERIOD_NS = 1_000_000L;

    // struct vcpu_runstate_info {int state; uint64 state_entry_time; uint64 time[4]} (44 bytes, packed on i386)
    public static final int RUNSTATE_STATE = 0;
    public static final int RUNSTATE_ENTRY_TIME = 4;
    public static final int RUNSTATE_TIME = 12;
    public static final int RUNSTATE_SIZE = 44;
    public static final int RUNSTATE_RUNNING = 0;
    public static final int RUNSTATE_RUNNABLE = 1;
    public static final int RUNSTATE_BLOCKED = 2;
    public static final int RUNSTATE_OFFLINE = 3;

    // struct vcpu_register_vcpu_info {uint64 mfn; uint32 offset; uint32 rsvd}
    public static final int REGISTER_VCPU_INFO_MFN = 0;
    public static final int REGISTER_VCPU_INFO_OFFSET = 8;
    public static final int REGISTER_VCPU_INFO_RSVD = 12;
}
