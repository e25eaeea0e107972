/*
 * xenhvm.h -- the Xen platform interface for a native kit program running
 * as an HVM domain (lib/native/xenhvm.c): what an HVM kernel's PV drivers
 * do at start (Linux's arch/x86/xen/enlighten_hvm.c and
 * drivers/xen/platform-pci.c, Mini-OS's hvm support) in a few functions.
 *
 * xenhvm_detect() finds Xen's CPUID leaves; xenhvm_init_hypercalls() fills
 * the kit's hypercall_page through the MSR leaf 0x40000x02 names, after which
 * <oxen/hypercall.h>'s wrappers work (vmcall/vmmcall stubs). The rest are
 * hvm_op parameters, shared_info by add_to_physmap, the Xen platform PCI
 * device and the event-channel upcall as its interrupt, and a minimal
 * xenstore client over the ring at HVM_PARAM_STORE_PFN.
 */
#ifndef OXEN_XENHVM_H
#define OXEN_XENHVM_H

#include <oxen/native.h>
#include <oxen/hypercall.h>

struct xenhvm_info {
    uint32_t base;              /* the leaves' base, 0x40000000 or a multiple of 0x100 above */
    uint32_t max_leaf;
    uint32_t version;           /* leaf base+1 EAX: major << 16 | minor */
    uint32_t pages, msr;        /* leaf base+2: hypercall pages, the MSR */
    uint32_t hvm_flags, vcpu_id, domid;  /* leaf base+4 */
};

/* 0 when found (*info filled), -1 when no "XenVMMXenVMM" signature. */
int xenhvm_detect(struct xenhvm_info *info);
/* wrmsr(info->msr, &hypercall_page): 0, or -1 if the page does not look filled. */
int xenhvm_init_hypercalls(const struct xenhvm_info *info);

static inline long HYPERVISOR_hvm_op(int op, void *arg)
{ return _hypercall2(34, op, arg); }
long xenhvm_get_param(uint32_t index, uint64_t *value);      /* 0 or -errno */
long xenhvm_set_param(uint32_t index, uint64_t value);
long xenhvm_param_for(domid_t dom, int op, uint32_t index, uint64_t *value);

/*
 * A whole page of RAM for shared_info to replace: struct shared_info is only 0x928 bytes, and
 * the mapping replaces the whole frame, so a bare struct would let the linker place other data
 * in the rest of that page, to be lost when shared_info appears there.
 */
union xenhvm_shared_info_page {
    struct shared_info s;
    uint8_t page[4096];
};

/* add_to_physmap(XENMAPSPACE_shared_info, 0, gpfn of page); 0 or -errno. */
long xenhvm_map_shared_info(struct shared_info *page);
extern struct shared_info *xenhvm_shared_info;

/* PCI configuration mechanism #1 on bus 0. */
uint32_t pci_read32(unsigned devfn, unsigned reg);
void pci_write8(unsigned devfn, unsigned reg, uint8_t v);
/* The Xen platform device (5853:0001): its devfn, or -1. */
int xenhvm_platform_devfn(void);

/* Upcalls: every interrupt on ISA IRQ irq runs the event handler, which
 * clears evtchn_upcall_pending and collects pending, unmasked ports into
 * xenhvm_events (a bitmap of the first 32 ports) and counts them. */
void xenhvm_events_on_irq(unsigned irq);
/* The upcall as the platform device's INTx on ISA IRQ irq, routed as a BIOS
 * does (PIIX3's PIRQ register, the line register), HVM_PARAM_CALLBACK_IRQ
 * set: 0, or -1 without the device or when the parameter is refused. */
int xenhvm_events_via_platform(unsigned irq);
/* The same with h as the interrupt's handler instead of the bitmap collector above. */
int xenhvm_callback_via_platform(unsigned irq, irq_handler_t h);
extern volatile uint32_t xenhvm_events, xenhvm_upcalls;

/* xenstore over the HVM_PARAM_STORE_PFN ring (paging off or identity-mapped).
 * Returns 0 and the reply in buf (NUL-terminated), or -1 with buf "ERR <msg>". */
int xenhvm_xs_init(void);
int xenhvm_xs_request(uint32_t type, const char *payload, uint32_t len, char *buf, size_t n);

/*
 * The kit's PV drivers (lib/pv: xenstore, xenbus, gnttab, evtchn, blkfront, netfront, shutdown)
 * in an HVM domain (lib/native/pvhvm.c), as Linux's PVHVM start and platform-pci driver set
 * them up: CPUID leaves and hypercall page, shared_info by add_to_physmap, every port masked,
 * a start_info of its own from HVM_PARAM_STORE_PFN/EVTCHN and CONSOLE_PFN/EVTCHN, and the
 * event-channel upcall as the platform device's INTx on ISA IRQ irq running evtchn_do_upcall.
 * Call once before xs_init(); fails the program when a step is refused.
 */
void pvhvm_init(unsigned irq);

#endif
