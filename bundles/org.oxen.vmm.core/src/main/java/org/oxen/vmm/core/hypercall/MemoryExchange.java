package org.oxen.vmm.core.hypercall;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Memory;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestFault;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;

/**
 * XENMEM_exchange (xen/common/memory.c memory_exchange behind compat_memory_op's checks): a
 * domain gives back the frames its input list names and gets as many new ones, in extents of
 * another order and below an address limit, mapped at the pfns its output list names (a 32-bit
 * PV guest trading scattered frames for contiguous ones below 4 GiB for DMA).
 *
 * <p>Work goes in chunks of {@code 2^max(in, out order)} frames: {@code 2^(out - in)} input
 * extents for one output extent, or one input extent for {@code 2^(in - out)} output extents.
 * Each chunk is all or nothing, under the mm lock: every input frame must be the domain's and
 * held by nothing but its allocation (no mapping, no type, not shared_info — Xen's steal_page;
 * else -EINVAL), the output extents are allocated ({@code 2^order} contiguous, size-aligned
 * frames below {@code 2^address_bits}; none: -ENOMEM); then the input frames leave the physmap
 * and go back to the pool and the output frames get the output pfns (M2P and P2M, so log-dirty
 * marks them) and their first MFNs are written to the output list. The reservation
 * (tot_pages) does not change. {@code nr_exchanged} (input extents done, a whole number of
 * chunks) is written back on every outcome, and a continuation after 1 ms restarts from it.
 *
 * <p>Results as a 32-bit guest gets them: unreadable argument -EFAULT; nr_exchanged beyond the
 * input, not a whole number of chunks, list sizes overflowing or not matching, in.domid !=
 * out.domid -EINVAL; a list beyond the hole -EFAULT; an order above 9 -EPERM; another domain
 * -ESRCH/-EPERM; then per chunk as above, an unreadable list entry -EFAULT, and a failure to
 * write nr_exchanged back -EFAULT. Unlike Xen, which reads an output pfn after the chunk's
 * exchange is done (and leaves that chunk done but uncounted if the read faults), oxen reads the
 * chunk's output pfns first: the result and nr_exchanged are the same, and a chunk not counted
 * was not done.
 *
 * <p>A translated (HVM) domain exchanges too, as Xen's memory_exchange does for one (x86 with PV
 * support): both lists name GFNs, the frames behind the input GFNs go and new extents appear at
 * the output GFNs (often the same ones), and the output list is not written (the guest never
 * learns an MFN).
 *
 * <p>Locking: each chunk's checks and changes under the {@link FramePool} monitor; list reads
 * and writes outside it.
 */
final class MemoryExchange {

    private static final long ENOMEM = -Errno.ENOMEM;

    private final Services s;

    MemoryExchange(Services s) {
        this.s = s;
    }

    long exchange(VcpuImpl v, int cmdArg, int arg, int a3, int a4, boolean mc) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int inList, outList, inOrder, outOrder, outFlags, inDom, outDom;
        long inNr, outNr, done;
        try {
            inList = g.read32(cr3, arg + Memory.EXCHANGE_IN + Memory.RESERVATION_EXTENT_START);
            inNr = g.read32(cr3, arg + Memory.EXCHANGE_IN + Memory.RESERVATION_NR_EXTENTS) & 0xFFFFFFFFL;
            inOrder = g.read32(cr3, arg + Memory.EXCHANGE_IN + Memory.RESERVATION_EXTENT_ORDER);
            inDom = g.read16(cr3, arg + Memory.EXCHANGE_IN + Memory.RESERVATION_DOMID);
            outList = g.read32(cr3, arg + Memory.EXCHANGE_OUT + Memory.RESERVATION_EXTENT_START);
            outNr = g.read32(cr3, arg + Memory.EXCHANGE_OUT + Memory.RESERVATION_NR_EXTENTS) & 0xFFFFFFFFL;
            outOrder = g.read32(cr3, arg + Memory.EXCHANGE_OUT + Memory.RESERVATION_EXTENT_ORDER);
            outFlags = g.read32(cr3, arg + Memory.EXCHANGE_OUT + Memory.RESERVATION_MEM_FLAGS);
            outDom = g.read16(cr3, arg + Memory.EXCHANGE_OUT + Memory.RESERVATION_DOMID);
            done = g.read32(cr3, arg + Memory.EXCHANGE_NR_EXCHANGED) & 0xFFFFFFFFL;
        } catch (GuestFault f) {
            return Args.EFAULT;
        }
        // compat_memory_op's sanity checks (32-bit arithmetic), before anything else
        if (Integer.compareUnsigned(inOrder, 31) > 0 || Integer.compareUnsigned(outOrder, 31) > 0) return Args.EINVAL;
        int delta = outOrder - inOrder;
        if (done > inNr || (delta > 0 && (done & ((1L << delta) - 1)) != 0)
                || (0xFFFFFFFFL >>> inOrder) < inNr || (0xFFFFFFFFL >>> outOrder) < outNr
                || ((inNr << inOrder) & 0xFFFFFFFFL) != ((outNr << outOrder) & 0xFFFFFFFFL)) {
            return Args.EINVAL;
        }
        if (!Args.arrayOk(inList, inNr, 4) || !Args.arrayOk(outList, outNr, 4)) return Args.EFAULT;
        // memory_exchange
        if (Math.max(inOrder, outOrder) > Memory.MAX_UNPRIVILEGED_ORDER) return writeBack(g, cr3, arg, done, Args.EPERM);
        if (inDom != outDom) return writeBack(g, cr3, arg, done, Args.EINVAL);
        long[] err = new long[1];
        DomainImpl d = Args.self(s, v, inDom, err);
        if (d == null) return writeBack(g, cr3, arg, done, err[0]);
        int inChunkOrder = Math.max(0, delta), outChunkOrder = Math.max(0, -delta);
        long limit = addressLimit(outFlags & 0xFF);
        Args.enter(v, mc);
        long chunks = inNr >>> inChunkOrder;
        int[] inMfns = new int[1 << Math.max(inOrder, outOrder)];
        int[] outPfns = new int[1 << outChunkOrder];
        int[] outMfns = new int[1 << outChunkOrder];
        for (long i = done >>> inChunkOrder; i < chunks; i++) {
            if (i != done >>> inChunkOrder && Args.preempt(v)) {
                if (writeBack(g, cr3, arg, i << inChunkOrder, 0) != 0) return Args.EFAULT;
                return Args.continuation(v, mc, Hypercall.MEMORY_OP, 2, Memory.XENMEM_EXCHANGE, arg, a3, a4);
            }
            long rc;
            try {
                int n = 0;
                for (int j = 0; j < 1 << inChunkOrder; j++) {
                    long gmfn = g.read32(cr3, inList + (int) (((i << inChunkOrder) + j) * 4)) & 0xFFFFFFFFL;
                    for (int k = 0; k < 1 << inOrder; k++) inMfns[n++] = (int) Math.min(gmfn + k, Integer.MAX_VALUE);
                }
                for (int j = 0; j < 1 << outChunkOrder; j++) {
                    outPfns[j] = g.read32(cr3, outList + (int) (((i << outChunkOrder) + j) * 4));
                }
                rc = d.translated() ? exchangeGfnChunk(v, d, inMfns, n, outOrder, limit, outPfns, outMfns)
                        : exchangeChunk(d, inMfns, n, outOrder, limit, outPfns, outMfns);
                if (rc == 0 && !d.translated()) { // a translated guest never learns an MFN
                    for (int j = 0; j < 1 << outChunkOrder; j++) {
                        g.write32(cr3, outList + (int) (((i << outChunkOrder) + j) * 4), outMfns[j]);
                    }
                }
            } catch (GuestFault f) {
                rc = Args.EFAULT;
            }
            if (rc != 0) return writeBack(g, cr3, arg, i << inChunkOrder, rc);
        }
        return writeBack(g, cr3, arg, inNr, 0);
    }

    /** Writes nr_exchanged; -EFAULT if it cannot be written, else {@code rc}. */
    private static long writeBack(GuestMemory g, int cr3, int arg, long nrExchanged, long rc) {
        try {
            g.write32(cr3, arg + Memory.EXCHANGE_NR_EXCHANGED, (int) nrExchanged);
        } catch (GuestFault f) {
            return Args.EFAULT;
        }
        return rc;
    }

    /** The first frame number at or above 2^bits (no limit for 0 or bits beyond the RAM). */
    private long addressLimit(int bits) {
        return bits == 0 || bits >= 44 ? Long.MAX_VALUE : bits <= 12 ? 0 : 1L << (bits - 12);
    }

    /**
     * One chunk of a translated (HVM) domain, as memory_exchange does it for one: the input
     * extents name GFNs, each with a frame of the domain's that nothing else holds (not a hole,
     * a special page, a grant mapped there or a frame someone maps: -EINVAL); they become holes
     * and their frames go back to the pool; the new extents appear at the output GFNs, which
     * must be below the physical space's end, distinct, and empty once the inputs left (oxen does
     * not orphan a frame there as Xen's guest_physmap_add_page would: -EINVAL). The vcpus drop
     * their translations. 0, or -EINVAL / -ENOMEM with nothing changed.
     */
    private long exchangeGfnChunk(VcpuImpl v, DomainImpl d, int[] inGfns, int n, int outOrder, long limit, int[] outGfns,
            int[] outMfns) {
        FramePool pool = s.pool();
        DomainMemory dm = d.memory();
        int outs = outMfns.length, per = 1 << outOrder;
        synchronized (pool) {
            int[] inFrames = new int[n];
            for (int k = 0; k < n; k++) {
                long gfn = inGfns[k] & 0xFFFFFFFFL;
                int f = gfn < DomainMemory.HVM_GPFN_LIMIT ? dm.p2m((int) gfn) : -1;
                if (f < 0 || !pool.valid(f) || pool.owner(f) != d.id() || pool.refCount(f) != 1 || pool.typeCount(f) != 0
                        || HvmHypercalls.isSpecial(s, d, f)) {
                    return Args.EINVAL; // get_page_from_gfn or steal_page fails
                }
                for (int p = 0; p < k; p++) {
                    if (inGfns[p] == inGfns[k]) return Args.EINVAL; // named twice: the second steal fails
                }
                inFrames[k] = f;
            }
            for (int j = 0; j < outs; j++) {
                long first = outGfns[j] & 0xFFFFFFFFL;
                if (first + per > DomainMemory.HVM_GPFN_LIMIT) return Args.EINVAL;
                for (int k = 0; k < per; k++) {
                    int g = (int) first + k;
                    if (dm.p2m(g) >= 0 && !named(inGfns, n, g)) return Args.EINVAL; // occupied by a page kept
                    for (int u = 0; u < j; u++) {
                        if (g - outGfns[u] >= 0 && g - outGfns[u] < per) return Args.EINVAL; // two extents overlap
                    }
                }
            }
            for (int j = 0; j < outs; j++) {
                outMfns[j] = pool.allocBlock(d.id(), outOrder, limit);
                if (outMfns[j] < 0) {
                    for (int u = 0; u < j; u++) {
                        for (int k = 0; k < per; k++) pool.free(outMfns[u] + k);
                    }
                    return ENOMEM;
                }
            }
            dm.flushBeforeRelease();
            for (int k = 0; k < n; k++) {
                dm.hvmPhysmapSet(pool, inGfns[k], -1);
                pool.free(inFrames[k]);
            }
            for (int j = 0; j < outs; j++) {
                for (int k = 0; k < per; k++) dm.hvmPhysmapSet(pool, outGfns[j] + k, outMfns[j] + k);
            }
        }
        d.flushGuestPhysical(v);
        return 0;
    }

    private static boolean named(int[] list, int n, int value) {
        for (int i = 0; i < n; i++) {
            if (list[i] == value) return true;
        }
        return false;
    }

    /** One chunk: 0, or -EINVAL / -ENOMEM with nothing changed. */
    private long exchangeChunk(DomainImpl d, int[] inMfns, int n, int outOrder, long limit, int[] outPfns, int[] outMfns) {
        FramePool pool = s.pool();
        DomainMemory dm = d.memory();
        synchronized (pool) {
            for (int k = 0; k < n; k++) {
                int f = inMfns[k];
                if (!pool.valid(f) || pool.owner(f) != d.id() || pool.refCount(f) != 1 || pool.typeCount(f) != 0) {
                    return Args.EINVAL; // steal_page fails: foreign, Xen's, free, mapped, typed
                }
                for (int p = 0; p < k; p++) {
                    if (inMfns[p] == f) return Args.EINVAL; // named twice: the second steal fails
                }
            }
            int outs = outMfns.length;
            for (int j = 0; j < outs; j++) {
                outMfns[j] = pool.allocBlock(d.id(), outOrder, limit);
                if (outMfns[j] < 0) {
                    for (int u = 0; u < j; u++) {
                        for (int k = 0; k < 1 << outOrder; k++) pool.free(outMfns[u] + k);
                    }
                    return ENOMEM;
                }
            }
            dm.flushBeforeRelease();
            for (int k = 0; k < n; k++) {
                int f = inMfns[k];
                int pfn = pool.m2pGet(f);
                if (dm.p2m(pfn) == f) dm.clearP2m(pfn);
                pool.free(f);
            }
            for (int j = 0; j < outs; j++) {
                for (int k = 0; k < 1 << outOrder; k++) dm.setP2m(pool, outPfns[j] + k, outMfns[j] + k);
            }
        }
        return 0;
    }
}
