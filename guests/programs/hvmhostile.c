/*
 * hvmhostile -- an HVM domain attacking other domains through Xen's HVM hypercalls (native only).
 *
 * victim0=A victim1=B ... (up to 4) name domains that exist (an HVM and a PV one in HvmIsolationTest). Through
 * the hypercall page its MSR fills, the guest aims every hypercall an HVM domain may issue at
 * each victim, and at what is not RAM of its own:
 *   hvm_op get/set_param of the victim's CALLBACK_IRQ, STORE_PFN/EVTCHN, CONSOLE_PFN/EVTCHN;
 *   memory_op add_to_physmap (shared_info, grant frame 0) into the victim, increase/decrease
 *   reservation and populate_physmap for the victim; sched_op remote_shutdown of the victim;
 *   event channels: alloc_unbound for the victim, bind_interdomain to the victim's ports 1..63,
 *   send/close/unmask/status of ports it does not hold; grant tables: setup_table and query_size
 *   for the victim, map and copy of the victim's refs 0..15 (from and to it);
 *   arguments in a device window (the I/O APIC, the local APIC), in the top page, in the hole
 *   between its RAM and the devices, past its RAM; hypercall numbers without a handler (64, 1000, ~0) and the
 * PV-only ones (mmu_update, mmuext_op, update_va_mapping, set_trap_table, domctl, sysctl).
 * Each must fail (a negative return or status): a success is printed and ends in RESULT: FAIL.
 * The last line is "hvmhostile: N hostile calls refused". The Java test then checks that every
 * victim's memory and parameters are unchanged and that the victims and the hypervisor run on.
 */
#include <kit.h>
#include <oxen/xenhvm.h>

#define MAX_VICTIMS 4
#define EVTCHNOP_status_ 5

struct evtchn_status_arg {
    domid_t dom;
    evtchn_port_t port;
    uint32_t status, vcpu, u0, u1;
};

static unsigned refused;
static uint8_t scratch[4096] __attribute__((aligned(4096)));

/* A hostile call's return (or status): it must be negative. */
static void refuse(long ret, const char *what, unsigned victim)
{
    CHECK(ret < 0, "%s against d%u succeeded (%ld)", what, victim, ret);
    refused++;
}

static long hypercall_nr(uint32_t nr, uint32_t a1, uint32_t a2)
{
    long ret;
    /* straight VMCALL without the page (a number the page has no slot for) */
    __asm__ volatile("vmcall" : "=a"(ret), "+b"(a1), "+c"(a2) : "a"(nr) : "memory");
    return ret;
}

static void attack_params(domid_t v)
{
    static const uint32_t params[] = { HVM_PARAM_CALLBACK_IRQ, HVM_PARAM_STORE_PFN, HVM_PARAM_STORE_EVTCHN,
                                       HVM_PARAM_CONSOLE_PFN, HVM_PARAM_CONSOLE_EVTCHN, HVM_PARAM_TIMER_MODE };
    for (unsigned i = 0; i < sizeof params / sizeof params[0]; i++) {
        uint64_t value = 0x1234;
        refuse(xenhvm_param_for(v, HVMOP_get_param, params[i], &value), "hvm_op get_param", v);
        value = params[i] == HVM_PARAM_CALLBACK_IRQ ? (2ull << 56 | 0xf3) : 5;
        refuse(xenhvm_param_for(v, HVMOP_set_param, params[i], &value), "hvm_op set_param", v);
    }
}

static void attack_memory(domid_t v)
{
    struct xen_add_to_physmap x = { .domid = v, .space = XENMAPSPACE_shared_info, .idx = 0,
                                    .gpfn = (uint32_t)scratch >> 12 };
    refuse(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), "add_to_physmap(shared_info)", v);
    x.space = XENMAPSPACE_grant_table;
    refuse(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), "add_to_physmap(grant frame)", v);
    static uint32_t extents[16];
    for (unsigned i = 0; i < 16; i++) extents[i] = 0x100 + i;
    struct xen_memory_reservation r = { .extent_start = (uint32_t)extents, .nr_extents = 16, .domid = v };
    refuse(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r) <= 0 ? -1 : 1, "decrease_reservation", v);
    refuse(HYPERVISOR_memory_op(XENMEM_increase_reservation, &r) <= 0 ? -1 : 1, "increase_reservation", v);
    refuse(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r) <= 0 ? -1 : 1, "populate_physmap", v);
}

static void attack_events(domid_t v, domid_t self)
{
    evtchn_alloc_unbound_t a = { .dom = v, .remote_dom = self };
    refuse(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a), "alloc_unbound", v);
    for (evtchn_port_t p = 1; p < 64; p++) {
        evtchn_bind_interdomain_t b = { .remote_dom = v, .remote_port = p };
        refuse(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &b), "bind_interdomain", v);
    }
    struct evtchn_status_arg st = { .dom = v, .port = 1 };
    refuse(HYPERVISOR_event_channel_op(EVTCHNOP_status_, &st), "evtchn status", v);
}

static void attack_grants(domid_t v)
{
    struct gnttab_setup_table s = { .dom = v, .nr_frames = 1, .frame_list = (uint32_t)scratch };
    long ret = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &s, 1);
    refuse(ret < 0 ? ret : s.status, "setup_table", v);
    for (grant_ref_t ref = 0; ref < 16; ref++) {
        struct gnttab_map_grant_ref m = { .host_addr = (uint32_t)scratch, .flags = GNTMAP_host_map, .ref = ref, .dom = v };
        ret = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
        refuse(ret < 0 ? ret : m.status, "map_grant_ref", v);
        struct gnttab_copy c = { .len = 64, .flags = GNTCOPY_source_gref };
        c.source.u = ref;
        c.source.domid = v;
        c.dest.u = (uint32_t)scratch >> 12;
        c.dest.domid = DOMID_SELF;
        ret = HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1);
        refuse(ret < 0 ? ret : c.status, "grant copy from", v);
        struct gnttab_copy w = { .len = 64, .flags = GNTCOPY_dest_gref };
        w.source.u = (uint32_t)scratch >> 12;
        w.source.domid = DOMID_SELF;
        w.dest.u = ref;
        w.dest.domid = v;
        ret = HYPERVISOR_grant_table_op(GNTTABOP_copy, &w, 1);
        refuse(ret < 0 ? ret : w.status, "grant copy into", v);
    }
}

static void attack_shutdown(domid_t v)
{
    struct { domid_t domain; uint32_t reason; } rs = { v, SHUTDOWN_poweroff };
    refuse(HYPERVISOR_sched_op(4 /* SCHEDOP_remote_shutdown */, &rs), "remote_shutdown", v);
    rs.reason = SHUTDOWN_crash;
    refuse(HYPERVISOR_sched_op(4, &rs), "remote_shutdown(crash)", v);
}

/* Arguments where the guest has no RAM: the hypervisor must not read or write there. */
static void attack_pointers(uint32_t ram_end)
{
    static const uint32_t holes[] = { 0xfec00000u, 0xfee00000u, 0xfffff000u, 0x80000000u };
    for (unsigned i = 0; i < sizeof holes / sizeof holes[0]; i++) {
        refuse(HYPERVISOR_xen_version(1 /* extraversion */, (void *)holes[i]), "xen_version into a hole", 0);
        refuse(HYPERVISOR_hvm_op(HVMOP_get_param, (void *)holes[i]), "hvm_op arg in a hole", 0);
        refuse(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, (void *)holes[i]), "evtchn arg in a hole", 0);
        refuse(HYPERVISOR_grant_table_op(GNTTABOP_copy, (void *)holes[i], 1), "gnttab arg in a hole", 0);
    }
    refuse(HYPERVISOR_xen_version(1, (void *)(ram_end + 0x100000)), "xen_version past RAM", 0);
    refuse(HYPERVISOR_console_io(CONSOLEIO_write, 0x7fffffff, (const char *)0xfee00000u), "console_io", 0);
    static uint32_t extents[4] = { 0x100000, 0x1000000, 0xfffff, 0xffffffffu };
    struct xen_memory_reservation r = { .extent_start = 0xfee00000u, .nr_extents = 0x7fffffff, .domid = DOMID_SELF };
    refuse(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r) <= 0 ? -1 : 1, "populate_physmap from a hole", 0);
    r.extent_start = (uint32_t)extents;
    r.nr_extents = 4;
    refuse(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r) <= 0 ? -1 : 1, "decrease_reservation beyond RAM", 0);
}

static void attack_numbers(void)
{
    static const uint32_t nrs[] = { 64, 1000, 0x7fffffff, 0xffffffffu, 0 /* set_trap_table */, 1 /* mmu_update */,
                                    14 /* update_va_mapping */, 26 /* mmuext_op */, 36 /* domctl */, 35 /* sysctl */ };
    for (unsigned i = 0; i < sizeof nrs / sizeof nrs[0]; i++)
        refuse(hypercall_nr(nrs[i], (uint32_t)scratch, 1), "hypercall number", 0);
}

void guest_main(void)
{
    struct xenhvm_info xi;
    CHECK(xenhvm_detect(&xi) == 0, "no Xen signature in CPUID 0x40000000..");
    CHECK(xenhvm_init_hypercalls(&xi) == 0, "the hypercall page was not filled");
    domid_t victims[MAX_VICTIMS];
    unsigned n = 0;
    static const char *const keys[MAX_VICTIMS] = { "victim0", "victim1", "victim2", "victim3" };
    for (unsigned i = 0; i < MAX_VICTIMS; i++) {
        uint32_t d = cmdline_u32(keys[i], 0xffff);
        if (d != 0xffff) victims[n++] = (domid_t)d;
    }
    CHECK(n > 0, "no victim0= on the command line");
    printf("hvmhostile: d%u attacks %u domains\n", xi.domid, n);
    for (unsigned i = 0; i < n; i++) {
        domid_t v = victims[i];
        CHECK(v != xi.domid, "d%u is itself", v);
        attack_params(v);
        attack_memory(v);
        attack_events(v, (domid_t)xi.domid);
        attack_grants(v);
        attack_shutdown(v);
        printf("hvmhostile: d%u: every call refused\n", v);
    }
    attack_pointers(cmdline_u32("ram_mib", 16) << 20);
    attack_numbers();
    printf("hvmhostile: %u hostile calls refused\n", refused);
    pass();
}
