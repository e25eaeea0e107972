package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Physdev;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.VcpuImpl;

/**
 * physdev_op: only set_iopl, recorded as the vcpu's virtual IOPL (there are no devices to do
 * port I/O to yet; a PV kernel's IN/OUT get #GP).
 */
final class PhysdevHypercalls {

    private final Services s;

    PhysdevHypercalls(Services s) {
        this.s = s;
    }

    long physdevOp(VcpuImpl v, int cmd, int arg, int a3, int a4, int a5, int a6, boolean mc) {
        switch (cmd) {
            case Physdev.PHYSDEVOP_SET_IOPL: {
                int iopl = s.guest().read32(Args.cr3(v), arg);
                if (iopl < 0 || iopl > 3) return EINVAL;
                PvVcpu.of(v).setIopl(iopl);
                return 0;
            }
            default:
                return ENOSYS;
        }
    }

    /** The old form: one struct physdev_op {cmd; union} pointer. */
    long physdevOpCompat(VcpuImpl v, int arg, int a2, int a3, int a4, int a5, int a6, boolean mc) {
        int cmd = s.guest().read32(Args.cr3(v), arg);
        return physdevOp(v, cmd, arg + 4, 0, 0, 0, 0, mc);
    }
}
