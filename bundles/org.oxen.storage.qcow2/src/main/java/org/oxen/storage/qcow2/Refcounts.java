package org.oxen.storage.qcow2;

import static org.oxen.storage.qcow2.Qcow2Layout.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;

import org.oxen.storage.api.ImageFormatException;
import org.oxen.storage.api.io.ImageFiles;

/**
 * The refcount table and its blocks: the reference count of every host cluster, the cluster
 * allocator, and the table's growth.
 *
 * <p>Design: counts live in refcount blocks cached write-back ({@link MetadataCache}); the table
 * is held in memory and written entry range by entry range. Increments are applied at once (a
 * cluster is counted before anything points at it); decrements are deferred
 * ({@link #deferDecrement}) until the image has made the unlinking L2/L1 change durable
 * ({@link #applyDeferred}), so on disk a count is never below its references. Allocation takes the
 * first cluster with count 0 from a moving hint (freed clusters are reused); a range without a
 * block gets a new block placed inside the range it covers, counting itself, as QEMU places them.
 * When the table is full it grows: new blocks and a larger table are written past every used
 * cluster, synced, then the header is switched in one 12-byte write and synced, then the old
 * table's clusters are freed (QEMU's qcow2_refcount_area order).
 *
 * <p>Locking: none; the owning image's lock guards every call.
 */
final class Refcounts {
    private final Path path;
    private final FileChannel ch;
    private final int clusterBits;
    private final int clusterSize;
    private final int order;
    private final int blockBits; // log2(entries per block)
    private final long maxCount;
    private final MetadataCache blocks;
    private final BitSet metadata;
    private final Qcow2Image owner;
    private long[] table;
    private long tableOffset;
    private int tableClusters;
    private int tableDirtyLo = Integer.MAX_VALUE;
    private int tableDirtyHi = -1;
    private long freeHint;
    private long[] deferred = new long[64];
    private int deferredCount;
    private long[] applying = new long[64];

    Refcounts(Qcow2Image owner, Path path, FileChannel ch, Qcow2Header h, long[] table, BitSet metadata, int maxSlots) {
        this.owner = owner;
        this.path = path;
        this.ch = ch;
        this.clusterBits = h.clusterBits;
        this.clusterSize = 1 << clusterBits;
        this.order = h.refcountOrder;
        this.blockBits = clusterBits + 3 - order;
        this.maxCount = order == 6 ? Long.MAX_VALUE : (1L << (1 << order)) - 1;
        this.table = table;
        this.tableOffset = h.refcountTableOffset;
        this.tableClusters = h.refcountTableClusters;
        this.metadata = metadata;
        this.blocks = new MetadataCache(ch, clusterSize, maxSlots, table.length, owner::flushMetadata);
    }

    /** The reference count of host cluster {@code cluster} (0 past the table or in an absent block). */
    long get(long cluster) throws IOException {
        long t = cluster >>> blockBits;
        if (t >= table.length || table[(int) t] == 0) {
            return 0;
        }
        int slot = blocks.load((int) t, table[(int) t]);
        return entry(blocks.bytes(slot), order, (int) (cluster & ((1L << blockBits) - 1)));
    }

    /** Entry {@code i} of a refcount block with 2^order-bit entries (big-endian; narrow ones packed from bit 0). */
    static long entry(byte[] b, int order, int i) {
        switch (order) {
            case 6: {
                long v = 0;
                for (int k = 0; k < 8; k++) {
                    v = (v << 8) | (b[i * 8 + k] & 0xFF);
                }
                return v;
            }
            case 5:
                return ((b[i * 4] & 0xFFL) << 24) | ((b[i * 4 + 1] & 0xFF) << 16) | ((b[i * 4 + 2] & 0xFF) << 8)
                        | (b[i * 4 + 3] & 0xFF);
            case 4:
                return ((b[i * 2] & 0xFF) << 8) | (b[i * 2 + 1] & 0xFF);
            case 3:
                return b[i] & 0xFF;
            default: {
                int bits = 1 << order;
                int perByte = 8 / bits;
                int shift = (i % perByte) * bits;
                return ((b[i / perByte] & 0xFF) >>> shift) & ((1 << bits) - 1);
            }
        }
    }

    /** Sets entry {@code i} of a refcount block with 2^order-bit entries. */
    static void setEntry(byte[] b, int order, int i, long v) {
        switch (order) {
            case 6:
                for (int k = 7; k >= 0; k--) {
                    b[i * 8 + k] = (byte) v;
                    v >>>= 8;
                }
                break;
            case 5:
                b[i * 4] = (byte) (v >>> 24);
                b[i * 4 + 1] = (byte) (v >>> 16);
                b[i * 4 + 2] = (byte) (v >>> 8);
                b[i * 4 + 3] = (byte) v;
                break;
            case 4:
                b[i * 2] = (byte) (v >>> 8);
                b[i * 2 + 1] = (byte) v;
                break;
            case 3:
                b[i] = (byte) v;
                break;
            default: {
                int bits = 1 << order;
                int perByte = 8 / bits;
                int shift = (i % perByte) * bits;
                int mask = ((1 << bits) - 1) << shift;
                b[i / perByte] = (byte) ((b[i / perByte] & ~mask) | (((int) v << shift) & mask));
            }
        }
    }

    /** Adds {@code delta} to cluster's count (its block must exist). */
    private void adjust(long cluster, long delta) throws IOException {
        int t = (int) (cluster >>> blockBits);
        if (t >= table.length || table[t] == 0) {
            throw new ImageFormatException(path, "host cluster " + hex(cluster << clusterBits)
                    + " has no refcount block but is being " + (delta > 0 ? "allocated" : "freed"));
        }
        int slot = blocks.load(t, table[t]);
        int i = (int) (cluster & ((1L << blockBits) - 1));
        long v = entry(blocks.bytes(slot), order, i) + delta;
        if (v < 0) {
            throw owner.corruption("host cluster " + hex(cluster << clusterBits)
                    + " is freed but its refcount is already 0");
        }
        if (v > maxCount) {
            throw new ImageFormatException(path, "the refcount of host cluster " + hex(cluster << clusterBits)
                    + " would exceed the " + (1 << order) + "-bit maximum " + maxCount);
        }
        setEntry(blocks.bytes(slot), order, i, v);
        blocks.markDirty(slot);
        if (v == 0 && cluster < freeHint) {
            freeHint = cluster;
        }
    }

    /** Allocates one free host cluster (count 0 becomes 1) and returns its file offset. */
    long allocate() throws IOException {
        long c = freeHint;
        for (;;) {
            long t = c >>> blockBits;
            if (t >= table.length) {
                c = grow(c);
                continue;
            }
            if (table[(int) t] == 0) {
                newBlock((int) t, c);
                c++;
                continue;
            }
            if (get(c) == 0) {
                if (c < Integer.MAX_VALUE && metadata.get((int) c)) {
                    throw owner.corruption("host cluster " + hex(c << clusterBits)
                            + " holds metadata but its refcount is 0");
                }
                break;
            }
            c++;
        }
        if (c >= Integer.MAX_VALUE) {
            throw new ImageFormatException(path, "the image file is full: oxen addresses at most 2^31 clusters");
        }
        adjust(c, 1);
        freeHint = c + 1;
        return c << clusterBits;
    }

    /** A new, empty refcount block for table index {@code t}, placed at cluster {@code c} of its range. */
    private void newBlock(int t, long c) throws IOException {
        long off = c << clusterBits;
        int slot = blocks.create(t, off);
        setEntry(blocks.bytes(slot), order, (int) (c & ((1L << blockBits) - 1)), 1);
        table[t] = off;
        metadata.set((int) c);
        tableDirtyLo = Math.min(tableDirtyLo, t);
        tableDirtyHi = Math.max(tableDirtyHi, t);
    }

    /** Counts one reference less to {@code cluster} once the unlink is durable. */
    void deferDecrement(long cluster) {
        if (deferredCount == deferred.length) {
            deferred = Arrays.copyOf(deferred, deferredCount * 2);
        }
        deferred[deferredCount++] = cluster;
    }

    int deferredCount() {
        return deferredCount;
    }

    boolean dirty() {
        return blocks.anyDirty() || tableDirtyHi >= 0;
    }

    /**
     * Writes dirty blocks, then (after a sync, so a table entry never points at an unwritten
     * block) dirty table entries.
     */
    void write() throws IOException {
        blocks.writeDirty();
        if (tableDirtyHi >= 0) {
            ch.force(false);
            int lo = tableDirtyLo;
            int hi = tableDirtyHi;
            ByteBuffer b = ByteBuffer.allocate((hi - lo + 1) * 8);
            for (int i = lo; i <= hi; i++) {
                b.putLong(table[i]);
            }
            ImageFiles.writeFully(ch, b.flip(), tableOffset + lo * 8L);
            tableDirtyLo = Integer.MAX_VALUE;
            tableDirtyHi = -1;
        }
    }

    /**
     * Applies the deferred decrements (the caller has synced the L2/L1 changes that dropped the
     * references). Reentrant: a flush run by a cache eviction meanwhile finds none pending.
     */
    void applyDeferred() throws IOException {
        int n = deferredCount;
        if (n == 0) {
            return;
        }
        long[] work = deferred; // swap the lists: a reentrant flush sees none pending
        deferred = applying;
        applying = work;
        deferredCount = 0;
        for (int i = 0; i < n; i++) {
            adjust(work[i], -1);
            if (work[i] < Integer.MAX_VALUE && get(work[i]) == 0) {
                metadata.clear((int) work[i]);
            }
        }
    }

    /**
     * Grows the table so it covers cluster {@code c} (which lies past its end): writes new blocks
     * and the new table at {@code c} and after, syncs, switches the header, syncs, frees the old
     * table. Returns the first cluster after the new area.
     */
    private long grow(long c) throws IOException {
        owner.flushMetadata();
        long entriesPerBlock = 1L << blockBits;
        int perTableCluster = clusterSize / 8;
        int oldEntries = table.length;
        long a = c;
        long firstIndex = Math.max(oldEntries, a >>> blockBits);
        long nb = 0;
        long nt = 0;
        for (;;) {
            long end = a + nb + nt;
            long need = (end + entriesPerBlock - 1) >>> blockBits;
            long ntNew = Math.max((need + perTableCluster - 1) / perTableCluster, 2L * tableClusters);
            long maxClusters = MAX_REFTABLE_BYTES / clusterSize;
            if ((need + perTableCluster - 1) / perTableCluster > maxClusters) {
                throw new ImageFormatException(path, "the refcount table would exceed QEMU's "
                        + (MAX_REFTABLE_BYTES >> 20) + " MiB limit");
            }
            ntNew = Math.min(ntNew, maxClusters);
            long nbNew = need - firstIndex;
            if (nbNew == nb && ntNew == nt) {
                break;
            }
            nb = nbNew;
            nt = ntNew;
        }
        long end = a + nb + nt;
        if (end >= Integer.MAX_VALUE) {
            throw new ImageFormatException(path, "the image file is full: oxen addresses at most 2^31 clusters");
        }
        // the new blocks, each counting the area's clusters that fall in its range
        ByteBuffer blk = ByteBuffer.allocate(clusterSize);
        for (long k = 0; k < nb; k++) {
            long t = firstIndex + k;
            Arrays.fill(blk.array(), (byte) 0);
            long lo = Math.max(a, t << blockBits);
            long hi = Math.min(end, (t + 1) << blockBits);
            for (long x = lo; x < hi; x++) {
                setEntry(blk.array(), order, (int) (x & (entriesPerBlock - 1)), 1);
            }
            ImageFiles.writeFully(ch, blk.clear(), (a + k) << clusterBits);
        }
        long[] newTable = Arrays.copyOf(table, (int) (nt * perTableCluster));
        for (long k = 0; k < nb; k++) {
            newTable[(int) (firstIndex + k)] = (a + k) << clusterBits;
        }
        ByteBuffer tb = ByteBuffer.allocate((int) (nt * clusterSize));
        for (long e : newTable) {
            tb.putLong(e);
        }
        long newTableOffset = (a + nb) << clusterBits;
        ImageFiles.writeFully(ch, tb.flip(), newTableOffset);
        ch.force(false);
        ByteBuffer hdr = ByteBuffer.allocate(12).putLong(newTableOffset).putInt((int) nt).flip();
        ImageFiles.writeFully(ch, hdr, H_REFCOUNT_TABLE_OFFSET);
        ch.force(false);
        long oldFirst = tableOffset >>> clusterBits;
        int oldClusters = tableClusters;
        table = newTable;
        tableOffset = newTableOffset;
        tableClusters = (int) nt;
        blocks.ensureKeySpace(table.length);
        owner.noteFileEnd(end << clusterBits);
        for (long x = a; x < end; x++) {
            metadata.set((int) x);
        }
        for (long x = oldFirst; x < oldFirst + oldClusters; x++) {
            metadata.clear((int) x);
            deferDecrement(x);
        }
        owner.tableMoved(newTableOffset, (long) tableClusters << clusterBits);
        freeHint = end;
        return end;
    }

    long tableOffset() {
        return tableOffset;
    }

    int tableClusters() {
        return tableClusters;
    }
}
