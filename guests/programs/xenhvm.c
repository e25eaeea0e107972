/*
 * xenhvm -- Xen's HVM platform interface from inside an HVM domain (native
 * flavor only: a multiboot kernel that oxen runs with type = "hvm"), as an
 * HVM kernel's PV drivers use it:
 *
 *   1. CPUID: "XenVMMXenVMM" at 0x40000000, the version leaf, one hypercall
 *      page and its MSR, the HVM leaf (vcpu id, domain id), leaf 1's
 *      hypervisor bit;
 *   2. the hypercall page: WRMSR fills it (mov $N,%eax; vmcall; ret, ud2 for
 *      iret); xen_version through it agrees with the CPUID version;
 *   3. hvm_op parameters: STORE_PFN/EVTCHN and CONSOLE_PFN/EVTCHN as libxl
 *      sets them; bad ones refused with Xen's errors;
 *   4. add_to_physmap: shared_info over a page of RAM, a grant frame; pfns
 *      beyond the physical space and bad indexes refused;
 *   5. the Xen platform PCI device (5853:0001) and the upcall as its INTx
 *      (HVM_PARAM_CALLBACK_IRQ's PCI INTx form, routed to ISA IRQ 11 through
 *      PIIX3), then the GSI and vector forms: an IPI event channel sent to
 *      itself arrives as that interrupt each time;
 *   6. xenstore over the ring at STORE_PFN: the domain path, a write and a
 *      read back, the domain's name (waiting in HLT for xenstored's events);
 *      xenstore=off leaves it out (a hypervisor without xenstored);
 *   7. hypercalls from ring 3 get -EPERM (a VMCALL and a VMMCALL).
 */
#include <kit.h>
#include <oxen/xenhvm.h>
#include <oxen/xenstore.h>

/* A page of RAM that shared_info replaces, and one where the grant frame appears. */
static union xenhvm_shared_info_page shinfo_page __attribute__((aligned(4096)));
static uint8_t grant_page[4096] __attribute__((aligned(4096)));

/* Ring-3 snippets: a hypercall by VMCALL and by VMMCALL (xen_version), back with int $0x80. */
__asm__(".pushsection .user.text, \"ax\"\n"
        "user_vmcall: movl $17, %eax; xorl %ebx, %ebx; xorl %ecx, %ecx; .byte 0x0f, 0x01, 0xc1; int $0x80; ud2\n"
        "user_vmmcall: movl $17, %eax; xorl %ebx, %ebx; xorl %ecx, %ecx; .byte 0x0f, 0x01, 0xd9; int $0x80; ud2\n"
        ".popsection\n");
void user_vmcall(void);
void user_vmmcall(void);

#define CALLBACK_VIA(type, v) ((uint64_t)(type) << 56 | (v))
#define EVENT_IRQ 11

static uint32_t send_and_wait(uint32_t port, const char *how)
{
    uint32_t before = xenhvm_upcalls;
    xenhvm_events = 0;
    evtchn_send_t send = { .port = port };
    CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_send, &send), 0, "EVTCHNOP_send");
    for (uint32_t i = 0; i < 1000000 && !(xenhvm_events & (1u << port)); i++)
        __asm__ volatile("sti; nop; cli" ::: "memory");
    CHECK(xenhvm_events & (1u << port), "%s: the event on port %u did not arrive as an interrupt (upcalls %u)",
          how, port, xenhvm_upcalls);
    CHECK_EQ(xenhvm_shared_info->vcpu_info[0].evtchn_upcall_pending, 0, "upcall_pending after the handler");
    printf("xenhvm: event on port %u arrived by %s (upcall %u)\n", port, how, xenhvm_upcalls);
    return xenhvm_upcalls - before;
}

void guest_main(void)
{
    struct xenhvm_info xi;
    uint32_t a, b, c, d;

    /* 1. CPUID */
    CHECK(xenhvm_detect(&xi) == 0, "no Xen signature in CPUID 0x40000000..");
    printf("xenhvm: Xen %u.%u at cpuid 0x%x (leaves to 0x%x), %u hypercall page by MSR 0x%x, domid %u vcpu %u\n",
           xi.version >> 16, xi.version & 0xffff, xi.base, xi.max_leaf, xi.pages, xi.msr, xi.domid, xi.vcpu_id);
    CHECK_EQ(xi.base, XEN_CPUID_FIRST_LEAF, "leaf base");
    CHECK(xi.max_leaf >= xi.base + 4, "largest leaf 0x%x has no HVM leaf", xi.max_leaf);
    CHECK_EQ(xi.pages, 1, "hypercall pages");
    CHECK_EQ(xi.hvm_flags & (XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT),
             XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT, "HVM leaf flags");
    CHECK_EQ(xi.vcpu_id, 0, "vcpu id");
    CHECK(xi.domid > 0 && xi.domid < DOMID_SELF, "domid %u", xi.domid);
    cpuid(1, &a, &b, &c, &d);
    CHECK(c & (1u << 31), "leaf 1 ECX has no hypervisor bit");
    cpuid(xi.max_leaf + 1, &a, &b, &c, &d);
    CHECK(a == 0 && b == 0 && c == 0 && d == 0, "a leaf beyond the largest is not zero");

    /* 2. the hypercall page */
    CHECK(xenhvm_init_hypercalls(&xi) == 0, "the hypercall page was not filled");
    CHECK((uint8_t)hypercall_page[23 * 32] == 0x0f && (uint8_t)hypercall_page[23 * 32 + 1] == 0x0b,
          "slot 23 (iret) is not ud2");
    CHECK_EQ(*(uint32_t *)&hypercall_page[17 * 32 + 1], 17, "slot 17's number");
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_version, NULL), xi.version, "xen_version vs CPUID leaf 1");
    const char hello[] = "xenhvm: console_io from an HVM domain\n";
    CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write, sizeof hello - 1, hello), 0, "console_io write");

    /* 3. parameters */
    uint64_t store_pfn, store_port, con_pfn, con_port, v;
    CHECK_EQ(xenhvm_get_param(HVM_PARAM_STORE_PFN, &store_pfn), 0, "get STORE_PFN");
    CHECK_EQ(xenhvm_get_param(HVM_PARAM_STORE_EVTCHN, &store_port), 0, "get STORE_EVTCHN");
    CHECK_EQ(xenhvm_get_param(HVM_PARAM_CONSOLE_PFN, &con_pfn), 0, "get CONSOLE_PFN");
    CHECK_EQ(xenhvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &con_port), 0, "get CONSOLE_EVTCHN");
    printf("xenhvm: store pfn 0x%llx port %llu, console pfn 0x%llx port %llu\n", store_pfn, store_port, con_pfn,
           con_port);
    CHECK_EQ(store_pfn, 0xfeffc, "STORE_PFN (libxc's special_pfn(XENSTORE))");
    CHECK_EQ(con_pfn, 0xfefff, "CONSOLE_PFN (libxc's special_pfn(CONSOLE))");
    CHECK(store_port != 0 && con_port != 0 && store_port != con_port, "store/console ports");
    CHECK_EQ(xenhvm_set_param(HVM_PARAM_STORE_PFN, 5), -XEN_EPERM, "set STORE_PFN (the toolstack's)");
    CHECK_EQ(xenhvm_get_param(HVM_PARAM_TIMER_MODE, &v), -XEN_EPERM, "get TIMER_MODE (the toolstack's)");
    CHECK_EQ(xenhvm_get_param(HVM_NR_PARAMS, &v), -XEN_EINVAL, "get param HVM_NR_PARAMS");
    CHECK_EQ(xenhvm_get_param(0xffffffffu, &v), -XEN_EINVAL, "get param 0xffffffff");
    CHECK_EQ(xenhvm_set_param(HVM_PARAM_X87_FIP_WIDTH, 3), -XEN_EINVAL, "set X87_FIP_WIDTH 3");
    CHECK_EQ(xenhvm_set_param(HVM_PARAM_X87_FIP_WIDTH, 4), 0, "set X87_FIP_WIDTH 4");
    CHECK_EQ(xenhvm_get_param(HVM_PARAM_X87_FIP_WIDTH, &v), 0, "get X87_FIP_WIDTH");
    CHECK_EQ(v, 4, "X87_FIP_WIDTH read back");
    CHECK_EQ(xenhvm_param_for((domid_t)(xi.domid + 1000), HVMOP_get_param, HVM_PARAM_STORE_PFN, &v), -XEN_ESRCH,
             "get a param of a domain that does not exist");
    CHECK_EQ(HYPERVISOR_hvm_op(99, &v), -XEN_ENOSYS, "hvm_op 99");
    struct xen_hvm_param *bad = (struct xen_hvm_param *)0xfee00000; /* the local APIC page: no RAM */
    CHECK_EQ(HYPERVISOR_hvm_op(HVMOP_get_param, bad), -XEN_EFAULT, "hvm_op with its argument in a device window");

    /* 4. add_to_physmap */
    memset(&shinfo_page, 0x5a, sizeof shinfo_page);
    CHECK_EQ(xenhvm_map_shared_info(&shinfo_page.s), 0, "add_to_physmap(shared_info)");
    CHECK(xenhvm_shared_info->evtchn_mask[0] == 0 && xenhvm_shared_info->vcpu_info[0].evtchn_upcall_mask == 0,
          "shared_info is not what the page shows now (mask 0x%x)", xenhvm_shared_info->evtchn_mask[0]);
    struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = 0x100000 };
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), -XEN_EINVAL, "shared_info at pfn 0x100000 (4 GiB)");
    x.gpfn = 0xffffffffu;
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), -XEN_EINVAL, "shared_info at pfn 0xffffffff");
    x.gpfn = (uint32_t)&shinfo_page >> 12;
    x.idx = 1;
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), -XEN_EINVAL, "shared_info idx 1");
    x.idx = 0;
    x.space = 77;
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), -XEN_ENOSYS, "space 77");
    x.space = XENMAPSPACE_shared_info;
    x.domid = (domid_t)(xi.domid + 1000);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), -XEN_ESRCH, "another (absent) domain");
    struct xen_add_to_physmap gx = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = 0,
                                     .gpfn = (uint32_t)grant_page >> 12 };
    memset(grant_page, 0xa5, sizeof grant_page);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &gx), 0, "add_to_physmap(grant frame 0)");
    CHECK_EQ(*(volatile uint32_t *)grant_page, 0, "grant entry 0 (a fresh grant frame is zero)");
    gx.idx = 64;
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &gx), -XEN_EINVAL, "grant frame 64 (beyond the maximum)");
    gx.idx = 0x80000000u;
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &gx), -XEN_EINVAL, "grant status frame (v1 has none)");
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1), 0, "GNTTABOP_query_size");
    CHECK(qs.status == 0 && qs.nr_frames >= 1, "query_size status %d frames %u", qs.status, qs.nr_frames);
    CHECK_EQ(HYPERVISOR_mmuext_op(NULL, 0, NULL, DOMID_SELF), -XEN_ENOSYS, "mmuext_op (not in the HVM table)");

    /* 5. the platform device and the upcall */
    int devfn = xenhvm_platform_devfn();
    CHECK(devfn >= 0, "no Xen platform PCI device (5853:0001)");
    uint32_t cls = pci_read32((unsigned)devfn, 8), sub = pci_read32((unsigned)devfn, 0x2c);
    unsigned pin = (pci_read32((unsigned)devfn, 0x3c) >> 8) & 0xff;
    printf("xenhvm: platform device at 00:%02x.%x class %06x rev %u subsystem %08x INT%c#\n", devfn >> 3, devfn & 7,
           cls >> 8, cls & 0xff, sub, 'A' + pin - 1);
    CHECK_EQ(cls, 0xff800001, "class and revision");
    CHECK_EQ(sub, 0x00015853, "subsystem");
    CHECK_EQ(pin, 1, "interrupt pin");
    /* as a BIOS routes it: PIIX3's PIRQ route register for the slot's swizzled pin, and the line register */
    unsigned pirq = ((unsigned)(devfn >> 3) - 1 + pin - 1) & 3;
    pci_write8(0x08, 0x60 + pirq, EVENT_IRQ);
    pci_write8((unsigned)devfn, 0x3c, EVENT_IRQ);
    xenhvm_events_on_irq(EVENT_IRQ);

    evtchn_bind_ipi_t ipi = { .vcpu = 0 };
    CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi), 0, "EVTCHNOP_bind_ipi");
    CHECK(ipi.port < 32, "port %u", ipi.port);
    uint64_t via = CALLBACK_VIA(HVM_PARAM_CALLBACK_TYPE_PCI_INTX, (uint64_t)devfn << 8 | (pin - 1));
    CHECK_EQ(xenhvm_set_param(HVM_PARAM_CALLBACK_IRQ, via), 0, "CALLBACK_IRQ = the platform device's INTx");
    CHECK_EQ(xenhvm_get_param(HVM_PARAM_CALLBACK_IRQ, &v), 0, "get CALLBACK_IRQ");
    CHECK_EQ(v, via, "CALLBACK_IRQ read back");
    CHECK(send_and_wait(ipi.port, "the platform device's INTx") >= 1, "no upcall");
    CHECK(send_and_wait(ipi.port, "the platform device's INTx again") >= 1, "no second upcall");
    /* the GSI form on the same ISA IRQ */
    CHECK_EQ(xenhvm_set_param(HVM_PARAM_CALLBACK_IRQ, CALLBACK_VIA(HVM_PARAM_CALLBACK_TYPE_GSI, EVENT_IRQ)), 0,
             "CALLBACK_IRQ = GSI 11");
    CHECK(send_and_wait(ipi.port, "GSI 11") >= 1, "no upcall by GSI");
    /* the vector form: IRQ 11's vector, delivered without the PIC */
    irq_mask(EVENT_IRQ);
    CHECK_EQ(xenhvm_set_param(HVM_PARAM_CALLBACK_IRQ,
                              CALLBACK_VIA(HVM_PARAM_CALLBACK_TYPE_VECTOR, IRQ_BASE + EVENT_IRQ)), 0,
             "CALLBACK_IRQ = a vector");
    CHECK(send_and_wait(ipi.port, "vector 0x2b") >= 1, "no upcall by vector");
    /* back to the platform device for xenstore's events */
    CHECK_EQ(xenhvm_set_param(HVM_PARAM_CALLBACK_IRQ, via), 0, "CALLBACK_IRQ back to INTx");
    xenhvm_events_on_irq(EVENT_IRQ);

    /* 6. xenstore over the ring (xenstore=off: a hypervisor without xenstored, as the VMM's unit tests) */
    char buf[256], path[64];
    if (!cmdline_get("xenstore", buf, sizeof buf) || strcmp(buf, "off") != 0) {
    CHECK_EQ(xenhvm_xs_init(), 0, "xenstore params");
    snprintf(path, sizeof path, "%u", xi.domid);
    CHECK(xenhvm_xs_request(XS_GET_DOMAIN_PATH, path, strlen(path) + 1, buf, sizeof buf) == 0,
          "GET_DOMAIN_PATH: %s", buf);
    snprintf(path, sizeof path, "/local/domain/%u", xi.domid);
    CHECK(strcmp(buf, path) == 0, "domain path %s", buf);
    static const char wr[] = "data/xenhvm\0written over the ring";
    CHECK(xenhvm_xs_request(XS_WRITE, wr, sizeof wr - 1, buf, sizeof buf) == 0, "XS_WRITE: %s", buf);
    CHECK(xenhvm_xs_request(XS_READ, "data/xenhvm", 12, buf, sizeof buf) == 0, "XS_READ: %s", buf);
    CHECK(strcmp(buf, "written over the ring") == 0, "read back '%s'", buf);
    CHECK(xenhvm_xs_request(XS_READ, "name", 5, buf, sizeof buf) == 0, "XS_READ name: %s", buf);
    printf("xenhvm: xenstore %s/data/xenhvm written and read back; name = %s (upcalls %u)\n", path, buf,
           xenhvm_upcalls);
    CHECK(xenhvm_xs_request(XS_READ, "data/nothing-here", 18, buf, sizeof buf) == -1
          && strcmp(buf, "ERR ENOENT") == 0, "a missing node: %s", buf);
    }

    /* 7. hypercalls from ring 3 */
    uint32_t ret = 0;
    CHECK(pg_init() == 0, "pg_init (identity paging, the hypercall arguments now go through page tables)");
    CHECK(user_init() == 0, "user pages");
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_version, NULL), xi.version, "xen_version with paging on");
    CHECK(user_run(user_vmcall, 0, &ret, NULL) == 0, "VMCALL in ring 3 raised an exception");
    CHECK_EQ((int32_t)ret, -XEN_EPERM, "VMCALL from ring 3");
    CHECK(user_run(user_vmmcall, 0, &ret, NULL) == 0, "VMMCALL in ring 3 raised an exception");
    CHECK_EQ((int32_t)ret, -XEN_EPERM, "VMMCALL from ring 3");
    printf("xenhvm: ring-3 hypercalls refused with -EPERM\n");
    pass();
}
