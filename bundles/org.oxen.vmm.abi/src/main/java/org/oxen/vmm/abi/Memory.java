package org.oxen.vmm.abi;

/** memory_op (memory.h). */
public final class Memory {
    private Memory() {
    }

    public static final int XENMEM_INCREASE_RESERVATION = 0;
    public static final int XENMEM_DECREASE_RESERVATION = 1;
    public static final int XENMEM_MAXIMUM_RAM_PAGE = 2;
    public static final int XENMEM_CURRENT_RESERVATION = 3;
    public static final int XENMEM_MAXIMUM_RESERVATION = 4;
    public static final int XENMEM_MACHPHYS_MFN_LIST = 5;
    public static final int XENMEM_POPULATE_PHYSMAP = 6;
    public static final int XENMEM_MEMORY_MAP = 9;
    public static final int XENMEM_EXCHANGE = 11;
    public static final int XENMEM_MACHINE_MEMORY_MAP = 10;
    public static final int XENMEM_MACHPHYS_MAPPING = 12;
    public static final int XENMEM_MAXIMUM_GPFN = 14;
    public static final int XENMEM_ADD_TO_PHYSMAP = 7;

    /** struct xen_add_to_physmap (idx and gpfn are 32-bit on i386). */
    public static final int ADD_TO_PHYSMAP_SIZE = 16;
    public static final int ADD_TO_PHYSMAP_DOMID = 0;
    public static final int ADD_TO_PHYSMAP_SPACE = 4;
    public static final int ADD_TO_PHYSMAP_IDX = 8;
    public static final int ADD_TO_PHYSMAP_GPFN = 12;
    public static final int XENMAPSPACE_GRANT_TABLE = 1;
    public static final int XENMAPSPACE_GMFN_FOREIGN = 4;
    /** The command is the low bits of the first argument; the rest carries continuation state. */
    public static final int MEMOP_CMD_MASK = 0x3F;
    /** The start extent of a continued reservation op is the first argument shifted right by this. */
    public static final int MEMOP_EXTENT_SHIFT = 6;

    /**
     * xen_memory_reservation as a 32-bit guest passes it (compat): extent_start handle u32,
     * nr_extents u32, extent_order u32, mem_flags u32 (address bits in the low 8), domid u16.
     */
    public static final int RESERVATION_EXTENT_START = 0;
    public static final int RESERVATION_NR_EXTENTS = 4;
    public static final int RESERVATION_EXTENT_ORDER = 8;
    public static final int RESERVATION_MEM_FLAGS = 12;
    public static final int RESERVATION_DOMID = 16;
    /**
     * xen_memory_exchange as a 32-bit guest passes it (compat): in and out are
     * xen_memory_reservations (20 bytes each), then nr_exchanged u32; 44 bytes.
     */
    public static final int EXCHANGE_IN = 0;
    public static final int EXCHANGE_OUT = 20;
    public static final int EXCHANGE_NR_EXCHANGED = 40;
    public static final int EXCHANGE_SIZE = 44;

    /** Largest extent order an unprivileged domain may ask for (multipage_allocation_permitted: 2 MiB). */
    public static final int MAX_UNPRIVILEGED_ORDER = 9;

    /** xen_machphys_mfn_list: max_extents u32, extent_start handle, nr_extents u32 (12 bytes). */
    public static final int MFN_LIST_MAX_EXTENTS = 0;
    public static final int MFN_LIST_EXTENT_START = 4;
    public static final int MFN_LIST_NR_EXTENTS = 8;

    /** xen_memory_map: nr_entries u32, buffer handle (8 bytes). */
    public static final int MEMORY_MAP_NR_ENTRIES = 0;
    public static final int MEMORY_MAP_BUFFER = 4;
    /** One e820 entry: u64 addr, u64 size, u32 type (packed, 20 bytes). */
    public static final int E820_ENTRY_SIZE = 20;
    public static final int E820_RAM = 1;
}
