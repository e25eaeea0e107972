package org.oxen.vmm.abi;

/** Xen ELF note types (elfnote.h); notes are named "Xen". */
public final class ElfNote {
    private ElfNote() {
    }

    public static final String NAME = "Xen";
    public static final int ENTRY = 1;
    public static final int HYPERCALL_PAGE = 2;
    public static final int VIRT_BASE = 3;
    public static final int PADDR_OFFSET = 4;
    public static final int XEN_VERSION = 5;
    public static final int GUEST_OS = 6;
    public static final int GUEST_VERSION = 7;
    public static final int LOADER = 8;
    public static final int PAE_MODE = 9;
    public static final int FEATURES = 10;
    public static final int BSD_SYMTAB = 11;
    public static final int HV_START_LOW = 12;
    public static final int L1_MFN_VALID = 13;
    public static final int SUSPEND_CANCEL = 14;
    public static final int INIT_P2M = 15;
    public static final int MOD_START_PFN = 16;
    public static final int SUPPORTED_FEATURES = 17;
    public static final int PHYS32_ENTRY = 18;
}
