package org.oxen.vmm.core.mm;

import java.util.Arrays;

/**
 * A set of non-negative longs without boxing (open addressing, linear probing, backward-shift
 * deletion): the machine addresses of grant PTEs, looked up on every L1 entry that goes.
 * Locking: none; the owner's lock (the mm lock) guards it.
 */
final class LongSet {

    private static final long EMPTY = -1;
    private long[] slots = new long[16];
    private int size;

    {
        Arrays.fill(slots, EMPTY);
    }

    int size() {
        return size;
    }

    private int index(long v, int mask) {
        long h = v * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    boolean contains(long v) {
        if (size == 0) return false;
        int mask = slots.length - 1;
        for (int i = index(v, mask);; i = (i + 1) & mask) {
            if (slots[i] == v) return true;
            if (slots[i] == EMPTY) return false;
        }
    }

    boolean add(long v) {
        if (v < 0) throw new IllegalArgumentException("negative: " + v);
        if ((size + 1) * 2 > slots.length) grow();
        int mask = slots.length - 1;
        for (int i = index(v, mask);; i = (i + 1) & mask) {
            if (slots[i] == v) return false;
            if (slots[i] == EMPTY) {
                slots[i] = v;
                size++;
                return true;
            }
        }
    }

    boolean remove(long v) {
        if (size == 0) return false;
        int mask = slots.length - 1;
        int i = index(v, mask);
        for (;; i = (i + 1) & mask) {
            if (slots[i] == EMPTY) return false;
            if (slots[i] == v) break;
        }
        slots[i] = EMPTY;
        size--;
        // backward-shift the cluster that follows, so lookups never stop early
        for (int j = (i + 1) & mask; slots[j] != EMPTY; j = (j + 1) & mask) {
            long w = slots[j];
            int home = index(w, mask);
            boolean between = i <= j ? home > i && home <= j : home > i || home <= j;
            if (!between) {
                slots[i] = w;
                slots[j] = EMPTY;
                i = j;
            }
        }
        return true;
    }

    /** Removes every member {@code which} accepts; returns how many went. */
    int removeIf(java.util.function.LongPredicate which) {
        if (size == 0) return 0;
        long[] gone = new long[size];
        int n = 0;
        for (long v : slots) {
            if (v != EMPTY && which.test(v)) gone[n++] = v;
        }
        for (int k = 0; k < n; k++) remove(gone[k]);
        return n;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        Arrays.fill(slots, EMPTY);
        size = 0;
        for (long v : old) {
            if (v != EMPTY) add(v);
        }
    }
}
