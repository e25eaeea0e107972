package org.oxen.vmm.core.mm;

/**
 * The free frames of a {@link FramePool}, kept in buddy blocks (Xen's page_alloc.c: the heap's
 * free lists by zone and order, alloc_heap_pages and free_heap_pages).
 *
 * <p>Design: a free block is {@code 2^order} frames aligned to their size, {@code order <=}
 * {@link #MAX_ORDER}, and free blocks are maximal: a block and its buddy ({@code head ^ 2^order})
 * are never both free at the same order (free merges them, as free_heap_pages does). Each block
 * lies in one zone, zone {@code z} being frames {@code [2^z, 2^(z+1))} as Xen's
 * {@code fls(mfn) - 1}: an aligned block that does not hold frame 0 never straddles a power of two,
 * and frame 0 is never free, so no merge crosses a zone either. An address limit is a highest
 * zone (Xen's bits_to_zone), and allocation serves the highest allowed zone first, the smallest
 * block that fits in it, splitting it down (buddies back on their lists): what was handed out
 * together comes back together and merges, so free memory stays in blocks.
 *
 * <p>Frames are still handed out non-contiguously, by which block is chosen, not by scattering:
 * each split keeps a pseudo-random half (a fixed-seed xorshift, so runs repeat), and a single
 * frame is never the neighbour of the single frame handed out just before it while the zone has
 * another block to take (another single of the list, or a larger block to split). Consecutive
 * allocations, a domain's P2M among them, are therefore never adjacent frames.
 *
 * <p>The lists are intrusive: {@code next}/{@code prev} links and the order are kept at the block's
 * head frame, in arrays of the frame table's length, so nothing is allocated per operation; a
 * bit mask per zone says which orders have blocks. An allocation or a free is O(zones + orders),
 * that is O(log frames).
 *
 * <p>Locking: none of its own; the owning {@link FramePool} calls every method under its monitor
 * (the mm lock).
 */
final class FreeBlocks {

    /** The largest block: 2^20 frames (4 GiB), as Xen's MAX_ORDER on x86. */
    static final int MAX_ORDER = 20;
    /** Zones 0..22: frame numbers below 2^23, beyond the 16 GiB of machine addresses the M2P describes. */
    static final int NR_ZONES = 23;
    private static final int ORDERS = MAX_ORDER + 1;
    private static final int NONE = -1;
    private static final byte NOT_A_FREE_HEAD = -1;

    private final int[] next;
    private final int[] prev;
    /** The order of the free block whose first frame this is, or {@link #NOT_A_FREE_HEAD}. */
    private final byte[] order;
    /** First block of each list, by {@code zone * ORDERS + order}. */
    private final int[] heads = new int[NR_ZONES * ORDERS];
    /** Per zone, bit {@code o} set when its order-{@code o} list holds a block. */
    private final int[] orderMask = new int[NR_ZONES];
    /** Frames below it count as low ({@link #freeLowFrames}); a power of two, so a zone boundary. */
    private final int lowLimit;
    private int freeFrames;
    private int freeLowFrames;
    /** The last single frame handed out (its neighbours are avoided next); -2 before the first. */
    private int lastSingle = -2;
    private long random;

    FreeBlocks(int frames, int lowLimit, long seed) {
        if (Integer.bitCount(lowLimit) != 1 || frames > 1 << NR_ZONES) {
            throw new IllegalArgumentException("free lists for " + frames + " frames, low limit " + lowLimit);
        }
        next = new int[frames];
        prev = new int[frames];
        order = new byte[frames];
        java.util.Arrays.fill(order, NOT_A_FREE_HEAD);
        java.util.Arrays.fill(heads, NONE);
        this.lowLimit = lowLimit;
        this.random = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    /** Frames {@code [from, to)} become free as the largest aligned blocks they hold (start of day; frame 0 excluded). */
    void addRange(int from, int to) {
        if (from < 1 || to > order.length) throw new IllegalArgumentException("free range " + from + ".." + to);
        for (int f = from; f < to;) {
            int o = Math.min(Integer.numberOfTrailingZeros(f), MAX_ORDER);
            while (f + (1 << o) > to) o--;
            link(f, o);
            count(f, 1 << o);
            f += 1 << o;
        }
    }

    int freeFrames() {
        return freeFrames;
    }

    int freeLowFrames() {
        return freeLowFrames;
    }

    /** The highest zone whose frames all lie below frame {@code limit} (a limit is taken down to a power of two); -1 if none. */
    static int highestZoneBelow(long limit) {
        if (limit >= 1L << NR_ZONES) return NR_ZONES - 1;
        if (limit < 2) return -1;
        return 62 - Long.numberOfLeadingZeros(limit);
    }

    /**
     * Takes a block of {@code 2^o} frames from zones {@code zoneHi} down to 0, the highest zone
     * that has one first, and in it the smallest free block that fits; returns its first frame,
     * or -1 when no zone has one. A single frame beside the last single handed out is passed
     * over for another single or a larger block of its zone, or else of a zone below, and taken
     * only when nothing else is free.
     */
    int take(int o, int zoneHi) {
        int besideLast = NONE; // a single beside the last one, taken only if nothing else is free
        for (int z = Math.min(zoneHi, NR_ZONES - 1); z >= o; z--) {
            int fits = orderMask[z] & (-1 << o);
            if (fits == 0) continue;
            int j = Integer.numberOfTrailingZeros(fits);
            int b = heads[z * ORDERS + j];
            if (j == 0 && nextToLast(b)) { // another single, or split a larger block, or look in the zones below
                int other = next[b];
                if (other != NONE && nextToLast(other)) other = next[other];
                if (other != NONE) {
                    b = other;
                } else if ((fits & ~1) != 0) {
                    j = Integer.numberOfTrailingZeros(fits & ~1);
                    b = heads[z * ORDERS + j];
                } else {
                    if (besideLast == NONE) besideLast = b;
                    continue;
                }
            }
            return split(b, j, o);
        }
        if (besideLast == NONE) return -1;
        return split(besideLast, 0, 0);
    }

    /** Takes free block {@code b} of order {@code j} off its list and splits it down to order {@code o}: the part kept. */
    private int split(int b, int j, int o) {
        unlink(b, j);
        while (j > o) {
            j--;
            int low = b, high = b + (1 << j);
            int keep;
            if (j == 0) { // the last split to a single: not beside the last single
                keep = nextToLast(low) ? high : nextToLast(high) ? low : randomBit() ? high : low;
            } else {
                keep = randomBit() ? high : low;
            }
            link(keep == low ? high : low, j);
            b = keep;
        }
        count(b, -(1 << o));
        if (o == 0) lastSingle = b;
        return b;
    }

    /** Frame {@code f} (taken before, now free again) goes back, merged with its free buddies into the largest block. */
    void put(int f) {
        if (order[f] != NOT_A_FREE_HEAD) throw new IllegalStateException("frame " + f + " is already free");
        count(f, 1);
        int o = 0;
        while (o < MAX_ORDER) {
            int buddy = f ^ (1 << o);
            if (buddy >= order.length || order[buddy] != o) break;
            unlink(buddy, o);
            f = Math.min(f, buddy);
            o++;
        }
        link(f, o);
    }

    /** The order of the largest free block below frame {@code limit}, or -1 when nothing there is free. */
    int largestOrderBelow(long limit) {
        int best = -1;
        for (int z = Math.min(highestZoneBelow(limit), NR_ZONES - 1); z >= 0; z--) {
            if (orderMask[z] != 0) best = Math.max(best, 31 - Integer.numberOfLeadingZeros(orderMask[z]));
        }
        return best;
    }

    /** How many free blocks of order {@code o} there are, in every zone. */
    int blocks(int o) {
        int n = 0;
        for (int z = 0; z < NR_ZONES; z++) {
            for (int b = heads[z * ORDERS + o]; b != NONE; b = next[b]) n++;
        }
        return n;
    }

    /**
     * Checks the lists against the frame table: every block aligned, in its zone's list for its
     * order, its frames free by {@code isFree} and its buddy not a free block of the same order;
     * every free frame in exactly one block; the counts exact. Returns null, or what is wrong.
     */
    String check(java.util.function.IntPredicate isFree) {
        boolean[] seen = new boolean[order.length];
        int frames = 0, low = 0;
        for (int z = 0; z < NR_ZONES; z++) {
            for (int o = 0; o < ORDERS; o++) {
                int i = z * ORDERS + o;
                if ((heads[i] != NONE) != ((orderMask[z] >> o & 1) != 0)) return "zone " + z + " order " + o + ": mask disagrees";
                int before = NONE;
                for (int b = heads[i]; b != NONE; before = b, b = next[b]) {
                    if (prev[b] != before) return "block " + b + ": broken back link";
                    if (order[b] != o) return "block " + b + " in the order-" + o + " list has order " + order[b];
                    if ((b & ((1 << o) - 1)) != 0 || b == 0) return "block " + b + " of order " + o + " is not aligned";
                    if (zone(b) != z || zone(b + (1 << o) - 1) != z) return "block " + b + " of order " + o + " is not in zone " + z;
                    int buddy = b ^ (1 << o);
                    if (o < MAX_ORDER && buddy < order.length && order[buddy] == o) return "blocks " + b + " and " + buddy + " not merged";
                    for (int f = b; f < b + (1 << o); f++) {
                        if (seen[f]) return "frame " + f + " in two blocks";
                        if (!isFree.test(f)) return "frame " + f + " of free block " + b + " is not free";
                        seen[f] = true;
                    }
                    frames += 1 << o;
                    if (b < lowLimit) low += 1 << o;
                }
            }
        }
        for (int f = 0; f < order.length; f++) {
            if (isFree.test(f) && !seen[f]) return "free frame " + f + " is in no block";
        }
        if (frames != freeFrames || low != freeLowFrames) {
            return "counts " + freeFrames + "/" + freeLowFrames + " but the lists hold " + frames + "/" + low;
        }
        return null;
    }

    private static int zone(int f) {
        return 31 - Integer.numberOfLeadingZeros(f);
    }

    private boolean nextToLast(int f) {
        return f == lastSingle + 1 || f == lastSingle - 1;
    }

    private boolean randomBit() {
        long r = random; // xorshift64
        r ^= r << 13;
        r ^= r >>> 7;
        r ^= r << 17;
        random = r;
        return r < 0;
    }

    private void count(int head, int frames) {
        freeFrames += frames;
        if (head < lowLimit) freeLowFrames += frames;
    }

    private void link(int b, int o) {
        int z = zone(b);
        int i = z * ORDERS + o;
        order[b] = (byte) o;
        prev[b] = NONE;
        next[b] = heads[i];
        if (heads[i] != NONE) prev[heads[i]] = b;
        heads[i] = b;
        orderMask[z] |= 1 << o;
    }

    private void unlink(int b, int o) {
        int z = zone(b);
        int i = z * ORDERS + o;
        if (prev[b] != NONE) next[prev[b]] = next[b];
        else heads[i] = next[b];
        if (next[b] != NONE) prev[next[b]] = prev[b];
        order[b] = NOT_A_FREE_HEAD;
        if (heads[i] == NONE) orderMask[z] &= ~(1 << o);
    }
}
