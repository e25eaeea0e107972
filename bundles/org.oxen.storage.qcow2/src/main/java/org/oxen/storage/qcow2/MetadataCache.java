package org.oxen.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

import org.oxen.storage.api.io.ImageFiles;

/**
 * A write-back cache of cluster-sized metadata tables (L2 tables, refcount blocks), keyed by a
 * dense table index (the L1 index of an L2 table, the refcount-table index of a refcount block)
 * so a lookup is an array access.
 *
 * <p>Design: slots are allocated as the cache grows, up to {@code maxSlots}, and reused after
 * that (CLOCK replacement, never the slot handed out last, so a caller may hold one slot while it
 * loads one other). A dirty table is written only by {@link #writeDirty()}, which the image
 * calls in its metadata order (refcounts, then L2 tables, then L1); evicting a dirty victim first
 * asks the owner for that whole ordered flush ({@link Flusher}), so nothing reaches the file out
 * of order.
 *
 * <p>Locking: none; the owning image's lock guards every call.
 */
final class MetadataCache {
    /** The owner's ordered metadata flush, run before a dirty slot is evicted. */
    interface Flusher {
        void flushMetadata() throws IOException;
    }

    private final FileChannel ch;
    private final int clusterSize;
    private final int maxSlots;
    private final Flusher flusher;
    private byte[][] data = new byte[0][];
    private ByteBuffer[] views = new ByteBuffer[0];
    private long[] offsets = new long[0];
    private int[] keys = new int[0];
    private boolean[] dirty = new boolean[0];
    private boolean[] referenced = new boolean[0];
    private int[] slotOfKey;
    private int used;
    private int hand;
    private int last = -1;
    private int dirtyCount;

    MetadataCache(FileChannel ch, int clusterSize, int maxSlots, int keySpace, Flusher flusher) {
        this.ch = ch;
        this.clusterSize = clusterSize;
        this.maxSlots = Math.max(4, maxSlots);
        this.flusher = flusher;
        this.slotOfKey = new int[keySpace];
        Arrays.fill(slotOfKey, -1);
    }

    /** Grows the key space (the refcount table grew). */
    void ensureKeySpace(int n) {
        if (n > slotOfKey.length) {
            int old = slotOfKey.length;
            slotOfKey = Arrays.copyOf(slotOfKey, n);
            Arrays.fill(slotOfKey, old, n, -1);
        }
    }

    /** The slot holding table {@code key} at file offset {@code offset}, read from the file if absent. */
    int load(int key, long offset) throws IOException {
        int s = slotOfKey[key];
        if (s >= 0) {
            referenced[s] = true;
            last = s;
            return s;
        }
        s = freeSlot();
        ByteBuffer v = views[s].clear();
        ImageFiles.readFully(ch, v, offset);
        bind(s, key, offset);
        return s;
    }

    /** A zeroed slot for a new table {@code key} at {@code offset}, dirty (written at the next flush). */
    int create(int key, long offset) throws IOException {
        int s = slotOfKey[key];
        if (s < 0) {
            s = freeSlot();
            bind(s, key, offset);
        }
        offsets[s] = offset;
        Arrays.fill(data[s], (byte) 0);
        markDirty(s);
        return s;
    }

    private void bind(int s, int key, long offset) {
        keys[s] = key;
        offsets[s] = offset;
        slotOfKey[key] = s;
        referenced[s] = true;
        last = s;
    }

    private int freeSlot() throws IOException {
        if (used < maxSlots) {
            if (used == data.length) {
                int n = Math.min(maxSlots, Math.max(8, used * 2));
                data = Arrays.copyOf(data, n);
                views = Arrays.copyOf(views, n);
                offsets = Arrays.copyOf(offsets, n);
                keys = Arrays.copyOf(keys, n);
                dirty = Arrays.copyOf(dirty, n);
                referenced = Arrays.copyOf(referenced, n);
            }
            data[used] = new byte[clusterSize];
            views[used] = ByteBuffer.wrap(data[used]);
            return used++;
        }
        for (;;) {
            int s = hand;
            hand = (hand + 1) % used;
            if (s == last) {
                continue;
            }
            if (referenced[s]) {
                referenced[s] = false;
                continue;
            }
            if (dirty[s]) {
                flusher.flushMetadata();
                if (dirty[s]) {
                    continue;
                }
            }
            slotOfKey[keys[s]] = -1;
            return s;
        }
    }

    long getLong(int slot, int index) {
        return views[slot].getLong(index << 3);
    }

    void putLong(int slot, int index, long value) {
        views[slot].putLong(index << 3, value);
        markDirty(slot);
    }

    /** The table's bytes (for refcount entries narrower than a long). */
    byte[] bytes(int slot) {
        return data[slot];
    }

    void markDirty(int slot) {
        if (!dirty[slot]) {
            dirty[slot] = true;
            dirtyCount++;
        }
    }

    boolean anyDirty() {
        return dirtyCount > 0;
    }

    /** Whether table {@code key} is cached (a test and diagnostics hook). */
    boolean cached(int key) {
        return key < slotOfKey.length && slotOfKey[key] >= 0;
    }

    /** Writes every dirty table to its place in the file (no sync: the caller orders and syncs). */
    void writeDirty() throws IOException {
        for (int s = 0; s < used && dirtyCount > 0; s++) {
            if (dirty[s]) {
                ImageFiles.writeFully(ch, views[s].clear(), offsets[s]);
                dirty[s] = false;
                dirtyCount--;
            }
        }
    }
}
