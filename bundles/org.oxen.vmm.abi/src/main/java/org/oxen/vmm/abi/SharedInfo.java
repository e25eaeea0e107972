package org.oxen.vmm.abi;

/** {@code shared_info}, {@code vcpu_info} and {@code vcpu_time_info} (xen.h), i386 layout. */
public final class SharedInfo {
    private SharedInfo() {
    }

    public static final int VCPU_INFO = 0;
    public static final int VCPU_INFO_SIZE = 64;
    public static final int EVTCHN_PENDING = 2048;
    public static final int EVTCHN_MASK = 2176;
    public static final int WC_VERSION = 2304;
    public static final int WC_SEC = 2308;
    public static final int WC_NSEC = 2312;
    public static final int ARCH = 2316;
    /** arch_shared_info: max_pfn, pfn_to_mfn_frame_list_list, nmi_reason. */
    public static final int ARCH_MAX_PFN = ARCH;
    public static final int ARCH_PFN_TO_MFN_FRAME_LIST_LIST = ARCH + 4;

    // vcpu_info
    public static final int VI_UPCALL_PENDING = 0;
    public static final int VI_UPCALL_MASK = 1;
    public static final int VI_PENDING_SEL = 4;
    /** arch_vcpu_info.cr2 */
    public static final int VI_CR2 = 8;
    public static final int VI_TIME = 32;

    // vcpu_time_info (32 bytes)
    public static final int TIME_VERSION = 0;
    public static final int TIME_TSC_TIMESTAMP = 8;
    public static final int TIME_SYSTEM_TIME = 16;
    public static final int TIME_TSC_TO_SYSTEM_MUL = 24;
    public static final int TIME_TSC_SHIFT = 28;
    public static final int TIME_FLAGS = 29;

    /** Offset of vcpu {@code n}'s vcpu_info in shared_info. */
    public static int vcpuInfo(int n) {
        return VCPU_INFO + n * VCPU_INFO_SIZE;
    }
}
