package org.oxen.vmm.core.arch.hvm;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Hvm;

/**
 * An HVM domain's parameters (Xen's d->arch.hvm.params) and who may read or write which
 * (hvm.c: hvm_allow_set_param, hvm_allow_get_param, as the domain itself asks through
 * hvm_op). The toolstack's own writes (the builder: store and console pages and ports) go through
 * {@link #init}.
 *
 * <p>Locking: reads and writes are of single {@code long}s, the array is not resized; a set that has
 * side effects (the callback via) is applied by the caller under the platform's device lock.
 */
public final class HvmParams {

    private final long[] params = new long[Hvm.HVM_NR_PARAMS];

    /** The toolstack sets a parameter (libxl's xc_hvm_param_set). */
    public synchronized void init(int index, long value) {
        params[index] = value;
    }

    public synchronized long get(int index) {
        return params[index];
    }

    /**
     * Whether the domain itself may set {@code index} to {@code value}: 0, or Xen's -EINVAL
     * (no such parameter), -EPERM (deprecated or the toolstack's), -EEXIST (a set-once parameter
     * set already to another value).
     */
    public synchronized int allowGuestSet(int index, long value) {
        if (index < 0 || index >= Hvm.HVM_NR_PARAMS) return -Errno.EINVAL;
        switch (index) {
            case Hvm.HVM_PARAM_CALLBACK_IRQ, Hvm.HVM_PARAM_VM86_TSS, Hvm.HVM_PARAM_VM86_TSS_SIZED,
                    Hvm.HVM_PARAM_ACPI_IOPORTS_LOCATION, Hvm.HVM_PARAM_VM_GENERATION_ID_ADDR,
                    Hvm.HVM_PARAM_STORE_EVTCHN, Hvm.HVM_PARAM_CONSOLE_EVTCHN, Hvm.HVM_PARAM_X87_FIP_WIDTH:
                return 0;
            case Hvm.HVM_PARAM_VIRIDIAN, Hvm.HVM_PARAM_IOREQ_SERVER_PFN, Hvm.HVM_PARAM_NR_IOREQ_SERVER_PAGES,
                    Hvm.HVM_PARAM_ALTP2M, Hvm.HVM_PARAM_MCA_CAP:
                return params[index] != 0 && value != params[index] ? -Errno.EEXIST : 0;
            default: // the deprecated ones and the toolstack's: "should not be set by the guest"
                return -Errno.EPERM;
        }
    }

    /**
     * Whether the domain itself may read {@code index}: 0, or -EINVAL (no such parameter),
     * -ENODATA (deprecated), -EPERM (the toolstack's).
     */
    public int allowGuestGet(int index) {
        if (index < 0 || index >= Hvm.HVM_NR_PARAMS) return -Errno.EINVAL;
        switch (index) {
            case Hvm.HVM_PARAM_CALLBACK_IRQ, Hvm.HVM_PARAM_VM86_TSS, Hvm.HVM_PARAM_VM86_TSS_SIZED,
                    Hvm.HVM_PARAM_ACPI_IOPORTS_LOCATION, Hvm.HVM_PARAM_VM_GENERATION_ID_ADDR,
                    Hvm.HVM_PARAM_STORE_PFN, Hvm.HVM_PARAM_STORE_EVTCHN, Hvm.HVM_PARAM_CONSOLE_PFN,
                    Hvm.HVM_PARAM_CONSOLE_EVTCHN, Hvm.HVM_PARAM_ALTP2M, Hvm.HVM_PARAM_X87_FIP_WIDTH:
                return 0;
            case Hvm.HVM_PARAM_PAE_ENABLED, Hvm.HVM_PARAM_DM_DOMAIN, Hvm.HVM_PARAM_MEMORY_EVENT_CR0,
                    Hvm.HVM_PARAM_MEMORY_EVENT_CR3, Hvm.HVM_PARAM_MEMORY_EVENT_CR4, Hvm.HVM_PARAM_MEMORY_EVENT_INT3,
                    Hvm.HVM_PARAM_MEMORY_EVENT_SINGLE_STEP, Hvm.HVM_PARAM_MEMORY_EVENT_MSR,
                    Hvm.HVM_PARAM_NESTEDHVM, Hvm.HVM_PARAM_BUFIOREQ_EVTCHN:
                return -Errno.ENODATA;
            default:
                return -Errno.EPERM;
        }
    }
}
