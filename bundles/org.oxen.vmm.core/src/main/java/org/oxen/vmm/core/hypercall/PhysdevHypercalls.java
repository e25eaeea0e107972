package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Physdev;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.VcpuImpl;

/**
 * physdev_op: set_iopl (the vcpu's virtual IOPL) and set_iobitmap (the vcpu's I/O bitmap, a
 * guest virtual address, and the number of ports it covers), both consulted by the emulation
 * of CLI/STI and IN/OUT; the rest -ENOSYS (no physical devices).
 */
final class PhysdevHypercalls {

    /** IOBMP_BYTES: a full I/O bitmap (65536 ports), what guest_handle_okay checks. */
    static final int IOBMP_BYTES = 8192;

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
            case Physdev.PHYSDEVOP_SET_IOBITMAP: {
                // struct physdev_set_iobitmap (compat): uint32 bitmap handle, uint32 nr_ports
                int bitmap = s.guest().read32(Args.cr3(v), arg);
                int nrPorts = s.guest().read32(Args.cr3(v), arg + 4);
                return setIobitmap(v, bitmap, nrPorts);
            }
            default:
                return ENOSYS;
        }
    }

    /**
     * The vcpu's I/O bitmap is {@code nrPorts} ports at guest-linear {@code bitmap}: 0, or
     * -EINVAL (changing nothing) for a bitmap a guest may not name or more than 65536 ports.
     */
    static long setIobitmap(VcpuImpl v, int bitmap, int nrPorts) {
        if (!Args.arrayOk(bitmap, IOBMP_BYTES, 1) || Integer.compareUnsigned(nrPorts, 65536) > 0) return EINVAL;
        PvVcpu.of(v).setIobitmap(bitmap, nrPorts);
        return 0;
    }

    /** The old form: one struct physdev_op {cmd; union} pointer. */
    long physdevOpCompat(VcpuImpl v, int arg, int a2, int a3, int a4, int a5, int a6, boolean mc) {
        int cmd = s.guest().read32(Args.cr3(v), arg);
        return physdevOp(v, cmd, arg + 4, 0, 0, 0, 0, mc);
    }
}
