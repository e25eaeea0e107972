package org.oxen.vmm.abi;

/** xen_version (version.h) and feature bits (features.h). */
public final class Version {
    private Version() {
    }

    public static final int XENVER_VERSION = 0;
    public static final int XENVER_EXTRAVERSION = 1;
    public static final int XENVER_COMPILE_INFO = 2;
    public static final int XENVER_CAPABILITIES = 3;
    public static final int XENVER_CHANGESET = 4;
    public static final int XENVER_PLATFORM_PARAMETERS = 5;
    public static final int XENVER_GET_FEATURES = 6;
    public static final int XENVER_PAGESIZE = 7;
    public static final int XENVER_GUEST_HANDLE = 8;
    public static final int XENVER_COMMANDLINE = 9;

    public static final int EXTRAVERSION_LEN = 16;
    /** xen_compile_info: compiler[64], compile_by[16], compile_domain[32], compile_date[32]. */
    public static final int COMPILE_INFO_SIZE = 144;
    public static final int CAPABILITIES_LEN = 1024;
    public static final int CHANGESET_LEN = 64;
    /** xen_platform_parameters: virt_start (4 bytes on x86_32). */
    public static final int PLATFORM_PARAMETERS_SIZE = 4;
    /** xen_feature_info: submap_idx u32, submap u32. */
    public static final int FEATURE_INFO_SIZE = 8;
    public static final int GUEST_HANDLE_LEN = 16;
    public static final int COMMANDLINE_LEN = 1024;

    public static final int XENFEAT_WRITABLE_PAGE_TABLES = 0;
    public static final int XENFEAT_WRITABLE_DESCRIPTOR_TABLES = 1;
    public static final int XENFEAT_AUTO_TRANSLATED_PHYSMAP = 2;
    public static final int XENFEAT_SUPERVISOR_MODE_KERNEL = 3;
    public static final int XENFEAT_PAE_PGDIR_ABOVE_4GB = 4;
    public static final int XENFEAT_MMU_PT_UPDATE_PRESERVE_AD = 5;
    public static final int XENFEAT_NR_SUBMAPS = 1;

    /** The ELF-note FEATURES names, indexed by XENFEAT number (features.h). */
    public static final String[] FEATURE_NAMES = {"writable_page_tables", "writable_descriptor_tables",
        "auto_translated_physmap", "supervisor_mode_kernel", "pae_pgdir_above_4gb", "mmu_pt_update_preserve_ad",
        "highmem_assist", "gnttab_map_avail_bits", "hvm_callback_vector", "hvm_safe_pvclock", "hvm_pirqs", "dom0"};
}
