package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;

import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;

/**
 * multicall (Xen's do_multicall): a batch of hypercalls, each entry {op, result, args[6]} (32
 * bytes), copied in before use; each result is written back. Nesting (a multicall or iret
 * inside a multicall) gives that entry -EINVAL. The preemption check before every entry but
 * the first continues the multicall from that entry. An entry whose hypercall continued itself
 * (a long mmu_update, mmuext_op, set_trap_table) gets its new arguments written into the entry,
 * no result, and the multicall continues from it: the sub-call resumes where it stopped.
 */
final class MulticallHypercall {

    private final Services s;
    private final HypercallDispatcher dispatcher;

    MulticallHypercall(Services s, HypercallDispatcher d) {
        this.s = s;
        this.dispatcher = d;
    }

    long multicall(VcpuImpl v, int list, int nr, int a3, int a4, int a5, int a6, boolean mc) {
        if (mc) return EINVAL;
        Args.enter(v, false);
        GuestMemory g = s.guest();
        long n = nr & 0xFFFFFFFFL;
        for (long i = 0; i < n; i++) {
            int entry = list + (int) i * Xen.MULTICALL_ENTRY_SIZE;
            if (i > 0 && Args.preempt(v)) {
                return Args.continuation(v, false, Hypercall.MULTICALL, entry, (int) (n - i), a3, a4);
            }
            // the entry (op, result, six arguments) read whole before the call, as Xen's copy_from_guest
            // (a result word it cannot read is -EFAULT too), into locals: a hypercall allocates nothing
            int cr3 = Args.cr3(v);
            int op = g.read32(cr3, entry), args = entry + Xen.MULTICALL_ARGS;
            g.read32(cr3, entry + Xen.MULTICALL_RESULT);
            int a1 = g.read32(cr3, args), a2 = g.read32(cr3, args + 4), a3e = g.read32(cr3, args + 8);
            int a4e = g.read32(cr3, args + 12), a5e = g.read32(cr3, args + 16), a6e = g.read32(cr3, args + 20);
            long rc;
            if (op == Hypercall.MULTICALL || op == Hypercall.IRET) {
                rc = EINVAL;
            } else {
                v.mcContinuation = false;
                rc = dispatcher.call(v, op, a1, a2, a3e, a4e, a5e, a6e, true);
                if (v.mcContinuation) {
                    v.mcContinuation = false;
                    int[] a = v.mcContinuationArgs;
                    for (int k = 0; k < 4; k++) g.write32(Args.cr3(v), entry + Xen.MULTICALL_ARGS + k * 4, a[k]);
                    return Args.continuation(v, false, Hypercall.MULTICALL, entry, (int) (n - i), a3, a4);
                }
            }
            g.write32(Args.cr3(v), entry + Xen.MULTICALL_RESULT, (int) rc);
            if (v.domain().isStopped()) break;
        }
        return 0;
    }
}
