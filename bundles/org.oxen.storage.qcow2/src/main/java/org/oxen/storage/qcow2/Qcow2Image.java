package org.oxen.storage.qcow2;

import static org.oxen.storage.qcow2.Qcow2Layout.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.CacheMode;
import org.oxen.storage.api.ImageFormatException;
import org.oxen.storage.api.ReadOnlyImageException;
import org.oxen.storage.api.StorageException;
import org.oxen.storage.api.io.ImageFiles;

/**
 * A qcow2 image (versions 2 and 3) as a {@link BlockImage}.
 *
 * <p>Design: the L1 table is held in memory; L2 tables and refcount blocks are cached write-back
 * ({@link MetadataCache}, {@link Refcounts}). A write to a cluster that is not a normal cluster
 * with COPIED (unallocated, zero, compressed, shared) allocates a new cluster, fills what the
 * write does not cover from the old contents (the backing file, zeros, the inflated compressed
 * data), writes it, and points the L2 entry at it with COPIED; the old cluster's count is dropped
 * later. Metadata reaches the file only in {@link #flushMetadata()}, in the crash-safe order of
 * QEMU's caches: refcount blocks (then table entries), sync; L2 tables, sync; L1 entries, sync;
 * then the deferred decrements, sync. So at every instant the file is a consistent image: a crash
 * can leak clusters (counted, not referenced), never leave a reference to an uncounted or
 * unwritten cluster. {@link #flush()} is that sequence plus {@code force(true)}.
 *
 * <p>Corruption found while the image is in use (a data cluster over metadata, a misaligned
 * entry, a zero flag in a v2 image) is refused with an {@link ImageFormatException}, the image
 * becomes read-only for this object and, for v3, is marked corrupt on disk as QEMU marks it.
 *
 * <p>Locking: one {@link ReentrantLock} per image serialises every request, flush, discard and
 * close; the caches, the allocator and the scratch buffers are only touched under it. A backing
 * image is this image's own (opened read-only for it) and only called under this lock.
 */
final class Qcow2Image implements BlockImage {
    static final String FORMAT = "qcow2";
    /** Deferred frees held before a flush is forced (bounds memory when a guest never flushes). */
    private static final int MAX_DEFERRED = 8192;

    private final ReentrantLock lock = new ReentrantLock();
    private final Path path;
    private final FileChannel ch;
    /** 1 through the page cache; the file system's block with O_DIRECT ({@link AlignedChannel}). */
    private final int alignment;
    private final Qcow2Header header;
    private final int clusterBits;
    private final int clusterSize;
    private final int l2Bits;
    private final long size;
    private final long[] l1;
    private int l1DirtyLo = Integer.MAX_VALUE;
    private int l1DirtyHi = -1;
    private final MetadataCache l2;
    private final Refcounts refcounts;
    private final BitSet metadata = new BitSet();
    private final BlockImage backing;
    private final Compressed compressed;
    private final ByteBuffer cow;
    private final ByteBuffer zeros;
    private long fileEnd;
    private long l1Offset;
    private long tableOffset;
    private long tableBytes;
    private boolean dataDirty;
    private String readOnlyReason;
    private boolean closed;

    Qcow2Image(Path path, FileChannel ch, AccessMode mode, BackingOpener opener, int depth) throws IOException {
        this.path = path;
        this.ch = ch;
        this.alignment = ch instanceof AlignedChannel a ? a.alignment() : 1;
        boolean ok = false;
        BlockImage b = null;
        try {
            header = Qcow2Header.read(path, ch);
            if (mode == AccessMode.READ_WRITE) {
                refuseWriting(header);
            }
            readOnlyReason = mode == AccessMode.READ_ONLY ? "opened read-only" : null;
            clusterBits = header.clusterBits;
            clusterSize = 1 << clusterBits;
            l2Bits = clusterBits - 3;
            size = header.sectorSize();
            fileEnd = ch.size();
            l1Offset = header.l1TableOffset;
            tableOffset = header.refcountTableOffset;
            tableBytes = (long) header.refcountTableClusters << clusterBits;
            markMetadata(0, clusterSize);
            markMetadata(l1Offset, header.l1Size * 8L);
            markMetadata(tableOffset, tableBytes);
            if (header.nbSnapshots > 0) {
                markMetadata(header.snapshotsOffset, 40L * header.nbSnapshots);
            }
            l1 = readTable(l1Offset, header.l1Size);
            long[] reftable = readTable(tableOffset, (int) (tableBytes / 8));
            checkReferencedTables(reftable, "refcount table", REFT_RESERVED, ~REFT_RESERVED, "refcount block");
            checkReferencedTables(l1, "L1 table", L1E_RESERVED, OFFSET_MASK, "L2 table");
            int cacheSlots = (int) Math.max(16, (32L << 20) >>> clusterBits);
            l2 = new MetadataCache(ch, clusterSize, Math.min(cacheSlots, Math.max(header.l1Size, 4)),
                    Math.max(header.l1Size, 1), this::flushMetadata);
            refcounts = new Refcounts(this, path, ch, header, reftable, metadata,
                    (int) Math.max(16, (4L << 20) >>> clusterBits));
            compressed = new Compressed(path, ch, clusterBits);
            // aligned, so a copied or zeroed cluster goes straight to an O_DIRECT file
            cow = ByteBuffer.allocateDirect(clusterSize + alignment).alignedSlice(alignment);
            zeros = ByteBuffer.allocateDirect(clusterSize + alignment).alignedSlice(alignment);
            if (header.backingFile != null) {
                b = opener.open(path, header.backingFile, header.backingFormat, depth + 1);
            }
            backing = b;
            if (readOnlyReason == null && header.autoclear != 0) {
                // bits oxen does not maintain must not stay set once it writes (the bitmaps case was refused)
                ImageFiles.writeFully(ch, ByteBuffer.allocate(8).putLong(0, 0L), H_AUTOCLEAR);
                ch.force(false);
            }
            ok = true;
        } finally {
            if (!ok) {
                if (b != null) {
                    b.close();
                }
                ch.close();
            }
        }
    }

    /** What QEMU opens only read-only, or oxen does not write (yet): refused for READ_WRITE. */
    private void refuseWriting(Qcow2Header h) throws IOException {
        String why = null;
        if ((h.incompatible & INCOMPAT_CORRUPT) != 0) {
            why = "it is marked corrupt (incompatible bit 1); repair it with qemu-img check -r all";
        } else if ((h.incompatible & INCOMPAT_DIRTY) != 0) {
            why = "its dirty bit is set (lazy refcounts after an unclean shutdown); oxen does not rebuild"
                    + " refcounts: repair it with qemu-img check -r all";
        } else if (h.nbSnapshots > 0) {
            why = "it has " + h.nbSnapshots + " internal snapshot(s), which oxen does not write through";
        } else if (h.hasBitmaps && (h.autoclear & AUTOCLEAR_BITMAPS) != 0) {
            why = "it has persistent dirty bitmaps, which oxen does not maintain";
        }
        if (why != null) {
            throw new ImageFormatException(path, "cannot be opened read-write: " + why + "; open it read-only");
        }
    }

    private void markMetadata(long offset, long length) throws IOException {
        if (length <= 0) {
            return;
        }
        long first = offset >>> clusterBits;
        long last = (offset + length - 1) >>> clusterBits;
        if (last >= Integer.MAX_VALUE) {
            throw new ImageFormatException(path, "metadata at " + hex(offset) + " lies beyond 2^31 clusters");
        }
        metadata.set((int) first, (int) last + 1);
    }

    private long[] readTable(long offset, int entries) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(entries * 8);
        ImageFiles.readFully(ch, b, offset);
        long[] t = new long[entries];
        b.flip().asLongBuffer().get(t);
        return t;
    }

    /**
     * Checks that each entry of a table points at a distinct, aligned cluster inside the file and
     * clear of other metadata, and records those clusters as metadata.
     */
    private void checkReferencedTables(long[] t, String table, long reserved, long offsetMask, String what)
            throws IOException {
        for (int i = 0; i < t.length; i++) {
            long e = t[i];
            if (e == 0) {
                continue;
            }
            long off = e & offsetMask;
            String where = table + " entry " + i + " (" + hex(e) + ")";
            if ((e & reserved) != 0) {
                throw new ImageFormatException(path, where + " has reserved bits set or a misaligned offset");
            }
            if (off == 0) {
                continue;
            }
            if (off >= fileEnd) {
                throw new ImageFormatException(path, where + ": the " + what + " at " + hex(off)
                        + " lies past the end of the file (" + fileEnd + " bytes)");
            }
            int c = (int) (off >>> clusterBits);
            if (metadata.get(c)) {
                throw new ImageFormatException(path, where + ": the " + what + " at " + hex(off) + " overlaps "
                        + describeMetadata(off));
            }
            metadata.set(c);
        }
    }

    /** Names the metadata structure at host offset {@code off} (for overlap errors). */
    private String describeMetadata(long off) {
        if (off < clusterSize) {
            return "the header (cluster 0)";
        }
        if (off >= l1Offset && off < l1Offset + header.l1Size * 8L + clusterSize - 1) {
            return "the L1 table (" + hex(l1Offset) + ")";
        }
        if (off >= tableOffset && off < tableOffset + tableBytes) {
            return "the refcount table (" + hex(tableOffset) + ")";
        }
        if (header.nbSnapshots > 0 && (off >>> clusterBits) == (header.snapshotsOffset >>> clusterBits)) {
            return "the snapshot table (" + hex(header.snapshotsOffset) + ")";
        }
        return "another refcount block or L2 table";
    }

    // ---------------------------------------------------------------- BlockImage

    @Override
    public Path path() {
        return path;
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int clusterSize() {
        return clusterSize;
    }

    @Override
    public boolean readOnly() {
        lock.lock();
        try {
            return readOnlyReason != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Map<String, String> details() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("compat", header.version == 2 ? "0.10" : "1.1");
        d.put("cluster_size", Integer.toString(clusterSize));
        if (header.backingFile != null) {
            d.put("backing file", header.backingFile);
            d.put("backing file format", header.backingFormat == null ? "(probed) "
                    + (backing == null ? "?" : backing.format()) : header.backingFormat);
        }
        d.put("refcount bits", Integer.toString(1 << header.refcountOrder));
        if (header.version >= 3) {
            d.put("lazy refcounts", Boolean.toString((header.compatible & COMPAT_LAZY_REFCOUNTS) != 0));
            lock.lock();
            try {
                d.put("corrupt", Boolean.toString((header.incompatible & INCOMPAT_CORRUPT) != 0
                        || (readOnlyReason != null && readOnlyReason.startsWith("corruption"))));
            } finally {
                lock.unlock();
            }
            d.put("dirty", Boolean.toString((header.incompatible & INCOMPAT_DIRTY) != 0));
        }
        if (header.nbSnapshots > 0) {
            d.put("snapshots", Integer.toString(header.nbSnapshots));
        }
        return d;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int remaining = dst.remaining();
        ImageFiles.checkRange(path, "read", offset, remaining, size);
        if (alignment > 1) ImageFiles.checkAligned(path, "read", offset, remaining, alignment);
        lock.lock();
        try {
            ensureOpen();
            long pos = offset;
            while (remaining > 0) {
                int in = (int) (pos & (clusterSize - 1));
                int n = Math.min(clusterSize - in, remaining);
                long entry = l2Entry(pos);
                readCluster(pos, entry, in, n, dst);
                pos += n;
                remaining -= n;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Reads {@code n} bytes at offset {@code in} of the virtual cluster at {@code pos} (mapped by {@code entry}). */
    private void readCluster(long pos, long entry, int in, int n, ByteBuffer dst) throws IOException {
        if ((entry & OFLAG_COMPRESSED) != 0) {
            compressed.read(entry, in, n, dst);
            return;
        }
        checkEntry(pos, entry);
        long host = entry & OFFSET_MASK;
        if ((entry & OFLAG_ZERO) != 0) {
            ImageFiles.zero(dst, n);
        } else if (host == 0) {
            readUnallocated(pos, n, dst);
        } else {
            int lim = dst.limit();
            dst.limit(dst.position() + n);
            try {
                ImageFiles.readFully(ch, dst, host + in);
            } finally {
                dst.limit(lim);
            }
        }
    }

    private void readUnallocated(long pos, int n, ByteBuffer dst) throws IOException {
        long bsize = backing == null ? 0 : backing.size();
        int fromBacking = (int) Math.max(0, Math.min(n, bsize - pos));
        if (fromBacking > 0) {
            int lim = dst.limit();
            dst.limit(dst.position() + fromBacking);
            try {
                backing.read(pos, dst);
            } finally {
                dst.limit(lim);
            }
        }
        if (n > fromBacking) {
            ImageFiles.zero(dst, n - fromBacking);
        }
    }

    /** A standard (not compressed) L2 entry's sanity: reserved bits clear, no zero flag in v2. */
    private void checkEntry(long pos, long entry) throws IOException {
        if ((entry & L2E_RESERVED) != 0) {
            throw corruption("the L2 entry for virtual offset " + hex(pos) + " (" + hex(entry)
                    + ") has reserved bits set or a misaligned host offset");
        }
        if ((entry & OFLAG_ZERO) != 0 && header.version < 3) {
            throw corruption("the L2 entry for virtual offset " + hex(pos) + " (" + hex(entry)
                    + ") has the zero flag, which version 2 images do not have");
        }
    }

    /** The L2 entry mapping virtual offset {@code pos} (0 where no L2 table exists). */
    private long l2Entry(long pos) throws IOException {
        int l1Index = (int) (pos >>> (clusterBits + l2Bits));
        long off = l1[l1Index] & OFFSET_MASK;
        if (off == 0) {
            return 0;
        }
        int slot = l2.load(l1Index, off);
        return l2.getLong(slot, (int) ((pos >>> clusterBits) & ((1 << l2Bits) - 1)));
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int remaining = src.remaining();
        ImageFiles.checkRange(path, "write", offset, remaining, size);
        if (alignment > 1) ImageFiles.checkAligned(path, "write", offset, remaining, alignment);
        lock.lock();
        try {
            ensureWritable();
            long pos = offset;
            while (remaining > 0) {
                int in = (int) (pos & (clusterSize - 1));
                int n = Math.min(clusterSize - in, remaining);
                writeCluster(pos, in, n, src);
                pos += n;
                remaining -= n;
            }
            dataDirty = true;
            if (refcounts.deferredCount() > MAX_DEFERRED) {
                flushMetadata();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code n} bytes of {@code src} at offset {@code in} of the virtual cluster at {@code pos}. */
    private void writeCluster(long pos, int in, int n, ByteBuffer src) throws IOException {
        long entry = l2Entry(pos);
        boolean compressedEntry = (entry & OFLAG_COMPRESSED) != 0;
        if (!compressedEntry) {
            checkEntry(pos, entry);
        }
        long host = compressedEntry ? 0 : entry & OFFSET_MASK;
        boolean copied = !compressedEntry && (entry & OFLAG_COPIED) != 0;
        long vcluster = pos & ~(long) (clusterSize - 1);
        if (host != 0 && copied && (entry & OFLAG_ZERO) == 0) {
            checkDataCluster(vcluster, host);
            writeData(src, n, host + in);
            return;
        }
        boolean reuse = host != 0 && copied; // a preallocated zero cluster this L2 entry owns
        long target;
        if (reuse) {
            checkDataCluster(vcluster, host);
            target = host;
        } else {
            l2SlotForWrite(pos); // the L2 table first, so the data cluster comes after it
            target = refcounts.allocate();
        }
        if (n == clusterSize) {
            writeData(src, n, target);
        } else {
            boolean zeroFill = fillIsZero(vcluster, entry);
            if (zeroFill && target >= fileEnd) {
                writeData(src, n, target + in); // past the end of the file: the rest reads as zeros already
            } else {
                cow.clear();
                if (zeroFill) {
                    ImageFiles.zero(cow, clusterSize);
                } else {
                    readCluster(vcluster, entry, 0, clusterSize, cow);
                }
                cow.clear().position(in);
                int lim = src.limit();
                src.limit(src.position() + n);
                cow.put(src);
                src.limit(lim);
                writeData(cow.clear(), clusterSize, target);
            }
        }
        int slot = l2SlotForWrite(pos);
        l2.putLong(slot, (int) ((pos >>> clusterBits) & ((1 << l2Bits) - 1)), target | OFLAG_COPIED);
        if (!reuse) {
            release(entry);
        }
    }

    /** Whether what a partial write leaves of this cluster is all zeros. */
    private boolean fillIsZero(long vcluster, long entry) {
        if ((entry & OFLAG_COMPRESSED) != 0) {
            return false;
        }
        if ((entry & OFLAG_ZERO) != 0) {
            return true;
        }
        if ((entry & OFFSET_MASK) != 0) {
            return false;
        }
        return backing == null || vcluster >= backing.size();
    }

    /** Drops this entry's references to host clusters once the new mapping is durable. */
    private void release(long entry) {
        if ((entry & OFLAG_COMPRESSED) != 0) {
            long first = compressed.firstHostCluster(entry);
            long last = compressed.lastHostCluster(entry);
            for (long c = first; c <= last; c++) {
                refcounts.deferDecrement(c);
            }
        } else if ((entry & OFFSET_MASK) != 0) {
            refcounts.deferDecrement((entry & OFFSET_MASK) >>> clusterBits);
        }
    }

    private void writeData(ByteBuffer src, int n, long at) throws IOException {
        int lim = src.limit();
        src.limit(src.position() + n);
        try {
            ImageFiles.writeFully(ch, src, at);
        } finally {
            src.limit(lim);
        }
        noteFileEnd(at + n);
    }

    /**
     * A data cluster written in place must lie in the file (oxen's own allocations always extend
     * the file over them) and must not be metadata (QEMU's overlap check).
     */
    private void checkDataCluster(long pos, long host) throws IOException {
        if (host >= fileEnd) {
            throw corruption("the L2 entry for virtual offset " + hex(pos) + " points at host cluster "
                    + hex(host) + ", past the end of the file (" + fileEnd + " bytes)");
        }
        if (metadata.get((int) (host >>> clusterBits))) {
            throw corruption("the L2 entry for virtual offset " + hex(pos) + " points at host cluster "
                    + hex(host) + ", which is " + describeMetadata(host));
        }
    }

    /** The cache slot of the L2 table for {@code pos}, allocating the table when the L1 entry is empty. */
    private int l2SlotForWrite(long pos) throws IOException {
        int l1Index = (int) (pos >>> (clusterBits + l2Bits));
        long e = l1[l1Index];
        long off = e & OFFSET_MASK;
        if (off == 0) {
            long table = refcounts.allocate();
            int slot = l2.create(l1Index, table);
            metadata.set((int) (table >>> clusterBits));
            l1[l1Index] = table | OFLAG_COPIED;
            l1DirtyLo = Math.min(l1DirtyLo, l1Index);
            l1DirtyHi = Math.max(l1DirtyHi, l1Index);
            return slot;
        }
        if ((e & OFLAG_COPIED) == 0) {
            throw new ImageFormatException(path, "L1 entry " + l1Index + " (" + hex(e)
                    + ") lacks COPIED: its L2 table is shared (refcount " + refcounts.get(off >>> clusterBits)
                    + "), which oxen does not write through; repair with qemu-img check -r all");
        }
        return l2.load(l1Index, off);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        ImageFiles.checkRange(path, "discard", offset, length, size);
        lock.lock();
        try {
            ensureWritable();
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                int in = (int) (pos & (clusterSize - 1));
                int n = (int) Math.min(clusterSize - in, end - pos);
                long entry = l2Entry(pos);
                if (n == clusterSize && (backing == null || header.version >= 3)) {
                    long unmapped = backing == null ? 0 : OFLAG_ZERO;
                    if (entry != unmapped) {
                        int slot = l2SlotForWrite(pos);
                        l2.putLong(slot, (int) ((pos >>> clusterBits) & ((1 << l2Bits) - 1)), unmapped);
                        release(entry);
                    }
                } else if (!readsZero(pos, entry)) {
                    zeros.clear();
                    writeCluster(pos, in, n, zeros);
                }
                pos += n;
            }
            dataDirty = true;
            if (refcounts.deferredCount() > MAX_DEFERRED) {
                flushMetadata();
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean readsZero(long pos, long entry) {
        if ((entry & OFLAG_COMPRESSED) != 0) {
            return false;
        }
        return (entry & OFLAG_ZERO) != 0 || ((entry & OFFSET_MASK) == 0 && fillIsZero(pos & ~(long) (clusterSize - 1), entry));
    }

    @Override
    public void flush() throws IOException {
        lock.lock();
        try {
            ensureOpen();
            if (readOnlyReason == null) {
                flushMetadata();
                ch.force(true);
                dataDirty = false;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes all cached metadata in crash-safe order: refcounts, sync; L2 tables, sync; L1, sync;
     * deferred decrements, sync. Called by {@link #flush()}, by cache evictions and before the
     * refcount table grows.
     */
    void flushMetadata() throws IOException {
        boolean l1Dirty = l1DirtyHi >= 0;
        if (refcounts.dirty()) {
            refcounts.write();
            ch.force(false);
        }
        if (l2.anyDirty()) {
            l2.writeDirty();
            ch.force(false);
        }
        if (l1Dirty) {
            int lo = l1DirtyLo;
            int hi = l1DirtyHi;
            ByteBuffer b = ByteBuffer.allocate((hi - lo + 1) * 8);
            for (int i = lo; i <= hi; i++) {
                b.putLong(l1[i]);
            }
            ImageFiles.writeFully(ch, b.flip(), l1Offset + lo * 8L);
            l1DirtyLo = Integer.MAX_VALUE;
            l1DirtyHi = -1;
            ch.force(false);
        }
        if (refcounts.deferredCount() > 0) {
            refcounts.applyDeferred();
            refcounts.write();
            ch.force(false);
        }
    }

    /** Records that the file now extends to at least {@code end} (clusters past it read as zeros). */
    void noteFileEnd(long end) {
        if (end > fileEnd) {
            fileEnd = end;
        }
    }

    /** The refcount table moved (it grew). */
    void tableMoved(long offset, long bytes) {
        tableOffset = offset;
        tableBytes = bytes;
    }

    /**
     * Reports corruption found in use: the image becomes read-only here and, when it was
     * writable and is version 3, is marked corrupt on disk (incompatible bit 1), as QEMU's
     * qcow2_signal_corruption does. Returns the exception to throw.
     */
    ImageFormatException corruption(String what) {
        String suffix = "";
        if (readOnlyReason == null) {
            readOnlyReason = "corruption found: " + what;
            if (header.version >= 3) {
                try {
                    ByteBuffer b = ByteBuffer.allocate(8);
                    ImageFiles.readFully(ch, b, H_INCOMPATIBLE);
                    long bits = b.getLong(0) | INCOMPAT_CORRUPT;
                    ImageFiles.writeFully(ch, ByteBuffer.allocate(8).putLong(0, bits), H_INCOMPATIBLE);
                    ch.force(false);
                    suffix = "; the image is now marked corrupt";
                } catch (IOException e) {
                    suffix = "; marking it corrupt failed: " + e.getMessage();
                }
            } else {
                suffix = "; the image is read-only from now on";
            }
        }
        return new ImageFormatException(path, "corrupt image: " + what + suffix);
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (readOnlyReason == null) {
                    flushMetadata();
                    ch.force(true);
                }
            } finally {
                try {
                    compressed.close();
                    if (backing != null) {
                        backing.close();
                    }
                } finally {
                    ch.close();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() throws StorageException {
        if (closed) {
            throw new StorageException(path, "the image is closed");
        }
    }

    private void ensureWritable() throws StorageException {
        ensureOpen();
        if (readOnlyReason != null) {
            throw new ReadOnlyImageException(path, readOnlyReason);
        }
    }

    @Override
    public CacheMode cacheMode() {
        return alignment > 1 ? CacheMode.DIRECT : CacheMode.WRITEBACK;
    }

    /** 1, or with O_DIRECT the file system's block: requests' offsets and lengths (any buffer). */
    @Override
    public int requestAlignment() {
        return alignment;
    }

    /** The image file's channel (tests: an {@link AlignedChannel} with O_DIRECT). */
    FileChannel channel() {
        return ch;
    }

    @Override
    public String toString() {
        return "qcow2 v" + header.version + " image " + path + " (" + size + " bytes, " + clusterSize
                + "-byte clusters" + (backing == null ? "" : ", backing " + backing.path())
                + (alignment > 1 ? ", O_DIRECT" : "") + ")";
    }
}
