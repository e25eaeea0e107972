package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Callback;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.trap.TrapBouncer;

/**
 * set_callbacks and callback_op: registrations are recorded per vcpu; event delivery through
 * them comes with event channels (VMM core II).
 */
final class CallbackHypercalls {

    private final Services s;

    CallbackHypercalls(Services s) {
        this.s = s;
    }

    long setCallbacks(VcpuImpl v, int ecs, int eeip, int fcs, int feip, int a5, int a6, boolean mc) {
        PvVcpu pv = PvVcpu.of(v);
        pv.setEventCallback(TrapBouncer.fixRpl(ecs & 0xFFFF), eeip);
        pv.setFailsafeCallback(TrapBouncer.fixRpl(fcs & 0xFFFF), feip, pv.failsafeFlags());
        return 0;
    }

    /**
     * callback_op as compat_callback_op: register event, failsafe (its mask-events flag),
     * sysenter and syscall32 (recorded; oxen offers neither instruction to guests), nmi; any
     * other type -ENOSYS. Unregister: nmi only; event, failsafe, sysenter, syscall32 -EINVAL;
     * other types -ENOSYS. Other commands -EINVAL.
     */
    long callbackOp(VcpuImpl v, int cmd, int arg, int a3, int a4, int a5, int a6, boolean mc) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        PvVcpu pv = PvVcpu.of(v);
        switch (cmd) {
            case Callback.CALLBACKOP_REGISTER: {
                int type = g.read16(cr3, arg + Callback.REGISTER_TYPE);
                int flags = g.read16(cr3, arg + Callback.REGISTER_FLAGS);
                int cs = g.read32(cr3, arg + Callback.REGISTER_CS) & 0xFFFF;
                int eip = g.read32(cr3, arg + Callback.REGISTER_EIP);
                switch (type) {
                    case Callback.CALLBACKTYPE_EVENT:
                        pv.setEventCallback(TrapBouncer.fixRpl(cs), eip);
                        return 0;
                    case Callback.CALLBACKTYPE_FAILSAFE:
                        pv.setFailsafeCallback(TrapBouncer.fixRpl(cs), eip, flags);
                        return 0;
                    case Callback.CALLBACKTYPE_SYSENTER:
                        pv.setSysenterCallback(TrapBouncer.fixRpl(cs), eip, flags);
                        return 0;
                    case Callback.CALLBACKTYPE_SYSCALL32:
                        pv.setSyscall32Callback(TrapBouncer.fixRpl(cs), eip, flags);
                        return 0;
                    case Callback.CALLBACKTYPE_NMI:
                        pv.setNmiCallback(eip);
                        return 0;
                    default:
                        return ENOSYS;
                }
            }
            case Callback.CALLBACKOP_UNREGISTER: {
                int type = g.read32(cr3, arg) & 0xFFFF; // the whole struct {type, _unused} is copied
                switch (type) {
                    case Callback.CALLBACKTYPE_NMI:
                        pv.setNmiCallback(0);
                        return 0;
                    case Callback.CALLBACKTYPE_EVENT:
                    case Callback.CALLBACKTYPE_FAILSAFE:
                    case Callback.CALLBACKTYPE_SYSENTER:
                    case Callback.CALLBACKTYPE_SYSCALL32:
                        return EINVAL;
                    default:
                        return ENOSYS;
                }
            }
            default:
                return EINVAL;
        }
    }
}
