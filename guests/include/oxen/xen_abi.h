/*
 * xen_abi.h -- the kit's own copy of the Xen x86_32 PAE PV guest ABI.
 *
 * Numbers and layouts are those of Xen's public headers (xen.h, sched.h,
 * event_channel.h, vcpu.h, callback.h, elfnote.h, io/console.h,
 * arch-x86/xen-x86_32.h); names keep Xen's spelling so the headers can be
 * read side by side.  Xen's headers are the source: XenHeadersTest
 * (bundles/org.oxen.vmm.abi) compiles this file and Xen's own public headers
 * (Debian's libxen-dev, gcc -m32) and compares every macro's value and every
 * struct's size and member offsets and sizes, so a typo fails the build's
 * tests, not the guest.  A macro Xen spells differently or does not publish
 * is listed in that test's kit-header.map.
 */
#ifndef OXEN_XEN_ABI_H
#define OXEN_XEN_ABI_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stddef.h>
#endif

/* ---- hypercall numbers (xen.h) -------------------------------------- */
#define __HYPERVISOR_set_trap_table         0
#define __HYPERVISOR_mmu_update             1
#define __HYPERVISOR_set_gdt                2
#define __HYPERVISOR_stack_switch           3
#define __HYPERVISOR_set_callbacks          4
#define __HYPERVISOR_fpu_taskswitch         5
#define __HYPERVISOR_sched_op_compat        6
#define __HYPERVISOR_platform_op            7
#define __HYPERVISOR_set_debugreg           8
#define __HYPERVISOR_get_debugreg           9
#define __HYPERVISOR_update_descriptor     10
#define __HYPERVISOR_memory_op             12
#define __HYPERVISOR_multicall             13
#define __HYPERVISOR_update_va_mapping     14
#define __HYPERVISOR_set_timer_op          15
#define __HYPERVISOR_event_channel_op_compat 16
#define __HYPERVISOR_xen_version           17
#define __HYPERVISOR_console_io            18
#define __HYPERVISOR_physdev_op_compat     19
#define __HYPERVISOR_grant_table_op        20
#define __HYPERVISOR_vm_assist             21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret                  23
#define __HYPERVISOR_vcpu_op               24
#define __HYPERVISOR_mmuext_op             26
#define __HYPERVISOR_xsm_op                27
#define __HYPERVISOR_nmi_op                28
#define __HYPERVISOR_sched_op              29
#define __HYPERVISOR_callback_op           30
#define __HYPERVISOR_xenoprof_op           31
#define __HYPERVISOR_event_channel_op      32
#define __HYPERVISOR_physdev_op            33
#define __HYPERVISOR_hvm_op                34
#define __HYPERVISOR_sysctl                35
#define __HYPERVISOR_domctl                36

#define HYPERCALL_STUB_SIZE 32          /* bytes per hypercall-page slot */

/* ---- errno values hypercalls return negated (xen/errno.h) ----------- */
#define XEN_EPERM    1
#define XEN_ENOENT   2
#define XEN_ESRCH    3
#define XEN_ENXIO    6
#define XEN_EAGAIN  11
#define XEN_ENOMEM  12
#define XEN_EACCES  13
#define XEN_EFAULT  14
#define XEN_EBUSY   16
#define XEN_EEXIST  17
#define XEN_ENODEV  19
#define XEN_EINVAL  22
#define XEN_ENOSPC  28
#define XEN_ERANGE  34
#define XEN_ENOSYS  38
#define XEN_ETIME   62

/* ---- address space (arch-x86/xen-x86_32.h, PAE) ---------------------- */
#define HYPERVISOR_VIRT_START   0xF5800000u
#define MACH2PHYS_VIRT_START    0xF5800000u
#define MACH2PHYS_VIRT_END      0xF6800000u
#define FLAT_RING1_CS 0xe019
#define FLAT_RING1_DS 0xe021
#define FLAT_RING1_SS 0xe021
#define FLAT_RING3_CS 0xe02b
#define FLAT_RING3_DS 0xe033
#define FLAT_RING3_SS 0xe033
#define xen_pfn_to_cr3(pfn) (((unsigned)(pfn) << 12) | ((unsigned)(pfn) >> 20))
#define xen_cr3_to_pfn(cr3) (((unsigned)(cr3) >> 12) | ((unsigned)(cr3) << 20))

/* ---- ELF notes (elfnote.h) ------------------------------------------ */
#define XEN_ELFNOTE_ENTRY            1
#define XEN_ELFNOTE_HYPERCALL_PAGE   2
#define XEN_ELFNOTE_VIRT_BASE        3
#define XEN_ELFNOTE_PADDR_OFFSET     4
#define XEN_ELFNOTE_XEN_VERSION      5
#define XEN_ELFNOTE_GUEST_OS         6
#define XEN_ELFNOTE_GUEST_VERSION    7
#define XEN_ELFNOTE_LOADER           8
#define XEN_ELFNOTE_PAE_MODE         9
#define XEN_ELFNOTE_FEATURES        10
#define XEN_ELFNOTE_BSD_SYMTAB      11
#define XEN_ELFNOTE_HV_START_LOW    12

#ifndef __ASSEMBLER__

typedef uint16_t domid_t;
typedef uint32_t evtchn_port_t;
#define DOMID_FIRST_RESERVED 0x7FF0u   /* ids from here on are special (DOMID_SELF, ...) */
#define DOMID_SELF ((domid_t)0x7FF0)

/* ---- start of day: start_info (xen.h) -------------------------------- */
#define XEN_START_INFO_MAGIC "xen-3.0-x86_32p"
#define MAX_GUEST_CMDLINE 1024
#define SIF_PRIVILEGED (1u << 0)
#define SIF_INITDOMAIN (1u << 1)

typedef struct start_info {
    char magic[32];
    uint32_t nr_pages;
    uint32_t shared_info;               /* MACHINE address of shared_info */
    uint32_t flags;
    uint32_t store_mfn;
    uint32_t store_evtchn;
    union {
        struct { uint32_t mfn; uint32_t evtchn; } domU;
        struct { uint32_t info_off; uint32_t info_size; } dom0;
    } console;
    uint32_t pt_base;                   /* VIRTUAL address of the boot L3 */
    uint32_t nr_pt_frames;
    uint32_t mfn_list;                  /* VIRTUAL address of the p2m array */
    uint32_t mod_start;
    uint32_t mod_len;
    char cmd_line[MAX_GUEST_CMDLINE];
    uint32_t first_p2m_pfn;
    uint32_t nr_p2m_frames;
} start_info_t;

/* ---- shared_info / vcpu_info (xen.h, arch-x86/xen.h) ----------------- */
#define XEN_LEGACY_MAX_VCPUS 32
#define XEN_NR_EVENT_CHANNELS 1024      /* 2-level ABI, 32-bit longs */

struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t   tsc_shift;
    uint8_t  flags;
    uint8_t  pad1[2];
};

struct arch_vcpu_info {
    uint32_t cr2;
    uint32_t pad[5];
};

struct vcpu_info {
    uint8_t  evtchn_upcall_pending;
    uint8_t  evtchn_upcall_mask;
    uint32_t evtchn_pending_sel;
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};

struct arch_shared_info {
    uint32_t max_pfn;
    uint32_t pfn_to_mfn_frame_list_list;
    uint32_t nmi_reason;
    uint32_t p2m_cr3;
    uint32_t p2m_vaddr;
    uint32_t p2m_generation;
    uint32_t wc_sec_hi;
};

struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint32_t evtchn_pending[32];
    uint32_t evtchn_mask[32];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    struct arch_shared_info arch;
};

/* ---- traps (xen.h, arch-x86/xen.h) ----------------------------------- */
typedef struct trap_info {
    uint8_t  vector;
    uint8_t  flags;                     /* bits 0-1: DPL, bit 2: mask events */
    uint16_t cs;
    uint32_t address;
} trap_info_t;
#define TI_MASK_EVENTS 4

/* ---- memory management (xen.h) --------------------------------------- */
#define MMU_NORMAL_PT_UPDATE       0
#define MMU_MACHPHYS_UPDATE        1
#define MMU_PT_UPDATE_PRESERVE_AD  2

typedef struct mmu_update {
    uint64_t ptr;                       /* machine address of the PTE | command */
    uint64_t val;
} mmu_update_t;

/* multicall entry (x86_32): the op, its result, six arguments */
typedef struct multicall_entry {
    uint32_t op;
    int32_t result;
    uint32_t args[6];
} multicall_entry_t;

#define MMUEXT_PIN_L1_TABLE      0
#define MMUEXT_PIN_L2_TABLE      1
#define MMUEXT_PIN_L3_TABLE      2
#define MMUEXT_PIN_L4_TABLE      3
#define MMUEXT_UNPIN_TABLE       4
#define MMUEXT_NEW_BASEPTR       5
#define MMUEXT_TLB_FLUSH_LOCAL   6
#define MMUEXT_INVLPG_LOCAL      7
#define MMUEXT_TLB_FLUSH_MULTI   8
#define MMUEXT_INVLPG_MULTI      9
#define MMUEXT_TLB_FLUSH_ALL    10
#define MMUEXT_INVLPG_ALL       11
#define MMUEXT_FLUSH_CACHE      12
#define MMUEXT_SET_LDT          13
#define MMUEXT_NEW_USER_BASEPTR 15

typedef struct mmuext_op {
    uint32_t cmd;
    union { uint32_t mfn; uint32_t linear_addr; } arg1;
    union { uint32_t nr_ents; uint32_t vcpumask; uint32_t src_mfn; } arg2;
} mmuext_op_t;

#define UVMF_NONE        0u
#define UVMF_TLB_FLUSH   1u
#define UVMF_INVLPG      2u
#define UVMF_LOCAL       0u
#define UVMF_ALL         4u

#define VMASST_CMD_enable              0
#define VMASST_CMD_disable             1
#define VMASST_TYPE_4gb_segments       0
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_pae_extended_cr3   3
#define VMASST_TYPE_architectural_iopl 4

#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_maximum_ram_page 2
#define XENMEM_current_reservation  3
#define XENMEM_maximum_reservation  4
#define XENMEM_populate_physmap     6
#define XENMEM_exchange             11

/* memory.h's xen_memory_reservation as a 32-bit guest passes it */
struct xen_memory_reservation {
    uint32_t extent_start;              /* guest handle: MFNs or GPFNs */
    uint32_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;                 /* bits 0-7: address bits (0: any) */
    domid_t  domid;
};

/* memory.h's xen_memory_exchange as a 32-bit guest passes it */
struct xen_memory_exchange {
    struct xen_memory_reservation in;   /* frames given (GMFNs, of order in.extent_order) */
    struct xen_memory_reservation out;  /* pfns to fill (GPFNs in, first MFNs out) */
    uint32_t nr_exchanged;              /* in: where to start (0); out: input extents done */
};
_Static_assert(sizeof(struct xen_memory_reservation) == 20, "compat xen_memory_reservation");
_Static_assert(sizeof(struct xen_memory_exchange) == 44, "compat xen_memory_exchange");

/* ---- console (xen.h, io/console.h) ----------------------------------- */
#define CONSOLEIO_write 0
#define CONSOLEIO_read  1

struct xencons_interface {
    char in[1024];
    char out[2048];
    uint32_t in_cons, in_prod;
    uint32_t out_cons, out_prod;
};
/* Xen 4.21's console.h adds `uint8_t connection` after out_prod: whether a backend
 * serves the ring (0 connected, 1 disconnected). Debian's headers (which
 * XenHeadersTest compares this struct with) predate it, so the kit reads the byte
 * through this accessor instead of a member. */
#define XENCONS_CONNECTION_OFFSET 3088
#define XENCONS_CONNECTION(intf) (((volatile uint8_t *)(intf))[XENCONS_CONNECTION_OFFSET])
#define XENCONSOLE_CONNECTED    0
#define XENCONSOLE_DISCONNECTED 1
_Static_assert(__builtin_offsetof(struct xencons_interface, out_prod) + 4 == XENCONS_CONNECTION_OFFSET,
               "the connection flag follows out_prod");

/* ---- scheduling (sched.h) ------------------------------------------- */
#define SCHEDOP_yield     0
#define SCHEDOP_block     1
#define SCHEDOP_shutdown  2
#define SCHEDOP_poll      3
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot   1
#define SHUTDOWN_suspend  2
#define SHUTDOWN_crash    3

struct sched_shutdown { uint32_t reason; };

/* ---- virtual IRQs (xen.h) ------------------------------------------- */
#define VIRQ_TIMER    0
#define VIRQ_DEBUG    1
#define VIRQ_CONSOLE  2
#define NR_VIRQS     24

/* ---- event channels (event_channel.h) ------------------------------- */
#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq        1
#define EVTCHNOP_bind_pirq        2
#define EVTCHNOP_close            3
#define EVTCHNOP_send             4
#define EVTCHNOP_status           5
#define EVTCHNOP_alloc_unbound    6
#define EVTCHNOP_bind_ipi         7
#define EVTCHNOP_bind_vcpu        8
#define EVTCHNOP_unmask           9
#define EVTCHNOP_reset           10

#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_pirq         3
#define EVTCHNSTAT_virq         4
#define EVTCHNSTAT_ipi          5

typedef struct evtchn_alloc_unbound {
    domid_t dom, remote_dom;
    evtchn_port_t port;                 /* OUT */
} evtchn_alloc_unbound_t;

typedef struct evtchn_bind_interdomain {
    domid_t remote_dom;
    evtchn_port_t remote_port;
    evtchn_port_t local_port;           /* OUT */
} evtchn_bind_interdomain_t;

typedef struct evtchn_bind_virq {
    uint32_t virq;
    uint32_t vcpu;
    evtchn_port_t port;                 /* OUT */
} evtchn_bind_virq_t;

typedef struct evtchn_bind_ipi {
    uint32_t vcpu;
    evtchn_port_t port;                 /* OUT */
} evtchn_bind_ipi_t;

typedef struct evtchn_close  { evtchn_port_t port; } evtchn_close_t;
typedef struct evtchn_send   { evtchn_port_t port; } evtchn_send_t;
typedef struct evtchn_unmask { evtchn_port_t port; } evtchn_unmask_t;

typedef struct evtchn_status {
    domid_t dom;
    evtchn_port_t port;
    uint32_t status;                    /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;                      /* OUT */
    union {
        struct { domid_t dom; } unbound;
        struct { domid_t dom; evtchn_port_t port; } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
} evtchn_status_t;

typedef struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
} evtchn_bind_vcpu_t;

/* ---- callbacks (callback.h) ----------------------------------------- */
#define CALLBACKOP_register     0
#define CALLBACKOP_unregister   1
#define CALLBACKTYPE_event      0
#define CALLBACKTYPE_failsafe   1
#define CALLBACKTYPE_nmi        4
#define CALLBACKTYPE_sysenter   5
#define CALLBACKTYPE_syscall32  7
#define CALLBACKF_mask_events   (1u << 0)

typedef struct xen_callback { uint32_t cs; uint32_t eip; } xen_callback_t;

struct callback_register {
    uint16_t type;
    uint16_t flags;
    xen_callback_t address;
};

/* ---- vcpu operations (vcpu.h, arch-x86) ------------------------------ */
#define VCPUOP_initialise            0
#define VCPUOP_up                    1
#define VCPUOP_down                  2
#define VCPUOP_is_up                 3
#define VCPUOP_get_runstate_info     4
#define VCPUOP_set_periodic_timer    6
#define VCPUOP_stop_periodic_timer   7
#define VCPUOP_set_singleshot_timer  8
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info   10

/* VCPUOP_register_vcpu_info: vcpu_info moves to machine frame mfn at offset. */
struct vcpu_register_vcpu_info {
    uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;
};

#define RUNSTATE_running  0
#define RUNSTATE_runnable 1
#define RUNSTATE_blocked  2
#define RUNSTATE_offline  3
struct vcpu_runstate_info {
    int state;
    uint64_t state_entry_time;
    uint64_t time[4];
} __attribute__((packed));

struct vcpu_set_periodic_timer { uint64_t period_ns; };

struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;
    uint32_t flags;
};

struct cpu_user_regs {
    uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
    uint16_t error_code, entry_vector;
    uint32_t eip;
    uint16_t cs;
    uint8_t  saved_upcall_mask, _pad0;
    uint32_t eflags;
    uint32_t esp;
    uint16_t ss, _pad1;
    uint16_t es, _pad2;
    uint16_t ds, _pad3;
    uint16_t fs, _pad4;
    uint16_t gs, _pad5;
};

#define VGCF_I387_VALID (1u << 0)
#define VGCF_IN_KERNEL  (1u << 2)
#define VGCF_online     (1u << 5)

typedef struct vcpu_guest_context {
    struct { char x[512]; } fpu_ctxt;
    uint32_t flags;
    struct cpu_user_regs user_regs;
    struct trap_info trap_ctxt[256];
    uint32_t ldt_base, ldt_ents;
    uint32_t gdt_frames[16], gdt_ents;
    uint32_t kernel_ss, kernel_sp;
    uint32_t ctrlreg[8];
    uint32_t debugreg[8];
    uint32_t event_callback_cs;
    uint32_t event_callback_eip;
    uint32_t failsafe_callback_cs;
    uint32_t failsafe_callback_eip;
    uint32_t vm_assist;
} vcpu_guest_context_t;

/* ---- grant tables v1 (grant_table.h) ---------------------------------- */
typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

#define GNTTABOP_map_grant_ref     0
#define GNTTABOP_unmap_grant_ref   1
#define GNTTABOP_setup_table       2
#define GNTTABOP_dump_table        3
#define GNTTABOP_transfer          4
#define GNTTABOP_copy              5
#define GNTTABOP_query_size        6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version       8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version       10
#define GNTTABOP_swap_grant_ref    11

#define GNTTAB_NR_RESERVED_ENTRIES 8

typedef struct grant_entry_v1 {
    uint16_t flags;
    domid_t  domid;
    uint32_t frame;                     /* a PV guest's MFN */
} grant_entry_v1_t;

#define GTF_invalid         0
#define GTF_permit_access   1
#define GTF_accept_transfer 2
#define GTF_type_mask       3
#define GTF_readonly        (1U << 2)
#define GTF_reading         (1U << 3)
#define GTF_writing         (1U << 4)
#define GTF_sub_page        (1U << 8)
#define GTF_transfer_committed (1U << 2)
#define GTF_transfer_completed (1U << 3)

#define GNTMAP_device_map      (1 << 0)
#define GNTMAP_host_map        (1 << 1)
#define GNTMAP_readonly        (1 << 2)
#define GNTMAP_application_map (1 << 3)
#define GNTMAP_contains_pte    (1 << 4)

#define GNTCOPY_source_gref (1 << 0)
#define GNTCOPY_dest_gref   (1 << 1)

#define GNTST_okay              0
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_bad_handle        (-4)
#define GNTST_bad_virt_addr     (-5)
#define GNTST_bad_dev_addr      (-6)
#define GNTST_no_device_space   (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)
#define GNTST_bad_copy_arg      (-10)
#define GNTST_address_too_big   (-11)
#define GNTST_eagain            (-12)
#define GNTST_no_space          (-13)

/* the op structs as a 32-bit guest passes them (guest handles are 32-bit pointers) */
struct gnttab_map_grant_ref {
    uint64_t host_addr;
    uint32_t flags;
    grant_ref_t ref;
    domid_t  dom;
    int16_t  status;                    /* OUT */
    grant_handle_t handle;              /* OUT */
    uint64_t dev_bus_addr;              /* OUT */
};

struct gnttab_unmap_grant_ref {
    uint64_t host_addr;
    uint64_t dev_bus_addr;
    grant_handle_t handle;
    int16_t  status;                    /* OUT */
};

struct gnttab_unmap_and_replace {
    uint64_t host_addr;
    uint64_t new_addr;
    grant_handle_t handle;
    int16_t  status;                    /* OUT */
};

struct gnttab_setup_table {
    domid_t  dom;
    uint32_t nr_frames;
    int16_t  status;                    /* OUT */
    uint32_t frame_list;                /* guest handle: xen_pfn_t[nr_frames], OUT */
};

struct gnttab_copy {
    struct { uint32_t u; domid_t domid; uint16_t offset; } source, dest;
    uint16_t len;
    uint16_t flags;
    int16_t  status;                    /* OUT */
};

struct gnttab_query_size {
    domid_t  dom;
    uint32_t nr_frames;                 /* OUT */
    uint32_t max_nr_frames;             /* OUT */
    int16_t  status;                    /* OUT */
};

struct gnttab_transfer {
    uint32_t mfn;
    domid_t  domid;
    grant_ref_t ref;
    int16_t  status;                    /* OUT */
};

struct gnttab_set_version { uint32_t version; };
struct gnttab_get_version { domid_t dom; uint16_t pad; uint32_t version; };

struct gnttab_get_status_frames {
    uint32_t nr_frames;
    domid_t  dom;
    int16_t  status;                    /* OUT */
    uint32_t frame_list;                /* guest handle: uint64_t[nr_frames], OUT */
};

struct gnttab_swap_grant_ref {
    grant_ref_t ref_a, ref_b;
    int16_t status;                     /* OUT */
};

#define XENMEM_add_to_physmap      7
#define XENMAPSPACE_shared_info    0
#define XENMAPSPACE_grant_table    1
struct xen_add_to_physmap {
    domid_t  domid;
    uint16_t size;
    uint32_t space;
    uint32_t idx;
    uint32_t gpfn;
};

/* ---- xen_version (version.h) ---------------------------------------- */
#define XENVER_version 0
#define XENVER_extraversion 1 /* a char[16] (xen_extraversion_t) */

/* ---- the HVM platform interface (hvm/hvm_op.h, hvm/params.h, arch-x86/cpuid.h) */
#define HVMOP_set_param           0
#define HVMOP_get_param           1
struct xen_hvm_param {
    domid_t  domid;
    uint16_t pad;
    uint32_t index;
    uint64_t value;
};
#define HVM_PARAM_CALLBACK_IRQ    0
#define HVM_PARAM_STORE_PFN       1
#define HVM_PARAM_STORE_EVTCHN    2
#define HVM_PARAM_TIMER_MODE      10
#define HVM_PARAM_CONSOLE_PFN     17
#define HVM_PARAM_CONSOLE_EVTCHN  18
#define HVM_PARAM_X87_FIP_WIDTH   36
#define HVM_NR_PARAMS             39
#define HVM_PARAM_CALLBACK_TYPE_GSI      0
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX 1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR   2
#define XEN_CPUID_FIRST_LEAF      0x40000000
#define XEN_CPUID_SIGNATURE_EBX   0x566e6558 /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX   0x65584d4d /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX   0x4d4d566e /* "nVMM" */
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1u << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT   (1u << 4)

#endif /* !__ASSEMBLER__ */
#endif
