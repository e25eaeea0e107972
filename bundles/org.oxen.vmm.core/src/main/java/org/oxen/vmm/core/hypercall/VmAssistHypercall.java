package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.VcpuImpl;

/**
 * vm_assist: the assists oxen has. 4gb_segments (and _notify) and pae_extended_cr3 are
 * accepted and recorded (oxen needs neither: it does not truncate segments, and its CR3 handling
 * already takes any L3 frame); writable_pagetables turns on the emulation of the guest's writes
 * to its own L1 tables ({@link PtwrEmulation}); architectural_iopl makes the virtual IOPL follow
 * the guest's iret and show in bounce frames, and lets the kernel (ring 1) do I/O as ring 0
 * would ({@code PvVcpu.ioplOk}).
 */
final class VmAssistHypercall {
    private VmAssistHypercall() {
    }

    static final int VALID = 1 << Xen.VMASST_TYPE_4GB_SEGMENTS | 1 << Xen.VMASST_TYPE_4GB_SEGMENTS_NOTIFY
            | 1 << Xen.VMASST_TYPE_PAE_EXTENDED_CR3 | 1 << Xen.VMASST_TYPE_WRITABLE_PAGETABLES
            | 1 << Xen.VMASST_TYPE_ARCHITECTURAL_IOPL;

    static long vmAssist(VcpuImpl v, int cmd, int type, int a3, int a4, int a5, int a6, boolean mc) {
        if (cmd != Xen.VMASST_CMD_ENABLE && cmd != Xen.VMASST_CMD_DISABLE) return ENOSYS;
        if (type < 0 || type > 31 || (VALID & 1 << type) == 0) return EINVAL;
        if (cmd == Xen.VMASST_CMD_ENABLE) {
            v.domain().vmAssist |= 1 << type;
        } else {
            v.domain().vmAssist &= ~(1 << type);
        }
        return 0;
    }
}
