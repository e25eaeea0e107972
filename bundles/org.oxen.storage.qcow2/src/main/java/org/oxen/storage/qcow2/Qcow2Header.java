package org.oxen.storage.qcow2;

import static org.oxen.storage.qcow2.Qcow2Layout.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.oxen.storage.api.ImageFormatException;
import org.oxen.storage.api.io.ImageFiles;

/**
 * A qcow2 header (cluster 0) as read and checked: the fixed fields, the v3 feature bits, and the
 * header extensions oxen understands (backing format, feature name table, bitmaps). Every field
 * is range-checked against the format and the file's size; what is wrong is an
 * {@link ImageFormatException} naming the field, its offset and its value. Overlaps between the
 * header, the L1 table, the refcount table and the snapshot table are refused here; L2 tables
 * and refcount blocks are checked by the image when it reads the tables.
 *
 * <p>oxen never rewrites a header it did not create: later changes are single-field writes
 * (autoclear bits, the refcount table's location, the corrupt bit), so extensions it does not
 * know are kept byte for byte.
 */
final class Qcow2Header {
    final int version;
    final long backingFileOffset;
    final int backingFileSize;
    final int clusterBits;
    final long size;
    final int cryptMethod;
    final int l1Size;
    final long l1TableOffset;
    final long refcountTableOffset;
    final int refcountTableClusters;
    final int nbSnapshots;
    final long snapshotsOffset;
    final long incompatible;
    final long compatible;
    final long autoclear;
    final int refcountOrder;
    final int headerLength;
    final int compressionType;
    final String backingFile;
    final String backingFormat;
    final boolean hasBitmaps;
    /** Feature names from the image's table, keyed "type:bit" (0 incompatible, 1 compatible, 2 autoclear). */
    final Map<String, String> featureNames;

    private Qcow2Header(ByteBuffer h, Path path, long fileSize) throws IOException {
        int magic = h.getInt(H_MAGIC);
        if (magic != MAGIC) {
            throw bad(path, "not a qcow2 image: magic " + hex(magic & 0xFFFFFFFFL) + " at offset 0, expected "
                    + hex(MAGIC & 0xFFFFFFFFL));
        }
        version = h.getInt(H_VERSION);
        if (version != 2 && version != 3) {
            throw bad(path, "qcow2 version " + Integer.toUnsignedString(version) + " (offset 4) is not supported (2 and 3 are)");
        }
        clusterBits = h.getInt(H_CLUSTER_BITS);
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw bad(path, "cluster_bits " + clusterBits + " (offset 20) is out of range (" + MIN_CLUSTER_BITS
                    + ".." + MAX_CLUSTER_BITS + ")");
        }
        int cs = 1 << clusterBits;
        if (version == 3) {
            incompatible = h.getLong(H_INCOMPATIBLE);
            compatible = h.getLong(H_COMPATIBLE);
            autoclear = h.getLong(H_AUTOCLEAR);
            refcountOrder = h.getInt(H_REFCOUNT_ORDER);
            headerLength = h.getInt(H_HEADER_LENGTH);
            if (headerLength < V3_MIN_HEADER_LENGTH || headerLength % 8 != 0 || headerLength > Math.min(cs, h.limit())) {
                throw bad(path, "header_length " + Integer.toUnsignedString(headerLength)
                        + " (offset 100) must be at least 104, a multiple of 8 and within cluster 0 (" + cs + " bytes)");
            }
        } else {
            incompatible = 0;
            compatible = 0;
            autoclear = 0;
            refcountOrder = 4;
            headerLength = V2_HEADER_LENGTH;
        }
        compressionType = headerLength > H_COMPRESSION_TYPE ? h.get(H_COMPRESSION_TYPE) & 0xFF : 0;
        if (refcountOrder < 0 || refcountOrder > 6) {
            throw bad(path, "refcount_order " + refcountOrder + " (offset 96) is out of range (0..6)");
        }
        backingFileOffset = h.getLong(H_BACKING_FILE_OFFSET);
        backingFileSize = h.getInt(H_BACKING_FILE_SIZE);
        size = h.getLong(H_SIZE);
        cryptMethod = h.getInt(H_CRYPT_METHOD);
        l1Size = h.getInt(H_L1_SIZE);
        l1TableOffset = h.getLong(H_L1_TABLE_OFFSET);
        refcountTableOffset = h.getLong(H_REFCOUNT_TABLE_OFFSET);
        refcountTableClusters = h.getInt(H_REFCOUNT_TABLE_CLUSTERS);
        nbSnapshots = h.getInt(H_NB_SNAPSHOTS);
        snapshotsOffset = h.getLong(H_SNAPSHOTS_OFFSET);

        featureNames = new LinkedHashMap<>();
        String[] fmt = {null};
        boolean[] bitmaps = {false};
        readExtensions(h, path, cs, fmt, bitmaps);
        backingFormat = fmt[0];
        hasBitmaps = bitmaps[0];
        backingFile = readBackingName(h, path, cs);

        checkFeatures(path);
        checkTables(path, cs, fileSize);
    }

    /** Reads and checks the header of the image open on {@code ch}. */
    static Qcow2Header read(Path path, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < V2_HEADER_LENGTH) {
            throw bad(path, "is too short (" + fileSize + " bytes) to be a qcow2 image");
        }
        ByteBuffer first = ByteBuffer.allocate(V2_HEADER_LENGTH);
        ImageFiles.readFully(ch, first, 0);
        int cb = first.getInt(H_CLUSTER_BITS);
        int len = cb >= MIN_CLUSTER_BITS && cb <= MAX_CLUSTER_BITS ? 1 << cb : V2_HEADER_LENGTH;
        ByteBuffer h = ByteBuffer.allocate((int) Math.min(len, Math.max(fileSize, V2_HEADER_LENGTH)));
        ImageFiles.readFully(ch, h, 0);
        h.clear();
        return new Qcow2Header(h, path, fileSize);
    }

    static ImageFormatException bad(Path path, String what) {
        return new ImageFormatException(path, what);
    }

    private void readExtensions(ByteBuffer h, Path path, int cs, String[] fmt, boolean[] bitmaps) throws IOException {
        int end = h.limit();
        if (backingFileOffset > 0 && backingFileOffset < end) {
            end = (int) backingFileOffset;
        }
        int p = headerLength;
        while (p + 8 <= end) {
            int type = h.getInt(p);
            int len = h.getInt(p + 4);
            if (type == EXT_END) {
                return;
            }
            if (len < 0 || p + 8L + len > end) {
                throw bad(path, "header extension " + hex(type & 0xFFFFFFFFL) + " at offset " + p + ": length "
                        + Integer.toUnsignedString(len) + " runs past the end of the header area (" + end + ")");
            }
            int d = p + 8;
            switch (type) {
                case EXT_BACKING_FORMAT -> fmt[0] = string(h, d, len);
                case EXT_FEATURE_TABLE -> {
                    for (int e = d; e + FEATURE_ENTRY <= d + len; e += FEATURE_ENTRY) {
                        int t = h.get(e) & 0xFF;
                        int bit = h.get(e + 1) & 0xFF;
                        int n = 0;
                        while (n < FEATURE_ENTRY - 2 && h.get(e + 2 + n) != 0) {
                            n++;
                        }
                        featureNames.put(t + ":" + bit, string(h, e + 2, n));
                    }
                }
                case EXT_BITMAPS -> bitmaps[0] = true;
                default -> {
                    // unknown or unused here (crypto, data file: refused by their feature bits); kept on disk
                }
            }
            p = d + ((len + 7) & ~7);
        }
    }

    private String readBackingName(ByteBuffer h, Path path, int cs) throws IOException {
        if (backingFileOffset == 0) {
            return null;
        }
        if (backingFileSize <= 0 || backingFileSize > MAX_BACKING_NAME) {
            throw bad(path, "backing_file_size " + Integer.toUnsignedString(backingFileSize)
                    + " (offset 16) is out of range (1.." + MAX_BACKING_NAME + ")");
        }
        if (backingFileOffset < headerLength || backingFileOffset + backingFileSize > cs
                || backingFileOffset + backingFileSize > h.limit()) {
            throw bad(path, "the backing file name at offset " + backingFileOffset + " (" + backingFileSize
                    + " bytes, header field at offset 8) does not lie within cluster 0 after the header");
        }
        return string(h, (int) backingFileOffset, backingFileSize);
    }

    private static String string(ByteBuffer h, int off, int len) {
        byte[] b = new byte[len];
        h.get(off, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private void checkFeatures(Path path) throws IOException {
        long unknown = incompatible & ~INCOMPAT_KNOWN;
        if (unknown != 0) {
            int bit = Long.numberOfTrailingZeros(unknown);
            String name = featureNames.get("0:" + bit);
            throw bad(path, "unsupported incompatible feature bit " + bit
                    + (name == null ? "" : " ('" + name + "')") + " (offset 72: " + hex(incompatible) + ")");
        }
        if ((incompatible & INCOMPAT_DATA_FILE) != 0) {
            throw bad(path, "uses an external data file (incompatible bit 2), which oxen does not support");
        }
        if ((incompatible & INCOMPAT_EXTL2) != 0) {
            throw bad(path, "uses extended L2 entries (incompatible bit 4, subclusters), which oxen does not support");
        }
        if (compressionType != 0) {
            if ((incompatible & INCOMPAT_COMPRESSION) == 0) {
                throw bad(path, "compression_type " + compressionType
                        + " (offset 104) is set without incompatible bit 3");
            }
            throw bad(path, "compression_type " + compressionType + (compressionType == 1 ? " (zstd)" : "")
                    + " (offset 104) is not supported (oxen reads deflate, type 0)");
        }
        if (cryptMethod != 0) {
            throw bad(path, "is encrypted (crypt_method " + Integer.toUnsignedString(cryptMethod)
                    + " at offset 32), which oxen does not support");
        }
        if (version == 2 && refcountOrder != 4) {
            throw bad(path, "a version 2 image has 16-bit refcounts, not order " + refcountOrder);
        }
    }

    private void checkTables(Path path, int cs, long fileSize) throws IOException {
        if (size < 0) {
            throw bad(path, "virtual size " + Long.toUnsignedString(size) + " (offset 24) is too large");
        }
        long l2Coverage = (long) cs * (cs / 8);
        long needL1 = (size + l2Coverage - 1) / l2Coverage;
        if (l1Size < 0 || (long) l1Size * 8 > MAX_L1_BYTES) {
            throw bad(path, "l1_size " + Integer.toUnsignedString(l1Size) + " (offset 36) exceeds the maximum "
                    + MAX_L1_BYTES / 8 + " entries");
        }
        if (l1Size < needL1) {
            throw bad(path, "L1 table is too small: l1_size " + l1Size + " (offset 36), the virtual size "
                    + size + " needs " + needL1 + " entries");
        }
        checkRegion(path, "L1 table", "offset 40", l1TableOffset, (long) l1Size * 8, cs, fileSize);
        if (refcountTableClusters <= 0 || (long) refcountTableClusters * cs > MAX_REFTABLE_BYTES) {
            throw bad(path, "refcount_table_clusters " + Integer.toUnsignedString(refcountTableClusters)
                    + " (offset 56) is out of range (1.." + MAX_REFTABLE_BYTES / cs + ")");
        }
        checkRegion(path, "refcount table", "offset 48", refcountTableOffset, (long) refcountTableClusters * cs, cs,
                fileSize);
        if (nbSnapshots < 0 || nbSnapshots > 65536) {
            throw bad(path, "nb_snapshots " + Integer.toUnsignedString(nbSnapshots) + " (offset 60) exceeds 65536");
        }
        if (nbSnapshots > 0) {
            checkRegion(path, "snapshot table", "offset 64", snapshotsOffset, 40L * nbSnapshots, cs, fileSize);
        }
        overlap(path, "refcount table", refcountTableOffset, (long) refcountTableClusters * cs,
                "the header (cluster 0)", 0, cs);
        if (l1Size > 0) {
            overlap(path, "L1 table", l1TableOffset, (long) l1Size * 8, "the header (cluster 0)", 0, cs);
            overlap(path, "L1 table", l1TableOffset, (long) l1Size * 8, "the refcount table", refcountTableOffset,
                    (long) refcountTableClusters * cs);
        }
        if (nbSnapshots > 0) {
            overlap(path, "snapshot table", snapshotsOffset, 40L * nbSnapshots, "the header (cluster 0)", 0, cs);
            overlap(path, "snapshot table", snapshotsOffset, 40L * nbSnapshots, "the refcount table",
                    refcountTableOffset, (long) refcountTableClusters * cs);
            overlap(path, "snapshot table", snapshotsOffset, 40L * nbSnapshots, "the L1 table", l1TableOffset,
                    (long) l1Size * 8);
        }
    }

    private static void checkRegion(Path path, String what, String field, long offset, long length, int cs, long fileSize)
            throws IOException {
        if (length == 0) {
            return;
        }
        if (offset <= 0 || (offset & (cs - 1)) != 0) {
            throw bad(path, what + " offset " + hex(offset) + " (" + field + ") is not a non-zero multiple of the "
                    + cs + "-byte cluster size");
        }
        if (offset > fileSize || length > fileSize - offset) {
            throw bad(path, what + " at " + hex(offset) + " (" + length + " bytes) runs past the end of the file ("
                    + fileSize + " bytes)");
        }
    }

    private static void overlap(Path path, String a, long aOff, long aLen, String b, long bOff, long bLen)
            throws IOException {
        if (aLen > 0 && bLen > 0 && aOff < bOff + bLen && bOff < aOff + aLen) {
            throw bad(path, "the " + a + " (" + hex(aOff) + ".." + hex(aOff + aLen - 1) + ") overlaps " + b + " ("
                    + hex(bOff) + ".." + hex(bOff + bLen - 1) + ")");
        }
    }

    /** The virtual size oxen serves: QEMU rounds a size that is not a sector multiple down. */
    long sectorSize() {
        return size & ~511L;
    }
}
