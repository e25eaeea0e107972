/*
 * pvhvm.c -- the kit's PV drivers in an HVM domain (see <oxen/xenhvm.h>,
 * pvhvm_init): what lib/pv's xenstore, xenbus, gnttab, evtchn, blkfront,
 * netfront and shutdown take from a PV start of day (start_info, shared_info,
 * the event upcall, frame numbers), taken from Xen's HVM platform interface
 * as Linux's PVHVM kernel does (arch/x86/xen/enlighten_hvm.c, xen_hvm_init_shared_info;
 * drivers/xen/platform-pci.c; xenbus_probe's HVM_PARAM_STORE_PFN/EVTCHN).
 *
 * Paging is off: guest-physical addresses are pointers, a page's frame number
 * for a grant is its GFN (<oxen/pv.h>'s VIRT_BASE 0 and pv_pfn_to_frame), and
 * "interrupts off" is CLI (the upcall is an ordinary interrupt here, not a
 * vcpu_info mask).
 */
#include <oxen/xenhvm.h>
#include <oxen/pv.h>

static union xenhvm_shared_info_page shinfo_page ALIGNED(4096);
static start_info_t start_info;

const start_info_t *pv_start_info;
struct shared_info *pv_shared_info;
volatile int pv_shared_info_mapped;
struct vcpu_info *volatile pv_vcpu_infos[MAX_CPUS];     /* all in shared_info */
uint32_t pv_p2m_size;                                   /* 0: start_info.nr_pages */
volatile uint32_t pv_resumes;                           /* never: oxen saves an HVM domain paused */

uint32_t pv_virt_to_mfn(const void *va)
{
    return (uint32_t)va >> PAGE_SHIFT;
}

void *pv_mfn_to_virt(uint32_t gfn)
{
    return gfn < 0x100000u ? (void *)(gfn << PAGE_SHIFT) : NULL;
}

/* control/shutdown "suspend" (lib/pv/shutdown.c): a toolstack saves an HVM domain paused instead
 * of asking, as oxen's does; asked anyway, the request is acknowledged as cancelled. */
int pv_suspend(void)
{
    printf("pvhvm: suspend asked through control/shutdown: not taken (an HVM domain is saved paused)\n");
    return 1;
}

static void upcall(unsigned irq, struct trap_frame *f)
{
    (void)irq; (void)f;
    evtchn_do_upcall();
}

static uint32_t param(uint32_t index, const char *name)
{
    uint64_t v = 0;
    long rc = xenhvm_get_param(index, &v);
    CHECK(rc == 0, "pvhvm: HVMOP_get_param(%s): %ld", name, rc);
    CHECK(v <= 0xffffffffu, "pvhvm: %s = %#llx", name, v);
    return (uint32_t)v;
}

void pvhvm_init(unsigned irq)
{
    struct xenhvm_info xi;
    CHECK(xenhvm_detect(&xi) == 0, "pvhvm: no Xen signature in CPUID 0x40000000.. (not a Xen HVM domain)");
    CHECK(xenhvm_init_hypercalls(&xi) == 0, "pvhvm: the hypercall page was not filled");
    long rc = xenhvm_map_shared_info(&shinfo_page.s);
    CHECK(rc == 0, "pvhvm: add_to_physmap(shared_info): %ld", rc);
    pv_shared_info = &shinfo_page.s;
    pv_shared_info_mapped = 1;
    /* every port masked until a driver binds it (lib/pv/start.c does the same), and nothing
     * left pending from before */
    evtchn_mask_all();
    pv_shared_info->vcpu_info[0].evtchn_pending_sel = 0;
    wmb();
    pv_shared_info->vcpu_info[0].evtchn_upcall_pending = 0;

    memcpy(start_info.magic, "xen-3.0-x86_32p", 16);
    start_info.nr_pages = (uint32_t)(guest_mem_bytes() >> PAGE_SHIFT);
    start_info.shared_info = (uint32_t)&shinfo_page;
    start_info.store_mfn = param(HVM_PARAM_STORE_PFN, "STORE_PFN");
    start_info.store_evtchn = param(HVM_PARAM_STORE_EVTCHN, "STORE_EVTCHN");
    start_info.console.domU.mfn = param(HVM_PARAM_CONSOLE_PFN, "CONSOLE_PFN");
    start_info.console.domU.evtchn = param(HVM_PARAM_CONSOLE_EVTCHN, "CONSOLE_EVTCHN");
    strlcpy(start_info.cmd_line, guest_cmdline(), sizeof start_info.cmd_line);
    CHECK(start_info.nr_pages > 0, "pvhvm: the loader gave no memory size");
    pv_start_info = &start_info;

    CHECK(xenhvm_callback_via_platform(irq, upcall) == 0,
          "pvhvm: no Xen platform device, or HVM_PARAM_CALLBACK_IRQ refused its INTx");
    printf("pvhvm: Xen %u.%u, domid %u, %u pages; store gfn %#x port %u; events as IRQ %u\n", xi.version >> 16,
           xi.version & 0xffff, xi.domid, start_info.nr_pages, start_info.store_mfn, start_info.store_evtchn, irq);
}
