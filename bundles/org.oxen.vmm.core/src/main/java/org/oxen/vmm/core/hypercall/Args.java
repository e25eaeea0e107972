package org.oxen.vmm.core.hypercall;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;

/** Small argument helpers shared by the handler families. */
final class Args {
    private Args() {
    }

    static final long EFAULT = -Errno.EFAULT, EINVAL = -Errno.EINVAL, ENOSYS = -Errno.ENOSYS,
            EPERM = -Errno.EPERM, ESRCH = -Errno.ESRCH, EBUSY = -Errno.EBUSY;

    /**
     * The domain a domid argument names for an unprivileged caller: itself (DOMID_SELF or its
     * own id). Returns null and sets {@code err[0]} to -ESRCH (no such domain) or -EPERM.
     */
    static DomainImpl self(Services s, VcpuImpl v, int domid, long[] err) {
        domid &= 0xFFFF;
        DomainImpl d = v.domain();
        if (domid == Xen.DOMID_SELF || domid == d.id()) return d;
        err[0] = s.domain(domid) == null ? ESRCH : EPERM;
        return null;
    }

    /** What names the vcpu's address space to {@code GuestMemory}: its CR3, or an HVM vcpu's space handle. */
    static int cr3(VcpuImpl v) {
        int h = v.linearSpace;
        return h != 0 ? h : v.cpu().cr(3);
    }

    /**
     * get_pg_owner for an unprivileged caller (mm.c): DOMID_SELF is the caller; its own id
     * given explicitly is -ESRCH ("Cannot specify itself as foreign domain"), as is an unknown
     * id; any other domain (DOMID_IO and DOMID_XEN included) exists but the XSM check refuses
     * it: -EPERM. Returns null with {@code err[0]} set.
     */
    static DomainImpl pgOwner(Services s, VcpuImpl v, int domid, long[] err) {
        domid &= 0xFFFF;
        DomainImpl d = v.domain();
        if (domid == Xen.DOMID_SELF) return d;
        if (domid == d.id()) {
            err[0] = ESRCH;
        } else if (domid == Xen.DOMID_IO || domid == Xen.DOMID_XEN) {
            err[0] = EPERM;
        } else {
            err[0] = s.domain(domid) == null ? ESRCH : EPERM;
        }
        return null;
    }

    /**
     * compat_array_access_ok: {@code count} elements of {@code size} bytes from {@code addr}
     * lie below the hypervisor hole (no wrap, count * size representable).
     */
    static boolean arrayOk(int addr, long count, int size) {
        if (count >= 0xFFFFFFFFL / size) return false;
        long end = (addr & 0xFFFFFFFFL) + (count == 0 ? 0 : count * size - 1);
        return end < (Xen.HYPERVISOR_VIRT_START & 0xFFFFFFFFL);
    }

    /** Work a hypercall may do before it lets the scheduler in (Xen: a pending softirq). */
    static final long PREEMPT_NS = 1_000_000L;

    /**
     * A preemptible hypercall starts its work: its time counts from now, unless it runs inside a
     * multicall, whose time it shares (so the multicall as a whole yields after about
     * {@link #PREEMPT_NS}). Only the loops read the clock: a null hypercall pays nothing.
     */
    static void enter(VcpuImpl v, boolean mc) {
        if (mc) return;
        org.oxen.vmm.core.time.DeterministicTime det = v.domain().deterministicTime();
        if (det != null) {
            det.enterHypercall(v.id());
        } else {
            v.hypercallStartNs = v.domain().clock().nanos();
        }
    }

    /**
     * hypercall_preempt_check: true once the calling vcpu has spent {@link #PREEMPT_NS} in this
     * hypercall (since {@link #enter}; a deterministic domain: every
     * {@code DeterministicTime.PREEMPT_CHECKS} checks) or its domain is stopping (paused for destruction, shut
     * down): long loops then continue themselves, so the vcpu reaches the scheduler and a dying
     * domain's vcpus stop within about a millisecond.
     */
    static boolean preempt(VcpuImpl v) {
        DomainImpl d = v.domain();
        org.oxen.vmm.core.time.DeterministicTime det = d.deterministicTime();
        if (det != null) {
            // a deterministic domain continues after a fixed number of items, never after host time
            return det.preemptCheck(v.id()) || d.isStopped();
        }
        return d.clock().nanos() - v.hypercallStartNs >= PREEMPT_NS || d.isStopped();
    }

    /**
     * Xen's hypercall_create_continuation: the vcpu re-executes the hypercall instruction with
     * new arguments once its pCPU has looked at whether anything else should run
     * ({@link VcpuImpl#preemptPoint}; its slice goes on if not). Inside a multicall
     * ({@code mc}) the new arguments are recorded for {@link MulticallHypercall}, which writes
     * them into the entry and continues the multicall from it (Xen's multicall continuation
     * translation). Returns the value for EAX (the hypercall number).
     */
    static long continuation(VcpuImpl v, boolean mc, int nr, int a1, int a2, int a3, int a4) {
        return continuation(v, mc, nr, 4, a1, a2, a3, a4);
    }

    /**
     * A continuation of a hypercall with {@code nargs} arguments: only those registers are
     * rewritten (Xen's format string), so a guest's registers beyond them survive, as its
     * inline assembly expects; inside a multicall the entry's other arguments stay as they were
     * ({@code a3}, {@code a4} passed back unchanged).
     */
    static long continuation(VcpuImpl v, boolean mc, int nr, int nargs, int a1, int a2, int a3, int a4) {
        v.preemptPoint = true;
        if (mc) {
            v.mcContinuation = true;
            int[] a = v.mcContinuationArgs;
            a[0] = a1;
            a[1] = a2;
            a[2] = a3;
            a[3] = a4;
            return nr;
        }
        org.oxen.x86.cpu.X86Cpu c = v.cpu();
        c.setGpr(org.oxen.x86.cpu.X86Cpu.EBX, a1);
        c.setGpr(org.oxen.x86.cpu.X86Cpu.ECX, a2);
        if (nargs > 2) c.setGpr(org.oxen.x86.cpu.X86Cpu.EDX, a3);
        if (nargs > 3) c.setGpr(org.oxen.x86.cpu.X86Cpu.ESI, a4);
        c.setEip(c.eip() - v.hypercallInsnLength); // back onto int $0x82 (VMCALL/VMMCALL: 3 bytes)
        return nr;
    }
}
