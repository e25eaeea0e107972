package org.oxen.vmm.abi;

/**
 * Grant tables v1 (grant_table.h): GNTTABOP_* commands, the shared entry, GTF_* flags, GNTMAP_*
 * flags, GNTST_* status codes, and the i386 layouts of the op structs (32-bit guest handles).
 */
public final class GrantTable {
    private GrantTable() {
    }

    public static final int OP_MAP_GRANT_REF = 0;
    public static final int OP_UNMAP_GRANT_REF = 1;
    public static final int OP_SETUP_TABLE = 2;
    public static final int OP_DUMP_TABLE = 3;
    public static final int OP_TRANSFER = 4;
    public static final int OP_COPY = 5;
    public static final int OP_QUERY_SIZE = 6;
    public static final int OP_UNMAP_AND_REPLACE = 7;
    public static final int OP_SET_VERSION = 8;
    public static final int OP_GET_STATUS_FRAMES = 9;
    public static final int OP_GET_VERSION = 10;
    public static final int OP_SWAP_GRANT_REF = 11;
    public static final int OP_CACHE_FLUSH = 12;

    /** Entries 0..7 are the toolstack's (console, xenstore). */
    public static final int NR_RESERVED_ENTRIES = 8;
    public static final int RESERVED_CONSOLE = 0;
    public static final int RESERVED_XENSTORE = 1;

    /** grant_entry_v1: flags u16, domid u16, frame u32. */
    public static final int ENTRY_V1_SIZE = 8;
    public static final int ENTRY_FLAGS = 0;
    public static final int ENTRY_DOMID = 2;
    public static final int ENTRY_FRAME = 4;

    public static final int GTF_INVALID = 0;
    public static final int GTF_PERMIT_ACCESS = 1;
    public static final int GTF_ACCEPT_TRANSFER = 2;
    public static final int GTF_TRANSITIVE = 3;
    public static final int GTF_TYPE_MASK = 3;
    public static final int GTF_READONLY = 1 << 2;
    public static final int GTF_READING = 1 << 3;
    public static final int GTF_WRITING = 1 << 4;
    public static final int GTF_PWT = 1 << 5;
    public static final int GTF_PCD = 1 << 6;
    public static final int GTF_PAT = 1 << 7;
    public static final int GTF_SUB_PAGE = 1 << 8;
    public static final int GTF_TRANSFER_COMMITTED = 1 << 2;
    public static final int GTF_TRANSFER_COMPLETED = 1 << 3;

    public static final int GNTMAP_DEVICE_MAP = 1;
    public static final int GNTMAP_HOST_MAP = 2;
    public static final int GNTMAP_READONLY = 4;
    public static final int GNTMAP_APPLICATION_MAP = 8;
    public static final int GNTMAP_CONTAINS_PTE = 16;
    /** Flag bits 16.. of a map op become the PTE's available bits 9.. (GNTMAP_guest_avail_mask). */
    public static final int GNTMAP_GUEST_AVAIL_SHIFT = 16;

    public static final int GNTCOPY_SOURCE_GREF = 1;
    public static final int GNTCOPY_DEST_GREF = 2;

    public static final int GNTST_OKAY = 0;
    public static final int GNTST_GENERAL_ERROR = -1;
    public static final int GNTST_BAD_DOMAIN = -2;
    public static final int GNTST_BAD_GNTREF = -3;
    public static final int GNTST_BAD_HANDLE = -4;
    public static final int GNTST_BAD_VIRT_ADDR = -5;
    public static final int GNTST_BAD_DEV_ADDR = -6;
    public static final int GNTST_NO_DEVICE_SPACE = -7;
    public static final int GNTST_PERMISSION_DENIED = -8;
    public static final int GNTST_BAD_PAGE = -9;
    public static final int GNTST_BAD_COPY_ARG = -10;
    public static final int GNTST_ADDRESS_TOO_BIG = -11;
    public static final int GNTST_EAGAIN = -12;
    public static final int GNTST_NO_SPACE = -13;

    /** struct gnttab_map_grant_ref. */
    public static final int MAP_SIZE = 32;
    public static final int MAP_HOST_ADDR = 0;
    public static final int MAP_FLAGS = 8;
    public static final int MAP_REF = 12;
    public static final int MAP_DOM = 16;
    public static final int MAP_STATUS = 18;
    public static final int MAP_HANDLE = 20;
    public static final int MAP_DEV_BUS_ADDR = 24;

    /** struct gnttab_unmap_grant_ref. */
    public static final int UNMAP_SIZE = 24;
    public static final int UNMAP_HOST_ADDR = 0;
    public static final int UNMAP_DEV_BUS_ADDR = 8;
    public static final int UNMAP_HANDLE = 16;
    public static final int UNMAP_STATUS = 20;

    /** struct gnttab_unmap_and_replace. */
    public static final int UNMAP_REPLACE_SIZE = 24;
    public static final int UNMAP_REPLACE_HOST_ADDR = 0;
    public static final int UNMAP_REPLACE_NEW_ADDR = 8;
    public static final int UNMAP_REPLACE_HANDLE = 16;
    public static final int UNMAP_REPLACE_STATUS = 20;

    /** struct gnttab_setup_table (frame_list: a 32-bit pointer to xen_pfn_t, 4 bytes each). */
    public static final int SETUP_SIZE = 16;
    public static final int SETUP_DOM = 0;
    public static final int SETUP_NR_FRAMES = 4;
    public static final int SETUP_STATUS = 8;
    public static final int SETUP_FRAME_LIST = 12;

    /** struct gnttab_copy: source and dest are {ref or gmfn u32, domid u16, offset u16}. */
    public static final int COPY_SIZE = 24;
    public static final int COPY_SOURCE = 0;
    public static final int COPY_DEST = 8;
    public static final int COPY_PTR_DOMID = 4;
    public static final int COPY_PTR_OFFSET = 6;
    public static final int COPY_LEN = 16;
    public static final int COPY_FLAGS = 18;
    public static final int COPY_STATUS = 20;

    /** struct gnttab_query_size. */
    public static final int QUERY_SIZE_SIZE = 16;
    public static final int QUERY_SIZE_DOM = 0;
    public static final int QUERY_SIZE_NR_FRAMES = 4;
    public static final int QUERY_SIZE_MAX_NR_FRAMES = 8;
    public static final int QUERY_SIZE_STATUS = 12;

    /** struct gnttab_transfer. */
    public static final int TRANSFER_SIZE = 16;
    public static final int TRANSFER_MFN = 0;
    public static final int TRANSFER_DOMID = 4;
    public static final int TRANSFER_REF = 8;
    public static final int TRANSFER_STATUS = 12;

    /** struct gnttab_set_version: version u32 in and out. */
    public static final int SET_VERSION_SIZE = 4;

    /** struct gnttab_get_version. */
    public static final int GET_VERSION_SIZE = 8;
    public static final int GET_VERSION_DOM = 0;
    public static final int GET_VERSION_VERSION = 4;

    /** struct gnttab_get_status_frames. */
    public static final int STATUS_FRAMES_SIZE = 12;
    public static final int STATUS_FRAMES_NR_FRAMES = 0;
    public static final int STATUS_FRAMES_DOM = 4;
    public static final int STATUS_FRAMES_STATUS = 6;
    public static final int STATUS_FRAMES_FRAME_LIST = 8;

    /** struct gnttab_swap_grant_ref. */
    public static final int SWAP_SIZE = 12;
    public static final int SWAP_REF_A = 0;
    public static final int SWAP_REF_B = 4;
    public static final int SWAP_STATUS = 8;

    /** struct gnttab_dump_table. */
    public static final int DUMP_SIZE = 4;

    /** struct gnttab_cache_flush: a (dev_bus_addr or ref), offset u16, length u16, op u32. */
    public static final int CACHE_FLUSH_SIZE = 16;
    public static final int CACHE_FLUSH_A = 0;
    public static final int CACHE_FLUSH_OFFSET = 8;
    public static final int CACHE_FLUSH_LENGTH = 10;
    public static final int CACHE_FLUSH_OP = 12;
    public static final int GNTTAB_CACHE_CLEAN = 1;
    public static final int GNTTAB_CACHE_INVAL = 2;
    public static final int GNTTAB_CACHE_SOURCE_GREF = 1 << 31;
}
