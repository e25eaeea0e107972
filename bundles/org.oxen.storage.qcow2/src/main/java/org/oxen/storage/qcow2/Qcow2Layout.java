package org.oxen.storage.qcow2;

/**
 * The qcow2 on-disk format's numbers, in one place (QEMU docs/interop/qcow2.txt; every integer
 * big-endian).
 */
final class Qcow2Layout {
    private Qcow2Layout() {
    }

    static final int MAGIC = 0x514649FB; // "QFI\xfb"

    // header field offsets
    static final int H_MAGIC = 0;
    static final int H_VERSION = 4;
    static final int H_BACKING_FILE_OFFSET = 8;
    static final int H_BACKING_FILE_SIZE = 16;
    static final int H_CLUSTER_BITS = 20;
    static final int H_SIZE = 24;
    static final int H_CRYPT_METHOD = 32;
    static final int H_L1_SIZE = 36;
    static final int H_L1_TABLE_OFFSET = 40;
    static final int H_REFCOUNT_TABLE_OFFSET = 48;
    static final int H_REFCOUNT_TABLE_CLUSTERS = 56;
    static final int H_NB_SNAPSHOTS = 60;
    static final int H_SNAPSHOTS_OFFSET = 64;
    static final int V2_HEADER_LENGTH = 72;
    static final int H_INCOMPATIBLE = 72;
    static final int H_COMPATIBLE = 80;
    static final int H_AUTOCLEAR = 88;
    static final int H_REFCOUNT_ORDER = 96;
    static final int H_HEADER_LENGTH = 100;
    static final int V3_MIN_HEADER_LENGTH = 104;
    static final int H_COMPRESSION_TYPE = 104;
    /** What QEMU writes and oxen creates: 104 plus the compression type byte and padding. */
    static final int V3_HEADER_LENGTH = 112;

    // incompatible feature bits
    static final long INCOMPAT_DIRTY = 1L;
    static final long INCOMPAT_CORRUPT = 1L << 1;
    static final long INCOMPAT_DATA_FILE = 1L << 2;
    static final long INCOMPAT_COMPRESSION = 1L << 3;
    static final long INCOMPAT_EXTL2 = 1L << 4;
    static final long INCOMPAT_KNOWN = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE
            | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;
    // compatible and autoclear bits (named in the feature table oxen writes)
    static final long COMPAT_LAZY_REFCOUNTS = 1L;
    static final long AUTOCLEAR_BITMAPS = 1L;
    static final long AUTOCLEAR_DATA_FILE_RAW = 1L << 1;

    // header extension types
    static final int EXT_END = 0;
    static final int EXT_BACKING_FORMAT = 0xE2792ACA;
    static final int EXT_FEATURE_TABLE = 0x6803F857;
    static final int EXT_BITMAPS = 0x23852875;
    static final int EXT_CRYPTO = 0x0537BE77;
    static final int EXT_DATA_FILE = 0x44415441;
    static final int FEATURE_ENTRY = 48;

    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    static final int MAX_BACKING_NAME = 1023;
    /** QEMU's limits: a 32 MiB L1 table, an 8 MiB refcount table. */
    static final long MAX_L1_BYTES = 32L << 20;
    static final long MAX_REFTABLE_BYTES = 8L << 20;

    // L1, L2 and refcount-table entries
    static final long OFFSET_MASK = 0x00FFFFFFFFFFFE00L;
    static final long L1E_RESERVED = 0x7F000000000001FFL;
    static final long REFT_RESERVED = 0x1FFL;
    static final long OFLAG_COPIED = 1L << 63;
    static final long OFLAG_COMPRESSED = 1L << 62;
    static final long OFLAG_ZERO = 1L;
    /** Bits 1-8 and 56-61 of a standard L2 entry. */
    static final long L2E_RESERVED = 0x3F000000000001FEL;

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
