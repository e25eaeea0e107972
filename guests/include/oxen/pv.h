/*
 * pv.h -- extras of the PV flavor (a Xen x86_32 PAE paravirtualized guest):
 * the start-of-day pages, event channels, page-table helpers over
 * mmu_update / update_va_mapping / mmuext_op, and secondary vcpus. The PV
 * drivers' part of it (start_info, shared_info, event channels, frames) is
 * also what lib/native/pvhvm.c gives them in a native program run as an HVM
 * domain (GUEST_NATIVE below).
 */
#ifndef OXEN_PV_H
#define OXEN_PV_H

#include <kit.h>
#include <oxen/xen_abi.h>
#include <oxen/hypercall.h>

#ifdef GUEST_NATIVE
/* The PV drivers (xenstore, xenbus, gnttab, blkfront, netfront) in a native program that runs
 * as an HVM domain, on lib/native/pvhvm.c (Xen's platform interface: the PV-on-HVM drivers of
 * Linux's platform-pci). Paging is off, so the "boot region" is guest-physical memory from 0:
 * frame n is at n * 4096, and the frame a grant names is the GFN itself (a translated domain's
 * grants name GFNs; the hypervisor finds the machine frame through the P2M). */
#define VIRT_BASE 0u
#else
/* The kit links PV images at VIRT_BASE with PADDR_OFFSET == VIRT_BASE, so
 * pseudo-physical frame n of the boot region is at VIRT_BASE + n * 4096. */
#define VIRT_BASE 0xC0000000u

#define KERNEL_CS FLAT_RING1_CS
#define KERNEL_DS FLAT_RING1_DS
#define USER_CS   FLAT_RING3_CS
#define USER_DS   FLAT_RING3_DS
#endif

#define VEC_EVENT 0x100             /* pseudo vector of the event upcall */

/* ---- start of day (lib/pv/start.c) ------------------------------------ */
extern const start_info_t *pv_start_info;
extern struct shared_info *pv_shared_info;
/* 1 while shared_info is mapped at pv_shared_info (0 before boot maps it and inside a suspend) */
extern volatile int pv_shared_info_mapped;
extern long pv_boot_status[4];      /* results of vm_assist, trap table, callbacks, stack_switch */
/* Where each vcpu's vcpu_info is: NULL for its slot in shared_info, else where
 * pv_register_vcpu_info() moved it. */
extern struct vcpu_info *volatile pv_vcpu_infos[MAX_CPUS];
static inline struct vcpu_info *pv_vcpu_info(unsigned cpu)
{
    struct vcpu_info *vi = cpu < MAX_CPUS ? pv_vcpu_infos[cpu] : NULL;
    return vi ? vi : &pv_shared_info->vcpu_info[cpu];
}
/* The trap table the kit installs (terminated by an all-zero entry), and a
 * copy of it in the vector-indexed form vcpu_guest_context.trap_ctxt wants. */
extern const trap_info_t pv_trap_table[];
void pv_fill_trap_ctxt(trap_info_t ctxt[256]);
/* Installs the kit's trap table, event/failsafe callbacks and ring-1 trap stack as the start of
 * day does: 0, or the failing call's -errno with *what naming it. */
long pv_install_entry_points(const char **what);
void hypervisor_callback(void);     /* lib/pv/entry.S */
void failsafe_callback(void);

/* ---- console (lib/pv/console.c) ----------------------------------------- */
size_t console_read(char *buf, size_t max);   /* keys typed at xl console; 0 if none */
evtchn_port_t console_evtchn(void);           /* start_info's console port */
volatile struct xencons_interface *console_ring(void);   /* the mapped ring, or NULL */
/* While a program uses its console page for something else (set 1, then 0): output goes to
 * console_io only, the ring's memory untouched (its contents and mapping are the program's). */
void console_lend_ring(int lent);

/* ---- event channels (lib/pv/evtchn.c) -------------------------------- */
typedef void (*evtchn_handler_t)(evtchn_port_t port, void *data);
/* Route port to handler h on vcpu cpu and unmask it (EVTCHNOP_unmask). */
int evtchn_bind_handler(evtchn_port_t port, unsigned cpu, evtchn_handler_t h, void *data);
void evtchn_unbind_handler(evtchn_port_t port);
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *local);
int evtchn_bind_virq(unsigned virq, unsigned vcpu, evtchn_port_t *port);
int evtchn_bind_ipi(unsigned vcpu, evtchn_port_t *port);
int evtchn_send(evtchn_port_t port);
int evtchn_close(evtchn_port_t port);
int evtchn_unmask(evtchn_port_t port);          /* EVTCHNOP_unmask */
int evtchn_status(evtchn_port_t port, evtchn_status_t *st);
void evtchn_mask(evtchn_port_t port);           /* sets the mask bit directly */
int evtchn_is_pending(evtchn_port_t port);
int evtchn_is_masked(evtchn_port_t port);
void evtchn_clear(evtchn_port_t port);
void evtchn_mask_all(void);
/* After a resume in a new domain: every port masked and no handler bound (the
 * new domain's ports are not the old one's; drivers bind theirs again). */
void evtchn_forget_all(void);
/* A VIRQ or an IPI bound on vcpu cpu with handler h, which the kit binds again
 * after a resume in a new domain (Linux's xen_irq_resume: restore_cpu_virqs,
 * restore_cpu_ipis), writing the new port to *port: 0 or the bind's -errno. */
int evtchn_bind_virq_resumable(unsigned virq, unsigned cpu, evtchn_handler_t h, void *data, evtchn_port_t *port);
int evtchn_bind_ipi_resumable(unsigned cpu, evtchn_handler_t h, void *data, evtchn_port_t *port);
/* After evtchn_forget_all() in a new domain: every resumable binding bound again. */
void evtchn_resume_bindings(void);
void evtchn_do_upcall(void);
extern volatile uint32_t evtchn_upcalls[MAX_CPUS];    /* upcalls taken per vcpu */
extern volatile uint32_t evtchn_unhandled;            /* pending ports nobody handles */

/* ---- memory (lib/pv/mm.c) -------------------------------------------- */
#define pv_m2p ((const volatile uint32_t *)MACH2PHYS_VIRT_START)
extern const uint32_t *pv_p2m;
extern uint32_t pv_region_pages;    /* pages mapped 1:1 from VIRT_BASE at boot */
extern uint32_t pv_cur_l3_mfn;      /* top-level table in use (MMUEXT_NEW_BASEPTR) */
extern uint64_t *pv_cur_l3;         /* ... and a (read-only) view of it */
void pv_mm_init(const start_info_t *si);
uint32_t pv_virt_to_mfn(const void *va);
uint64_t pv_virt_to_maddr(const void *va);
void *pv_mfn_to_virt(uint32_t mfn);             /* NULL outside the boot region */
uint64_t *pv_l1e_ptr(uint32_t va);              /* read-only view of va's L1 entry */
uint64_t pv_l1e_maddr(uint32_t va);             /* machine address of that entry (0: none) */
uint64_t pv_l2e_maddr(uint32_t va);             /* machine address of va's L2 entry */
int pv_mmu_update(uint64_t ptr, uint64_t val);  /* one MMU_NORMAL_PT_UPDATE */
/* Writable page tables (vm_assist writable_pagetables): pg_set writes the L1 entry itself
 * when pv_pt_direct is set; pv_write_pte stores an entry as Linux's set_pte does. */
extern int pv_pt_direct;
void pv_write_pte(uint64_t *e, uint64_t pte);
int pv_mmuext(unsigned cmd, uint32_t arg1, uint32_t arg2);
int pv_update_va_mapping(uint32_t va, uint64_t pte, unsigned flags);
int pv_set_page_writable(const void *page, int writable);
void pv_use_l3(uint64_t *l3);       /* after NEW_BASEPTR: walk these tables from now on */
/* The guest's own P2M (start_info.mfn_list, or a longer copy pv_map_all_memory made;
 * INVALID_P2M_ENTRY for a pfn without a frame), which a balloon driver keeps up to date as a PV
 * kernel's set_phys_to_machine does; pv_p2m_size its entries (0: start_info's nr_pages). */
#define INVALID_P2M_ENTRY 0xffffffffu
extern uint32_t pv_p2m_size;
void pv_set_p2m(uint32_t pfn, uint32_t mfn);
/* Whether the pages pages from va lie in the boot region of frames pages. */
static inline int pv_in_region(uint32_t va, uint32_t pages, uint32_t frames)
{
#ifndef GUEST_NATIVE
    if (va < VIRT_BASE)
        return 0;
#endif
    return ((va - VIRT_BASE) >> 12) + pages <= frames;
}
/* The frame to grant for boot-region pfn: its MFN from the P2M (PV), or the GFN itself (HVM). */
static inline uint32_t pv_pfn_to_frame(uint32_t pfn)
{
#ifdef GUEST_NATIVE
    return pfn;
#else
    return pv_p2m[pfn];
#endif
}
/* The first pfn after the start-of-day pages (boot page tables and boot stack): the boot
 * region's padding is free from there on. */
uint32_t pv_first_free_pfn(void);
/* Maps the domain's pfns 1:1 at VIRT_BASE + pfn * 4096 up to max_pfn (at least nr_pages), as
 * Mini-OS's build_pagetable does: the boot region's last L1 is filled, and each further L1 is a
 * free page of the region taken at *next_free_pfn (which moves past it). Pfns from nr_pages to
 * max_pfn have no frame yet (a balloon driver's "ballooned at boot", as Linux's for maxmem): the
 * P2M then moves to free pages of the region with room for max_pfn entries, and their slots stay
 * unmapped until the driver populates them. -ENOMEM when the region's padding runs out.
 * Afterwards pv_region_pages == max_pfn. */
int pv_map_all_memory(uint32_t *next_free_pfn, uint32_t max_pfn);

/* Publishes the P2M for save and migration as Linux's xen_build_mfn_list_list:
 * shared_info's arch.pfn_to_mfn_frame_list_list names a page of MFNs of frame-list
 * pages, each naming the MFNs of P2M pages; arch.max_pfn its entries. Called at
 * start of day, whenever the P2M moves, and again after a resume. */
void pv_publish_p2m(void);

/* ---- save/restore (lib/pv/suspend.c) ---------------------------------- */
/* SCHEDOP_shutdown(SHUTDOWN_suspend) as Linux's xen_suspend on a PV kernel:
 * start_info's store and console frames turned into pfns and shared_info
 * unmapped before; after, shared_info mapped again from start_info, the cached
 * MFNs recomputed and, when resumed in a new domain, the event channels forgotten
 * and xenstore's port and watches taken up again. Returns 0 when the domain
 * continues in a new domain (restore, migration), 1 when the suspend was
 * cancelled (the same domain resumed: xl save -c, a failed migration). */
int pv_suspend(void);
/* How many times this program resumed in a new domain (restore, migration). */
extern volatile uint32_t pv_resumes;

/* ---- vcpus (lib/pv/vcpu.c) ------------------------------------------- */
/* VCPUOP_initialise for vcpu with the kit's trap table and callbacks, the
 * current page tables, its own kernel and trap stacks, starting at entry
 * (which must never return).  Does not bring it up: see VCPUOP_up. */
int pv_vcpu_initialise(unsigned vcpu, void (*entry)(void));
/* VCPUOP_register_vcpu_info: vcpu's vcpu_info moves to where (64 bytes in one
 * page of the boot region), as a PV kernel does for each cpu; on success
 * pv_vcpu_info(vcpu) follows it.  Events are masked around the move (the new
 * copy starts with the old one's mask and every selector bit pending). */
int pv_register_vcpu_info(unsigned vcpu, struct vcpu_info *where);

#endif
