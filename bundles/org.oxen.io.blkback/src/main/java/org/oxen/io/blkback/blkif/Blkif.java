package org.oxen.io.blkback.blkif;

/**
 * io/blkif.h for 32-bit frontends ({@code protocol = "x86_32-abi"}: Linux's and QEMU's
 * {@code blkif_x86_32_request}, built with {@code pack(4)}, so the u64 fields are only 4-byte
 * aligned). Offsets were checked against Xen's headers compiled with gcc -m32
 * (/work/shared/notes/xen-split-drivers.md §3). Little-endian; sectors are 512 bytes whatever
 * the device's {@code sector-size}.
 */
public final class Blkif {

    private Blkif() {
    }

    // ---- operations
    public static final int OP_READ = 0;
    public static final int OP_WRITE = 1;
    public static final int OP_WRITE_BARRIER = 2;
    public static final int OP_FLUSH_DISKCACHE = 3;
    public static final int OP_DISCARD = 5;
    public static final int OP_INDIRECT = 6;

    // ---- response status
    public static final short RSP_EOPNOTSUPP = -2;
    public static final short RSP_ERROR = -1;
    public static final short RSP_OKAY = 0;

    /** Segments in a direct request (BLKIF_MAX_SEGMENTS_PER_REQUEST). */
    public static final int MAX_SEGMENTS_PER_REQUEST = 11;
    /** Indirect pages per indirect request (BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST). */
    public static final int MAX_INDIRECT_PAGES_PER_REQUEST = 8;
    /** Segments one indirect page holds (4096 / sizeof(struct blkif_request_segment)). */
    public static final int SEGMENTS_PER_INDIRECT_FRAME = 512;
    /** Sectors of 512 bytes in a 4 KiB page: a segment's last_sect is below this. */
    public static final int SECTORS_PER_PAGE = 8;
    public static final int SECTOR_SHIFT = 9;
    /** The flag of a secure discard (BLKIF_DISCARD_SECURE). */
    public static final int DISCARD_SECURE = 1;

    // ---- struct blkif_x86_32_request (108 bytes)
    public static final int REQUEST_SIZE = 108;
    public static final int REQ_OPERATION = 0;
    public static final int REQ_NR_SEGMENTS = 1;
    public static final int REQ_HANDLE = 2;
    public static final int REQ_ID = 4;
    public static final int REQ_SECTOR = 12;
    public static final int REQ_SEGMENTS = 20;

    // ---- struct blkif_request_segment (8 bytes), in a request and in indirect pages
    public static final int SEGMENT_SIZE = 8;
    public static final int SEG_GREF = 0;
    public static final int SEG_FIRST_SECT = 4;
    public static final int SEG_LAST_SECT = 5;

    // ---- struct blkif_x86_32_request_discard (28 bytes)
    public static final int DISCARD_FLAG = 1;
    public static final int DISCARD_HANDLE = 2;
    public static final int DISCARD_NR_SECTORS = 20;

    // ---- struct blkif_x86_32_request_indirect (64 bytes)
    public static final int INDIRECT_OP = 1;
    /** u16: the number of segments in the indirect pages. */
    public static final int INDIRECT_NR_SEGMENTS = 2;
    public static final int INDIRECT_HANDLE = 20;
    public static final int INDIRECT_GREFS = 24;

    // ---- struct blkif_x86_32_response (12 bytes)
    public static final int RESPONSE_SIZE = 12;
    public static final int RSP_ID = 0;
    public static final int RSP_OPERATION = 8;
    public static final int RSP_STATUS = 10;

    /** A ring slot: the larger of request and response. */
    public static final int SLOT_SIZE = REQUEST_SIZE;

    // ---- xenstore: the protocol values and the info bits
    public static final String PROTOCOL_X86_32 = "x86_32-abi";
    public static final String PROTOCOL_X86_64 = "x86_64-abi";
    public static final int VDISK_CDROM = 1;
    public static final int VDISK_REMOVABLE = 2;
    public static final int VDISK_READONLY = 4;

    /** A name for an operation in messages. */
    public static String opName(int op) {
        return switch (op) {
            case OP_READ -> "read";
            case OP_WRITE -> "write";
            case OP_WRITE_BARRIER -> "write-barrier";
            case OP_FLUSH_DISKCACHE -> "flush-diskcache";
            case OP_DISCARD -> "discard";
            case OP_INDIRECT -> "indirect";
            default -> "op " + op;
        };
    }

    // ---- little-endian access to a slot copy
    public static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    public static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    public static int i32(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    public static long i64(byte[] b, int off) {
        return (i32(b, off) & 0xFFFFFFFFL) | (long) i32(b, off + 4) << 32;
    }

    public static void put8(byte[] b, int off, int v) {
        b[off] = (byte) v;
    }

    public static void put16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    public static void put32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    public static void put64(byte[] b, int off, long v) {
        put32(b, off, (int) v);
        put32(b, off + 4, (int) (v >>> 32));
    }

    /** Writes a response into {@code rsp} (at least {@link #RESPONSE_SIZE} bytes). */
    public static void encodeResponse(byte[] rsp, long id, int operation, int status) {
        put64(rsp, RSP_ID, id);
        put8(rsp, RSP_OPERATION, operation);
        put8(rsp, RSP_OPERATION + 1, 0);
        put16(rsp, RSP_STATUS, status);
    }
}
