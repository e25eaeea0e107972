package org.oxen.vmm.abi;

/** Hypercall numbers (xen.h {@code __HYPERVISOR_*}). Entry: {@code int $0x82}, eax = number. */
public final class Hypercall {
    private Hypercall() {
    }

    /** The software interrupt vector of a hypercall on x86_32. */
    public static final int VECTOR = 0x82;
    /** Bytes per slot of the hypercall page. */
    public static final int PAGE_SLOT_SIZE = 32;

    public static final int SET_TRAP_TABLE = 0;
    public static final int MMU_UPDATE = 1;
    public static final int SET_GDT = 2;
    public static final int STACK_SWITCH = 3;
    public static final int SET_CALLBACKS = 4;
    public static final int FPU_TASKSWITCH = 5;
    public static final int SCHED_OP_COMPAT = 6;
    public static final int PLATFORM_OP = 7;
    public static final int SET_DEBUGREG = 8;
    public static final int GET_DEBUGREG = 9;
    public static final int UPDATE_DESCRIPTOR = 10;
    public static final int MEMORY_OP = 12;
    public static final int MULTICALL = 13;
    public static final int UPDATE_VA_MAPPING = 14;
    public static final int SET_TIMER_OP = 15;
    public static final int EVENT_CHANNEL_OP_COMPAT = 16;
    public static final int XEN_VERSION = 17;
    public static final int CONSOLE_IO = 18;
    public static final int PHYSDEV_OP_COMPAT = 19;
    public static final int GRANT_TABLE_OP = 20;
    public static final int VM_ASSIST = 21;
    public static final int UPDATE_VA_MAPPING_OTHERDOMAIN = 22;
    public static final int IRET = 23;
    public static final int VCPU_OP = 24;
    public static final int MMUEXT_OP = 26;
    public static final int XSM_OP = 27;
    public static final int NMI_OP = 28;
    public static final int SCHED_OP = 29;
    public static final int CALLBACK_OP = 30;
    public static final int XENOPROF_OP = 31;
    public static final int EVENT_CHANNEL_OP = 32;
    public static final int PHYSDEV_OP = 33;
    public static final int HVM_OP = 34;
    public static final int SYSCTL = 35;
    public static final int DOMCTL = 36;
    /** Size of the hypercall table (numbers at or above give -ENOSYS). */
    public static final int NR_HYPERCALLS = 64;
}
