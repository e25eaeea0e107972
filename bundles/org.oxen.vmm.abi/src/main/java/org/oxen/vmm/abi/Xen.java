package org.oxen.vmm.abi;

/**
 * Address-space constants, selectors, domain ids and page-table bits of the x86_32 PAE PV ABI
 * (xen.h, arch-x86/xen-x86_32.h).
 */
public final class Xen {
    private Xen() {
    }

    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 4096;

    /** Start of the hypervisor hole (PAE): nothing the guest maps may lie at or above it. */
    public static final int HYPERVISOR_VIRT_START = 0xF5800000;
    /** The read-only machine-to-phys table, 4 bytes per machine frame. */
    public static final int MACH2PHYS_VIRT_START = 0xF5800000;
    public static final int MACH2PHYS_VIRT_END = 0xF6800000;
    /** Unused M2P entries. */
    public static final int INVALID_M2P_ENTRY = 0xFFFFFFFF;

    /** First GDT entry Xen reserves (page 14 of the GDT). */
    public static final int FIRST_RESERVED_GDT_PAGE = 14;
    public static final int FIRST_RESERVED_GDT_ENTRY = FIRST_RESERVED_GDT_PAGE * 512;
    public static final int FIRST_RESERVED_GDT_BYTE = FIRST_RESERVED_GDT_ENTRY * 8;

    public static final int FLAT_RING1_CS = 0xe019;
    public static final int FLAT_RING1_DS = 0xe021;
    public static final int FLAT_RING1_SS = 0xe021;
    public static final int FLAT_RING3_CS = 0xe02b;
    public static final int FLAT_RING3_DS = 0xe033;
    public static final int FLAT_RING3_SS = 0xe033;
    public static final int FLAT_KERNEL_CS = FLAT_RING1_CS;
    public static final int FLAT_KERNEL_DS = FLAT_RING1_DS;

    public static final int DOMID_FIRST_RESERVED = 0x7FF0;
    public static final int DOMID_SELF = 0x7FF0;
    public static final int DOMID_IO = 0x7FF1;
    public static final int DOMID_XEN = 0x7FF2;
    public static final int DOMID_INVALID = 0x7FF4;

    /** Maximum vcpus in shared_info (XEN_LEGACY_MAX_VCPUS on x86). */
    public static final int LEGACY_MAX_VCPUS = 32;

    // ---- page-table entry bits ----
    public static final long PTE_P = 1, PTE_RW = 2, PTE_US = 4, PTE_PWT = 8, PTE_PCD = 0x10, PTE_A = 0x20,
            PTE_D = 0x40, PTE_PSE = 0x80, PTE_PAT = 0x80, PTE_G = 0x100;
    public static final long PTE_NX = 1L << 63;
    /** PAE physical-address field of an entry (36-bit machine addresses here, 52 architecturally). */
    public static final long PTE_ADDR_MASK = 0x000FFFFFFFFFF000L;

    /** The PAE CR3 encoding of a frame number used by the ABI (xen_pfn_to_cr3). */
    public static int pfnToCr3(int pfn) {
        return pfn << 12 | pfn >>> 20;
    }

    /** The inverse of {@link #pfnToCr3}. */
    public static int cr3ToPfn(int cr3) {
        return cr3 >>> 12 | cr3 << 20;
    }

    // ---- mmu_update (16 bytes: u64 ptr, u64 val) ----
    public static final int MMU_UPDATE_SIZE = 16;
    public static final int MMU_NORMAL_PT_UPDATE = 0;
    public static final int MMU_MACHPHYS_UPDATE = 1;
    public static final int MMU_PT_UPDATE_PRESERVE_AD = 2;
    /** Flag in the count argument of mmu_update/mmuext_op for preempted continuations. */
    public static final int MMU_UPDATE_PREEMPTED = 0x80000000;

    // ---- mmuext_op (12 bytes: u32 cmd, arg1, arg2) ----
    public static final int MMUEXT_OP_SIZE = 12;
    public static final int MMUEXT_PIN_L1_TABLE = 0;
    public static final int MMUEXT_PIN_L2_TABLE = 1;
    public static final int MMUEXT_PIN_L3_TABLE = 2;
    public static final int MMUEXT_PIN_L4_TABLE = 3;
    public static final int MMUEXT_UNPIN_TABLE = 4;
    public static final int MMUEXT_NEW_BASEPTR = 5;
    public static final int MMUEXT_TLB_FLUSH_LOCAL = 6;
    public static final int MMUEXT_INVLPG_LOCAL = 7;
    public static final int MMUEXT_TLB_FLUSH_MULTI = 8;
    public static final int MMUEXT_INVLPG_MULTI = 9;
    public static final int MMUEXT_TLB_FLUSH_ALL = 10;
    public static final int MMUEXT_INVLPG_ALL = 11;
    public static final int MMUEXT_FLUSH_CACHE = 12;
    public static final int MMUEXT_SET_LDT = 13;
    public static final int MMUEXT_NEW_USER_BASEPTR = 15;
    public static final int MMUEXT_CLEAR_PAGE = 16;
    public static final int MMUEXT_COPY_PAGE = 17;
    public static final int MMUEXT_FLUSH_CACHE_GLOBAL = 18;
    public static final int MMUEXT_MARK_SUPER = 19;
    public static final int MMUEXT_UNMARK_SUPER = 20;

    // ---- update_va_mapping flags ----
    public static final int UVMF_NONE = 0;
    public static final int UVMF_TLB_FLUSH = 1;
    public static final int UVMF_INVLPG = 2;
    public static final int UVMF_FLUSHTYPE_MASK = 3;
    public static final int UVMF_LOCAL = 0;
    public static final int UVMF_ALL = 4;

    // ---- console_io ----
    public static final int CONSOLEIO_WRITE = 0;
    public static final int CONSOLEIO_READ = 1;

    // ---- vm_assist ----
    public static final int VMASST_CMD_ENABLE = 0;
    public static final int VMASST_CMD_DISABLE = 1;
    public static final int VMASST_TYPE_4GB_SEGMENTS = 0;
    public static final int VMASST_TYPE_4GB_SEGMENTS_NOTIFY = 1;
    public static final int VMASST_TYPE_WRITABLE_PAGETABLES = 2;
    public static final int VMASST_TYPE_PAE_EXTENDED_CR3 = 3;
    /** The guest kernel's IOPL is architectural: iret sets it, bounce frames show it, ring 1 counts as ring 0 for I/O. */
    public static final int VMASST_TYPE_ARCHITECTURAL_IOPL = 4;

    // ---- multicall_entry (x86_32: op, result, args[6], each 4 bytes) ----
    public static final int MULTICALL_ENTRY_SIZE = 32;
    public static final int MULTICALL_OP = 0;
    public static final int MULTICALL_RESULT = 4;
    public static final int MULTICALL_ARGS = 8;

    // ---- trap_info (8 bytes) ----
    public static final int TRAP_INFO_SIZE = 8;
    public static final int TRAP_INFO_VECTOR = 0;
    public static final int TRAP_INFO_FLAGS = 1;
    public static final int TRAP_INFO_CS = 2;
    public static final int TRAP_INFO_ADDRESS = 4;
    /** trap_info flags: bits 0-1 DPL, bit 2 = set the upcall mask (mask events) on entry. */
    public static final int TI_DPL_MASK = 3;
    public static final int TI_MASK_EVENTS = 4;
}
