package org.oxen.storage.qcow2;

import static org.oxen.storage.qcow2.Qcow2Layout.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.oxen.storage.api.ImageSpec;
import org.oxen.storage.api.io.ImageFiles;

/**
 * Lays out a new, empty qcow2 image as qemu-img create does: cluster 0 the header (v3: 112 bytes
 * with compression type 0; v2: 72), its extensions (the backing format when there is a backing
 * file, the feature name table in v3 when it fits) and the backing file name; then the refcount
 * table, the refcount blocks, the L1 table, each starting on a cluster. Refcounts count exactly
 * those clusters.
 *
 * <p>Options, as {@code qemu-img create -o} names them: {@code compat} (0.10 = v2, 1.1 = v3, the
 * default), {@code cluster_size} (512..2M, a power of two; 64k by default, a {@code k}/{@code M}
 * suffix allowed), {@code refcount_bits} (1..64, a power of two; 16 by default and in v2), and
 * {@code lazy_refcounts}, {@code extended_l2}, {@code preallocation}, {@code compression_type}
 * only at their defaults (off, off, off, zlib).
 */
final class Qcow2Creator {
    private static final String[][] FEATURES = {
        {"0", "0", "dirty bit"}, {"0", "1", "corrupt bit"}, {"0", "2", "external data file"},
        {"0", "3", "compression type"}, {"0", "4", "extended L2 entries"}, {"1", "0", "lazy refcounts"},
        {"2", "0", "bitmaps"}, {"2", "1", "raw external data"},
    };

    private Qcow2Creator() {
    }

    /** Writes the new image's metadata to the empty file open on {@code ch} and syncs it. */
    static void write(Path path, FileChannel ch, ImageSpec spec) throws IOException {
        int version = 3;
        int clusterBits = 16;
        int refcountOrder = 4;
        for (Map.Entry<String, String> o : spec.options().entrySet()) {
            String v = o.getValue().trim();
            switch (o.getKey()) {
                case "compat" -> version = switch (v) {
                    case "0.10", "v2" -> 2;
                    case "1.1", "v3" -> 3;
                    default -> throw option(path, o, "0.10 (v2) or 1.1 (v3)");
                };
                case "cluster_size" -> {
                    long cs = bytes(path, o);
                    if (cs < 1 << MIN_CLUSTER_BITS || cs > 1 << MAX_CLUSTER_BITS || Long.bitCount(cs) != 1) {
                        throw option(path, o, "a power of two from 512 to 2M");
                    }
                    clusterBits = Long.numberOfTrailingZeros(cs);
                }
                case "refcount_bits" -> {
                    int bits;
                    try {
                        bits = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw option(path, o, "1, 2, 4, 8, 16, 32 or 64");
                    }
                    if (bits < 1 || bits > 64 || Integer.bitCount(bits) != 1) {
                        throw option(path, o, "1, 2, 4, 8, 16, 32 or 64");
                    }
                    refcountOrder = Integer.numberOfTrailingZeros(bits);
                }
                case "lazy_refcounts", "extended_l2" -> {
                    if (!v.equals("off") && !v.equals("false")) {
                        throw option(path, o, "off (oxen does not implement it)");
                    }
                }
                case "preallocation" -> {
                    if (!v.equals("off")) {
                        throw option(path, o, "off (oxen does not implement preallocation)");
                    }
                }
                case "compression_type" -> {
                    if (!v.equals("zlib")) {
                        throw option(path, o, "zlib (oxen reads deflate only)");
                    }
                }
                default -> throw new IllegalArgumentException(path + ": qcow2 has no option '" + o.getKey()
                        + "' (oxen knows compat, cluster_size, refcount_bits, lazy_refcounts, extended_l2,"
                        + " preallocation, compression_type)");
            }
        }
        if (version == 2 && refcountOrder != 4) {
            throw new IllegalArgumentException(path + ": compat=0.10 (v2) images have 16-bit refcounts; refcount_bits="
                    + (1 << refcountOrder) + " needs compat=1.1");
        }
        int cs = 1 << clusterBits;
        long size = spec.size();
        long l2Coverage = (long) cs * (cs / 8);
        long l1Size = (size + l2Coverage - 1) / l2Coverage;
        if (l1Size * 8 > MAX_L1_BYTES) {
            throw new IllegalArgumentException(path + ": a " + size + "-byte image needs an L1 table of " + l1Size
                    + " entries, more than QEMU's " + MAX_L1_BYTES / 8 + " with " + cs + "-byte clusters");
        }
        ByteBuffer h = headerCluster(path, spec, version, clusterBits, refcountOrder, size, (int) l1Size);

        long entriesPerBlock = (long) cs * 8 >>> refcountOrder;
        long l1Clusters = Math.max(1, (l1Size * 8 + cs - 1) / cs);
        long blocks = 1;
        long tableClusters = 1;
        for (;;) {
            long total = 1 + tableClusters + blocks + l1Clusters;
            long b = (total + entriesPerBlock - 1) / entriesPerBlock;
            long t = Math.max(1, (b * 8 + cs - 1) / cs);
            if (b == blocks && t == tableClusters) {
                break;
            }
            blocks = b;
            tableClusters = t;
        }
        long tableOffset = (long) cs;
        long blocksOffset = tableOffset + tableClusters * cs;
        long l1Offset = blocksOffset + blocks * cs;
        long total = 1 + tableClusters + blocks + l1Clusters;
        h.putLong(H_L1_TABLE_OFFSET, l1Offset);
        h.putLong(H_REFCOUNT_TABLE_OFFSET, tableOffset);
        h.putInt(H_REFCOUNT_TABLE_CLUSTERS, (int) tableClusters);
        ImageFiles.writeFully(ch, h.clear(), 0);

        ByteBuffer table = ByteBuffer.allocate((int) (tableClusters * cs));
        for (long i = 0; i < blocks; i++) {
            table.putLong((int) (i * 8), blocksOffset + i * cs);
        }
        ImageFiles.writeFully(ch, table, tableOffset);
        for (long i = 0; i < blocks; i++) {
            byte[] block = new byte[cs];
            for (long c = i * entriesPerBlock; c < Math.min(total, (i + 1) * entriesPerBlock); c++) {
                Refcounts.setEntry(block, refcountOrder, (int) (c - i * entriesPerBlock), 1);
            }
            ImageFiles.writeFully(ch, ByteBuffer.wrap(block), blocksOffset + i * cs);
        }
        ImageFiles.writeFully(ch, ByteBuffer.allocate((int) (l1Clusters * cs)), l1Offset);
        ch.force(true);
    }

    private static ByteBuffer headerCluster(Path path, ImageSpec spec, int version, int clusterBits, int refcountOrder,
            long size, int l1Size) {
        int cs = 1 << clusterBits;
        ByteBuffer h = ByteBuffer.allocate(cs);
        h.putInt(H_MAGIC, MAGIC);
        h.putInt(H_VERSION, version);
        h.putInt(H_CLUSTER_BITS, clusterBits);
        h.putLong(H_SIZE, size);
        h.putInt(H_L1_SIZE, l1Size);
        int p;
        if (version == 3) {
            h.putInt(H_REFCOUNT_ORDER, refcountOrder);
            h.putInt(H_HEADER_LENGTH, V3_HEADER_LENGTH);
            p = V3_HEADER_LENGTH;
        } else {
            p = V2_HEADER_LENGTH;
        }
        byte[] name = spec.backingFile() == null ? null : spec.backingFile().getBytes(StandardCharsets.UTF_8);
        byte[] fmt = spec.backingFormat() == null ? null : spec.backingFormat().getBytes(StandardCharsets.UTF_8);
        if (name != null && (name.length == 0 || name.length > MAX_BACKING_NAME)) {
            throw new IllegalArgumentException(path + ": the backing file name must have 1.." + MAX_BACKING_NAME
                    + " bytes, has " + name.length);
        }
        int needed = p + (fmt == null ? 0 : 8 + pad8(fmt.length)) + 8 + (name == null ? 0 : name.length);
        int featureBytes = 8 + FEATURES.length * FEATURE_ENTRY;
        boolean features = version == 3 && needed + featureBytes <= cs;
        if (needed > cs) {
            throw new IllegalArgumentException(path + ": the header, its extensions and the backing file name need "
                    + needed + " bytes, more than one " + cs + "-byte cluster");
        }
        if (fmt != null) {
            h.putInt(p, EXT_BACKING_FORMAT).putInt(p + 4, fmt.length).put(p + 8, fmt);
            p += 8 + pad8(fmt.length);
        }
        if (features) {
            h.putInt(p, EXT_FEATURE_TABLE).putInt(p + 4, FEATURES.length * FEATURE_ENTRY);
            int e = p + 8;
            for (String[] f : FEATURES) {
                h.put(e, (byte) Integer.parseInt(f[0])).put(e + 1, (byte) Integer.parseInt(f[1]));
                h.put(e + 2, f[2].getBytes(StandardCharsets.US_ASCII));
                e += FEATURE_ENTRY;
            }
            p = e;
        }
        p += 8; // the end-of-extensions marker (zeros)
        if (name != null) {
            h.putLong(H_BACKING_FILE_OFFSET, p);
            h.putInt(H_BACKING_FILE_SIZE, name.length);
            h.put(p, name);
        }
        return h;
    }

    private static int pad8(int n) {
        return (n + 7) & ~7;
    }

    private static long bytes(Path path, Map.Entry<String, String> o) {
        String v = o.getValue().trim();
        long mult = 1;
        if (v.endsWith("k") || v.endsWith("K")) {
            mult = 1024;
        } else if (v.endsWith("M")) {
            mult = 1 << 20;
        }
        try {
            return Long.parseLong(mult == 1 ? v : v.substring(0, v.length() - 1)) * mult;
        } catch (NumberFormatException e) {
            throw option(path, o, "a byte count such as 65536 or 64k");
        }
    }

    private static IllegalArgumentException option(Path path, Map.Entry<String, String> o, String want) {
        return new IllegalArgumentException(path + ": qcow2 option " + o.getKey() + "=" + o.getValue()
                + " is not valid: it must be " + want);
    }
}
