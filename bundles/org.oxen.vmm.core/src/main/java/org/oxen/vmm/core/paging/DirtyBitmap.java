package org.oxen.vmm.core.paging;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A domain's log-dirty bitmap by pseudo-physical frame number (Xen's log_dirty trie in
 * paging.c): sparse, in leaves of {@value #LEAF_BITS} pfns allocated when a pfn in their range
 * is first marked, over the whole valid M2P range (pfns below 2^31; a PV guest names its pfns
 * itself through MMU_MACHPHYS_UPDATE, so they need not be below its reservation).
 *
 * <p>Locking: none. Marking is a lock-free atomic OR (it runs on the writer's thread, a vcpu's
 * or the hypervisor's); reading and clearing go leaf word by leaf word with atomic get-and-set,
 * so a mark racing with a clean is either returned by the clean or left for the next one.
 */
public final class DirtyBitmap {

    /** pfns per leaf: 4 KiB of bits, as one of Xen's leaf pages. */
    public static final int LEAF_BITS = 1 << 15;
    /** The first pfn that is not valid in the M2P (Xen's VALID_M2P: the top bit clear). */
    public static final long PFN_LIMIT = 1L << 31;

    private final AtomicReferenceArray<AtomicLongArray> leaves =
            new AtomicReferenceArray<>((int) (PFN_LIMIT / LEAF_BITS));

    /** Marks {@code pfn} dirty; pfns outside 0..2^31-1 (INVALID_M2P_ENTRY and the like) are ignored. */
    public void mark(long pfn) {
        if (pfn < 0 || pfn >= PFN_LIMIT) return;
        int li = (int) (pfn / LEAF_BITS);
        AtomicLongArray leaf = leaves.get(li);
        if (leaf == null) {
            AtomicLongArray fresh = new AtomicLongArray(LEAF_BITS / 64);
            leaf = leaves.compareAndExchange(li, null, fresh);
            if (leaf == null) leaf = fresh;
        }
        int bit = (int) (pfn % LEAF_BITS);
        long m = 1L << bit;
        int w = bit >>> 6;
        long cur = leaf.get(w);
        while ((cur & m) == 0) {
            long seen = leaf.compareAndExchange(w, cur, cur | m);
            if (seen == cur) return;
            cur = seen;
        }
    }

    /** Whether {@code pfn} is marked. */
    public boolean isDirty(long pfn) {
        if (pfn < 0 || pfn >= PFN_LIMIT) return false;
        AtomicLongArray leaf = leaves.get((int) (pfn / LEAF_BITS));
        int bit = (int) (pfn % LEAF_BITS);
        return leaf != null && (leaf.get(bit >>> 6) & (1L << bit)) != 0;
    }

    /**
     * The marks of pfns {@code 0..pages-1} as a bitmap (bit {@code p % 64} of word {@code p / 64}),
     * cleared in the same step when {@code clean} (marks beyond {@code pages} stay, as Xen's
     * XEN_DOMCTL_SHADOW_OP_CLEAN clears only what it returns).
     */
    public long[] read(int pages, boolean clean) {
        if (pages < 0) throw new IllegalArgumentException("pages must be >= 0: " + pages);
        long[] out = new long[(pages + 63) >>> 6];
        for (int w = 0; w < out.length; w++) {
            long pfn = (long) w << 6;
            AtomicLongArray leaf = leaves.get((int) (pfn / LEAF_BITS));
            if (leaf == null) {
                w += LEAF_BITS / 64 - 1 - (int) ((pfn % LEAF_BITS) >>> 6); // skip the whole absent leaf
                continue;
            }
            int lw = (int) ((pfn % LEAF_BITS) >>> 6);
            long keep = 0;
            int bitsHere = pages - (w << 6);
            long mask = bitsHere >= 64 ? -1L : (1L << bitsHere) - 1;
            if (clean) {
                long cur = leaf.get(lw);
                while ((cur & mask) != 0) {
                    long seen = leaf.compareAndExchange(lw, cur, cur & ~mask);
                    if (seen == cur) break;
                    cur = seen;
                }
                keep = cur & mask;
            } else {
                keep = leaf.get(lw) & mask;
            }
            out[w] = keep;
        }
        return out;
    }

    /** How many pfns are marked (a full scan; for statistics and tests). */
    public long count() {
        long n = 0;
        for (int i = 0; i < leaves.length(); i++) {
            AtomicLongArray leaf = leaves.get(i);
            if (leaf == null) continue;
            for (int w = 0; w < leaf.length(); w++) n += Long.bitCount(leaf.get(w));
        }
        return n;
    }
}
