package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;

import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;

/**
 * multicall: a batch of hypercalls, each entry {op, result, args[6]} (32 bytes). Entries are
 * copied in before use; each result is written back. Nesting (a multicall or iret inside a
 * multicall) gives that entry -EINVAL. After every {@value #BATCH} entries a continuation lets
 * other vcpus run, as Xen's preemption does.
 */
final class MulticallHypercall {

    static final int BATCH = 256;

    private final Services s;
    private final HypercallDispatcher dispatcher;

    MulticallHypercall(Services s, HypercallDispatcher d) {
        this.s = s;
        this.dispatcher = d;
    }

    long multicall(VcpuImpl v, int list, int nr, int a3, int a4, int a5, int a6, boolean mc) {
        if (mc) return EINVAL;
        GuestMemory g = s.guest();
        long n = nr & 0xFFFFFFFFL;
        int[] e = new int[8];
        for (long i = 0; i < n; i++) {
            if (i == BATCH) {
                return Args.continuation(v, Hypercall.MULTICALL, list + BATCH * Xen.MULTICALL_ENTRY_SIZE,
                        (int) (n - BATCH), a3, a4);
            }
            int entry = list + (int) i * Xen.MULTICALL_ENTRY_SIZE;
            int cr3 = Args.cr3(v);
            for (int k = 0; k < 8; k++) e[k] = g.read32(cr3, entry + k * 4);
            long rc;
            if (e[0] == Hypercall.MULTICALL || e[0] == Hypercall.IRET) {
                rc = EINVAL;
            } else {
                rc = dispatcher.call(v, e[0], e[2], e[3], e[4], e[5], e[6], e[7], true);
            }
            g.write32(Args.cr3(v), entry + Xen.MULTICALL_RESULT, (int) rc);
            if (v.domain().isStopped()) break;
        }
        return 0;
    }
}
