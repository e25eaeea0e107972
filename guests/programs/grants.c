/*
 * grants -- grant tables v1 (GNTTABOP_*) from a PV guest, with Domain-0 (the
 * Java host) as the other end. PV only.
 *
 * Command line: [mode=dom0|peer|ring] [domid=<own id>]. The guest learns its own id
 * from EVTCHNOP_status of a port it allocated for DOMID_SELF (Xen resolves the
 * remote domain); domid= only cross-checks it.
 *
 * mode=dom0 (default): the guest sets up its table (query_size, setup_table),
 * maps its grant frame, grants page A read-write (ref 8) and page B read-only
 * (ref 9) to Domain-0, allocates an unbound port for Domain-0 and prints
 * "grants: ready port=P rw=8 ro=9". Then, one event each way per phase:
 *   1. Domain-0 has mapped both and written "DOM0" at A+0: the guest sees
 *      GTF_reading|GTF_writing on ref 8 and GTF_reading on ref 9 (set by the
 *      hypervisor), so it may not end access; it writes "GUEST" at A+100 and
 *      revokes ref 9 anyway (clears GTF_permit_access while it is mapped).
 *   2. Domain-0 has read "GUEST" through its mapping, unmapped, copied B out
 *      and copied 2048 bytes into A+2048 (GNTTABOP_copy): the guest sees the
 *      flags cleared and the copied bytes, and ends access to ref 8.
 * Then the guest checks the operations it makes itself, each with Xen's
 * status: a host mapping of its own grant at a virtual address (read through
 * it, read-only PTE for GNTMAP_readonly, a user PTE for GNTMAP_application_map,
 * GNTMAP_contains_pte, unmap_and_replace, a device map and its bus address,
 * unmap, unmap again GNTST_bad_handle),
 * bad refs, grants to another domain, write maps of read-only grants, copies
 * (own frames, crossing a page, a frame of another domain), swap_grant_ref,
 * transfer of a page to itself, set_version/get_version/get_status_frames,
 * dump_table (-ENOSYS) and XENMEM_add_to_physmap (-EACCES for a PV domain).
 *
 * mode=peer peer=<domid>: grants page A read-write (ref 8, a pattern of
 * fill(1)) and page B read-only (ref 9, fill(0x5a)) to domain peer (an HVM
 * grantee: the kit's hvmmapgrant), prints "grants: peer ready rw=8 ro=9", waits
 * until the peer wrote 0x4856d00d into A's last word through its mapping, checks
 * GTF_reading|GTF_writing on ref 8 and GTF_reading on ref 9, answers
 * 0x600dcafe in A's last word but one, waits until both are
 * unmapped (flags back to permit_access), checks the 1024 bytes the peer
 * copied into A+2048 with GNTTABOP_copy (fill(0x33)) and that page B is as it
 * was (its writes through a read-only mapping went nowhere), ends both grants.
 * With hold=1 (the peer's hvmmapgrant hold=1 keeps both mapped until it is
 * destroyed) it waits, without a time limit, until the flags are back to
 * permit_access after the peer's write, checks page B and ends both grants.
 *
 * mode=ring: grants page A read-write to Domain-0 (ref 8), allocates an
 * unbound port for Domain-0 (masked: a Java frontend playing this guest's part
 * polls the port's pending bit), prints "grants: ring port=P ref=8 mfn=M" and
 * waits in SCHEDOP_block until destroyed.
 */
#include <kit.h>
#include <oxen/pv.h>

#define PAGE 4096
#define SECOND 1000000000ull

static uint8_t page_a[PAGE] ALIGNED(PAGE);
static uint8_t page_b[PAGE] ALIGNED(PAGE);
static uint8_t page_c[PAGE] ALIGNED(PAGE);
static uint8_t gtwin[PAGE] ALIGNED(PAGE);     /* the grant table frame is mapped here */
static uint8_t mapwin[PAGE] ALIGNED(PAGE);    /* grant host mappings land here */
static uint8_t spare[PAGE] ALIGNED(PAGE);     /* unmap_and_replace's new_addr */
static volatile grant_entry_v1_t *gt;
static domid_t self;
static evtchn_port_t port;
static volatile uint32_t received;

static void on_event(evtchn_port_t p, void *data)
{
    (void)p; (void)data;
    received++;
}

static long gnttab(unsigned cmd, void *op, unsigned count)
{
    return HYPERVISOR_grant_table_op(cmd, op, count);
}

static void grant(grant_ref_t ref, domid_t dom, const void *page, uint16_t flags)
{
    gt[ref].domid = dom;
    gt[ref].frame = pv_virt_to_mfn(page);
    __asm__ volatile("" ::: "memory");          /* wmb: x86 keeps stores in order */
    gt[ref].flags = flags;
}

static void wait_event(uint32_t n, const char *what)
{
    uint64_t end = guest_time_ns() + 60 * SECOND;
    while (received < n) {
        CHECK(guest_time_ns() < end, "no event from Domain-0: %s", what);
        cpu_idle();
    }
}

static void setup_table(void)
{
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    CHECK_EQ(gnttab(GNTTABOP_query_size, &q, 1), 0, "query_size");
    CHECK_EQ(q.status, GNTST_okay, "query_size status");
    CHECK_EQ(q.nr_frames, 1, "a new table has one frame");
    CHECK_EQ(q.max_nr_frames, 64, "max_nr_frames");

    uint32_t frames[2] = { 0, 0 };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = (uint32_t)frames };
    CHECK_EQ(gnttab(GNTTABOP_setup_table, &st, 1), 0, "setup_table");
    CHECK_EQ(st.status, GNTST_okay, "setup_table status");
    CHECK(frames[0] != 0, "setup_table gave no frame");
    st.nr_frames = 65;
    CHECK_EQ(gnttab(GNTTABOP_setup_table, &st, 1), 0, "setup_table 65");
    CHECK_EQ(st.status, GNTST_general_error, "more frames than the maximum");
    st.nr_frames = 1;
    CHECK_EQ(gnttab(GNTTABOP_setup_table, &st, 2), -XEN_EINVAL, "setup_table takes one op");
    st.dom = 0;
    CHECK_EQ(gnttab(GNTTABOP_setup_table, &st, 1), 0, "setup_table of Domain-0");
    CHECK_EQ(st.status, GNTST_permission_denied, "another domain's table");
    st.dom = 0x7000;
    CHECK_EQ(gnttab(GNTTABOP_setup_table, &st, 1), 0, "setup_table of nobody");
    CHECK_EQ(st.status, GNTST_bad_domain, "no such domain");

    /* the table's frame is the guest's, writable (never a page table) */
    CHECK_EQ(pv_update_va_mapping((uint32_t)gtwin, ((uint64_t)frames[0] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
                                  UVMF_INVLPG | UVMF_LOCAL), 0, "map the grant table frame");
    gt = (volatile grant_entry_v1_t *)gtwin;
    for (unsigned i = 0; i < PAGE / sizeof(grant_entry_v1_t); i++)
        CHECK_EQ(gt[i].flags, 0, "a new table is empty");
    printf("grants: table frame %u mapped\n", frames[0]);
}

static void fill(uint8_t *p, uint8_t seed)
{
    for (unsigned i = 0; i < PAGE; i++)
        p[i] = (uint8_t)(seed + i * 7);
}

static void with_dom0(void)
{
    fill(page_a, 1);
    fill(page_b, 0x5a);
    grant(8, 0, page_a, GTF_permit_access);
    grant(9, 0, page_b, GTF_permit_access | GTF_readonly);
    CHECK_EQ(evtchn_alloc_unbound(0, &port), 0, "alloc_unbound for Domain-0");
    CHECK_EQ(evtchn_bind_handler(port, 0, on_event, NULL), 0, "bind handler");
    printf("grants: ready port=%u rw=8 ro=9\n", port);

    wait_event(1, "phase 1 (Domain-0 mapped both grants)");
    CHECK_EQ(gt[8].flags, GTF_permit_access | GTF_reading | GTF_writing, "ref 8 while mapped writable");
    CHECK_EQ(gt[9].flags, GTF_permit_access | GTF_readonly | GTF_reading, "ref 9 while mapped read-only");
    CHECK(memcmp(page_a, "DOM0", 4) == 0, "Domain-0's write did not reach page A");
    memcpy(page_a + 100, "GUEST", 5);
    gt[9].flags = 0;                             /* revoke while mapped: nothing changes until unmap */
    printf("grants: phase 1: Domain-0 maps both; ref 9 revoked while mapped\n");
    CHECK_EQ(evtchn_send(port), 0, "send phase 1");

    wait_event(2, "phase 2 (Domain-0 unmapped and copied)");
    CHECK_EQ(gt[8].flags, GTF_permit_access, "ref 8 after unmap and copies: no reading/writing");
    CHECK_EQ(gt[9].flags, 0, "ref 9 stays revoked");
    for (unsigned i = 2048; i < PAGE; i++)
        CHECK_EQ(page_a[i], (uint8_t)(0xc3 ^ i), "byte copied in by Domain-0");
    gt[8].flags = 0;                             /* end access: nothing maps it */
    printf("grants: phase 2: Domain-0 unmapped; its copy arrived; access ended\n");
    CHECK_EQ(evtchn_send(port), 0, "send phase 2");
}

static int16_t map(grant_ref_t ref, domid_t dom, uint32_t flags, void *va, grant_handle_t *h)
{
    struct gnttab_map_grant_ref m = { .host_addr = (uint32_t)va, .flags = flags, .ref = ref, .dom = dom };
    CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, &m, 1), 0, "map_grant_ref");
    if (h)
        *h = m.handle;
    return m.status;
}

static int16_t unmap(void *va, grant_handle_t h)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = (uint32_t)va, .handle = h };
    CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, &u, 1), 0, "unmap_grant_ref");
    return u.status;
}

static int16_t copy(uint32_t su, domid_t sd, uint16_t so, uint32_t du, domid_t dd, uint16_t doff, uint16_t len,
                    uint16_t flags)
{
    struct gnttab_copy c = { .source = { su, sd, so }, .dest = { du, dd, doff }, .len = len, .flags = flags };
    CHECK_EQ(gnttab(GNTTABOP_copy, &c, 1), 0, "copy");
    return c.status;
}

static void own_operations(void)
{
    grant_handle_t h, h2;
    uint64_t orig = *pv_l1e_ptr((uint32_t)mapwin);

    /* a host mapping of its own grant (granted to itself) */
    fill(page_c, 0x33);
    grant(10, self, page_c, GTF_permit_access);
    CHECK_EQ(map(10, self, GNTMAP_host_map, mapwin, &h), GNTST_okay, "host map of own grant");
    CHECK_EQ(gt[10].flags, GTF_permit_access | GTF_reading | GTF_writing, "flags while mapped");
    CHECK((*pv_l1e_ptr((uint32_t)mapwin) >> 12 & 0xFFFFF) == pv_virt_to_mfn(page_c), "PTE maps the frame");
    CHECK(memcmp(mapwin, page_c, PAGE) == 0, "read through the grant mapping");
    mapwin[5] = 0x77;
    CHECK_EQ(page_c[5], 0x77, "write through the grant mapping");
    CHECK_EQ(unmap(mapwin, h), GNTST_okay, "unmap");
    CHECK_EQ(*pv_l1e_ptr((uint32_t)mapwin), 0, "the PTE is gone");
    CHECK_EQ(unmap(mapwin, h), GNTST_bad_handle, "unmapping twice");
    CHECK_EQ(gt[10].flags, GTF_permit_access, "flags after unmap");
    CHECK_EQ(map(10, self, GNTMAP_host_map | GNTMAP_readonly, mapwin, &h2), GNTST_okay, "read-only map");
    CHECK((*pv_l1e_ptr((uint32_t)mapwin) & PTE_RW) == 0, "a read-only grant PTE");
    CHECK_EQ(gt[10].flags, GTF_permit_access | GTF_reading, "flags while mapped read-only");
    CHECK_EQ(unmap(mapwin, h2), GNTST_okay, "unmap read-only");
    /* GNTMAP_application_map: a user-accessible PTE */
    CHECK_EQ(map(10, self, GNTMAP_host_map | GNTMAP_application_map, mapwin, &h), GNTST_okay, "application map");
    CHECK((*pv_l1e_ptr((uint32_t)mapwin) & (PTE_U | PTE_RW)) == (PTE_U | PTE_RW), "a user, writable grant PTE");
    CHECK_EQ(unmap(mapwin, h), GNTST_okay, "unmap application map");

    /* GNTMAP_contains_pte: host_addr is the machine address of the PTE */
    uint64_t pte_ma = pv_l1e_maddr((uint32_t)mapwin);
    CHECK(pte_ma != 0, "no L1 entry for the window");
    struct gnttab_map_grant_ref mp = { .host_addr = pte_ma, .flags = GNTMAP_host_map | GNTMAP_contains_pte,
                                       .ref = 10, .dom = self };
    CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, &mp, 1), 0, "map by PTE address");
    CHECK_EQ(mp.status, GNTST_okay, "map by PTE address status");
    CHECK(memcmp(mapwin, page_c, 64) == 0, "read through the PTE-addressed mapping");
    mp.host_addr = pte_ma + 4;
    CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, &mp, 1), 0, "map by a misaligned PTE address");
    CHECK_EQ(mp.status, GNTST_general_error, "a misaligned PTE address");
    CHECK_EQ(gt[10].flags, GTF_permit_access | GTF_reading | GTF_writing, "the failed map kept the first's flags");

    /* unmap_and_replace: the grant PTE gives way to the entry at new_addr, which is cleared */
    struct gnttab_unmap_and_replace ur = { .host_addr = (uint32_t)mapwin, .new_addr = (uint32_t)spare,
                                           .handle = 0xFFFF };
    CHECK_EQ(gnttab(GNTTABOP_unmap_and_replace, &ur, 1), 0, "unmap_and_replace bad handle");
    CHECK_EQ(ur.status, GNTST_bad_handle, "unmap_and_replace of a bad handle");
    /* move a scratch mapping of page B into a spare window first, so new_addr has an entry */
    uint64_t pte_b = *pv_l1e_ptr((uint32_t)page_b);
    uint64_t spare_orig = *pv_l1e_ptr((uint32_t)spare);
    CHECK_EQ(pv_update_va_mapping((uint32_t)spare, pte_b, UVMF_INVLPG | UVMF_LOCAL), 0, "alias page B");
    ur.new_addr = (uint32_t)spare;
    ur.handle = mp.handle;
    CHECK_EQ(gnttab(GNTTABOP_unmap_and_replace, &ur, 1), 0, "unmap_and_replace of a PTE-addressed map");
    CHECK_EQ(ur.status, GNTST_general_error, "replace is refused for GNTMAP_contains_pte");
    CHECK_EQ(unmap((void *)(uint32_t)pte_ma, mp.handle), GNTST_okay, "unmap by PTE address");
    CHECK_EQ(map(10, self, GNTMAP_host_map, mapwin, &h), GNTST_okay, "map again by address");
    ur.handle = h;
    CHECK_EQ(gnttab(GNTTABOP_unmap_and_replace, &ur, 1), 0, "unmap_and_replace");
    CHECK_EQ(ur.status, GNTST_okay, "unmap_and_replace status");
    CHECK_EQ(*pv_l1e_ptr((uint32_t)spare), 0, "new_addr's entry moved away");
    CHECK((*pv_l1e_ptr((uint32_t)mapwin) >> 12 & 0xFFFFF) == pv_virt_to_mfn(page_b), "the window maps page B now");
    CHECK_EQ(gt[10].flags, GTF_permit_access, "unmapped");
    CHECK_EQ(pv_update_va_mapping((uint32_t)spare, spare_orig, UVMF_INVLPG | UVMF_LOCAL), 0, "restore the spare window");

    /* GNTMAP_device_map: a pin and the bus address, no PTE */
    struct gnttab_map_grant_ref dm = { .flags = GNTMAP_device_map, .ref = 10, .dom = self };
    CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, &dm, 1), 0, "device map");
    CHECK_EQ(dm.status, GNTST_okay, "device map status");
    CHECK_EQ(dm.dev_bus_addr, (uint64_t)pv_virt_to_mfn(page_c) << 12, "the bus address is the frame's");
    CHECK_EQ(gt[10].flags, GTF_permit_access | GTF_reading | GTF_writing, "flags while device-mapped");
    struct gnttab_unmap_grant_ref du = { .dev_bus_addr = dm.dev_bus_addr + PAGE, .handle = dm.handle };
    CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, &du, 1), 0, "device unmap, wrong address");
    CHECK_EQ(du.status, GNTST_general_error, "a bus address that is not the frame's");
    du.dev_bus_addr = dm.dev_bus_addr;
    CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, &du, 1), 0, "device unmap");
    CHECK_EQ(du.status, GNTST_okay, "device unmap status");
    CHECK_EQ(gt[10].flags, GTF_permit_access, "flags after the device unmap");

    CHECK_EQ(pv_update_va_mapping((uint32_t)mapwin, orig, UVMF_INVLPG | UVMF_LOCAL), 0, "restore the window");
    printf("grants: own grant mapped at %p (by address, user, by PTE address, device), read and written, unmapped\n",
           (void *)mapwin);

    /* refusals, each with Xen's status */
    CHECK_EQ(map(9999, self, GNTMAP_host_map, mapwin, NULL), GNTST_bad_gntref, "ref beyond the table");
    CHECK_EQ(map(10, self, 0, mapwin, NULL), GNTST_bad_gntref, "neither host nor device map");
    CHECK_EQ(map(8, 0, GNTMAP_host_map, mapwin, NULL), GNTST_bad_domain, "a grant of Domain-0");
    CHECK_EQ(map(8, 0x7000, GNTMAP_host_map, mapwin, NULL), GNTST_bad_domain, "no such domain");
    grant(11, 0, page_c, GTF_permit_access);
    CHECK_EQ(map(11, self, GNTMAP_host_map, mapwin, NULL), GNTST_general_error, "a grant to another domain");
    grant(12, self, page_c, GTF_permit_access | GTF_readonly);
    CHECK_EQ(map(12, self, GNTMAP_host_map, mapwin, NULL), GNTST_general_error, "read-only grant mapped writable");
    CHECK_EQ(map(13, self, GNTMAP_host_map, mapwin, NULL), GNTST_general_error, "an empty entry");
    CHECK_EQ(map(10, self, GNTMAP_host_map, (void *)0xF5800000u, NULL), GNTST_general_error,
             "host address in the hypervisor hole");
    CHECK_EQ(gt[10].flags, GTF_permit_access, "failed maps leave no flags");
    CHECK_EQ(unmap(mapwin, 12345), GNTST_bad_handle, "unknown handle");

    /* copies */
    fill(page_b, 0x11);
    CHECK_EQ(copy(pv_virt_to_mfn(page_b), DOMID_SELF, 0, pv_virt_to_mfn(page_c), DOMID_SELF, 16, 100, 0), GNTST_okay,
             "copy between own frames");
    CHECK(memcmp(page_c + 16, page_b, 100) == 0, "copied bytes");
    CHECK_EQ(copy(10, DOMID_SELF, 0, pv_virt_to_mfn(page_b), DOMID_SELF, 0, 64, GNTCOPY_source_gref), GNTST_okay,
             "copy from own grant");
    CHECK_EQ(gt[10].flags, GTF_permit_access, "a copy leaves no flags");
    CHECK_EQ(copy(pv_virt_to_mfn(page_b), DOMID_SELF, 4000, pv_virt_to_mfn(page_c), DOMID_SELF, 0, 200, 0),
             GNTST_bad_copy_arg, "source crossing a page");
    CHECK_EQ(copy(pv_virt_to_mfn(page_b), DOMID_SELF, 0, pv_virt_to_mfn(page_c), DOMID_SELF, 4095, 2, 0),
             GNTST_bad_copy_arg, "destination crossing a page");
    CHECK_EQ(copy(pv_virt_to_mfn(page_b), 0, 0, pv_virt_to_mfn(page_c), DOMID_SELF, 0, 8, 0),
             GNTST_permission_denied, "a frame of another domain");
    CHECK_EQ(copy(9999, DOMID_SELF, 0, pv_virt_to_mfn(page_c), DOMID_SELF, 0, 8, GNTCOPY_source_gref),
             GNTST_bad_gntref, "copy from a bad ref");
    CHECK_EQ(copy(pv_virt_to_mfn(page_b), DOMID_SELF, 0, 12, DOMID_SELF, 0, 8, GNTCOPY_dest_gref),
             GNTST_general_error, "copy into a read-only grant");
    CHECK_EQ(copy(1, DOMID_SELF, 0, pv_virt_to_mfn(page_c), DOMID_SELF, 0, 8, 0), GNTST_bad_page,
             "a frame the guest does not own");
    printf("grants: copies and refusals as Xen\n");

    /* swap_grant_ref */
    grant(14, 0, page_b, GTF_permit_access);
    grant(15, 0, page_c, GTF_permit_access | GTF_readonly);
    struct gnttab_swap_grant_ref sw = { 14, 15, 0 };
    CHECK_EQ(gnttab(GNTTABOP_swap_grant_ref, &sw, 1), 0, "swap");
    CHECK_EQ(sw.status, GNTST_okay, "swap status");
    CHECK(gt[14].frame == pv_virt_to_mfn(page_c) && gt[15].frame == pv_virt_to_mfn(page_b), "entries swapped");
    sw.ref_b = 9999;
    CHECK_EQ(gnttab(GNTTABOP_swap_grant_ref, &sw, 1), 0, "swap bad");
    CHECK_EQ(sw.status, GNTST_bad_gntref, "swap with a bad ref");
    gt[14].flags = 0;
    gt[15].flags = 0;

    /* transfer page C to itself through an accept_transfer entry */
    uint32_t pfn = ((uint32_t)page_c - VIRT_BASE) >> 12;
    uint32_t mfn = pv_virt_to_mfn(page_c);
    struct gnttab_transfer tr = { .mfn = mfn, .domid = self, .ref = 16 };
    gt[16].domid = self;
    gt[16].frame = pfn;
    gt[16].flags = GTF_accept_transfer;
    CHECK_EQ(gnttab(GNTTABOP_transfer, &tr, 1), 0, "transfer of a mapped page");
    CHECK_EQ(tr.status, GNTST_bad_page, "a mapped page cannot be transferred");
    uint64_t pte_c = *pv_l1e_ptr((uint32_t)page_c);
    CHECK_EQ(pv_update_va_mapping((uint32_t)page_c, 0, UVMF_INVLPG | UVMF_LOCAL), 0, "unmap page C");
    CHECK_EQ(gnttab(GNTTABOP_transfer, &tr, 1), 0, "transfer");
    CHECK_EQ(tr.status, GNTST_okay, "transfer status");
    CHECK_EQ(gt[16].flags, GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed, "transfer flags");
    CHECK_EQ(gt[16].frame, mfn, "the transferred frame");
    CHECK_EQ(pv_m2p[mfn], pfn, "M2P of the transferred frame");
    CHECK_EQ(pv_update_va_mapping((uint32_t)page_c, pte_c, UVMF_INVLPG | UVMF_LOCAL), 0, "map page C again");
    tr.ref = 17;                                 /* no accept_transfer there: the page is lost, as in Xen */
    struct gnttab_transfer bad = { .mfn = 0x7FFFFFFF, .domid = self, .ref = 16 };
    CHECK_EQ(gnttab(GNTTABOP_transfer, &bad, 1), 0, "transfer of no frame");
    CHECK_EQ(bad.status, GNTST_bad_page, "transfer of an invalid frame");
    printf("grants: page transferred to itself\n");

    /* versions, status frames, dump_table, add_to_physmap */
    struct gnttab_set_version sv = { 2 };
    CHECK_EQ(gnttab(GNTTABOP_set_version, &sv, 1), -XEN_ENOSYS, "set_version 2 (v2 not offered)");
    CHECK_EQ(sv.version, 1, "set_version reports the version in use");
    sv.version = 3;
    CHECK_EQ(gnttab(GNTTABOP_set_version, &sv, 1), -XEN_EINVAL, "set_version 3");
    sv.version = 1;
    CHECK_EQ(gnttab(GNTTABOP_set_version, &sv, 1), 0, "set_version 1");
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    CHECK_EQ(gnttab(GNTTABOP_get_version, &gv, 1), 0, "get_version");
    CHECK_EQ(gv.version, 1, "version 1");
    uint64_t sframes[1];
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF, .frame_list = (uint32_t)sframes };
    CHECK_EQ(gnttab(GNTTABOP_get_status_frames, &gs, 1), 0, "get_status_frames");
    CHECK_EQ(gs.status, GNTST_general_error, "a v1 table has no status frames");
    CHECK_EQ(gnttab(GNTTABOP_dump_table, &gs, 1), -XEN_ENOSYS, "dump_table");
    CHECK_EQ(gnttab(99, &gs, 1), -XEN_ENOSYS, "unknown command");
    CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, &gs, (unsigned)-1), -XEN_EINVAL, "negative count");
    struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .size = 1, .space = XENMAPSPACE_grant_table, .idx = 0,
                                       .gpfn = 0x100 };
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), -XEN_EACCES, "add_to_physmap of a PV domain");
    printf("grants: set_version, get_version, status frames, dump_table, add_to_physmap as Xen\n");
}

static void ring(void)
{
    memset(page_a, 0, PAGE);
    grant(8, 0, page_a, GTF_permit_access);
    CHECK_EQ(evtchn_alloc_unbound(0, &port), 0, "alloc_unbound for Domain-0");
    evtchn_mask(port);                          /* the Java frontend polls its pending bit */
    printf("grants: ring port=%u ref=8 mfn=%u\n", port, pv_virt_to_mfn(page_a));
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* The remote end of a port allocated for DOMID_SELF is the caller's own id. */
static domid_t own_domid(void)
{
    evtchn_port_t p;
    evtchn_status_t st;
    CHECK_EQ(evtchn_alloc_unbound(DOMID_SELF, &p), 0, "alloc_unbound for DOMID_SELF");
    CHECK_EQ(evtchn_status(p, &st), 0, "status");
    CHECK_EQ(st.status, EVTCHNSTAT_unbound, "an unbound port");
    CHECK_EQ(evtchn_close(p), 0, "close");
    return st.u.unbound.dom;
}

static void with_peer(void)
{
    uint32_t peer = cmdline_u32("peer", 0);
    CHECK(peer > 0 && peer < 0x7FF0 && peer != self, "peer=%u: another domain's id is needed", peer);
    fill(page_a, 1);
    fill(page_b, 0x5a);
    grant(8, (domid_t)peer, page_a, GTF_permit_access);
    grant(9, (domid_t)peer, page_b, GTF_permit_access | GTF_readonly);
    printf("grants: peer ready rw=8 ro=9 peer=%u\n", peer);
    volatile uint32_t *last = (volatile uint32_t *)(page_a + PAGE - 4);
    uint64_t end = guest_time_ns() + 300 * SECOND;
    while (*last != 0x4856d00du) {
        CHECK(guest_time_ns() < end, "domain %u never wrote through its mapping of ref 8", peer);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    CHECK_EQ(gt[8].flags, GTF_permit_access | GTF_reading | GTF_writing, "ref 8 while the peer maps it writable");
    CHECK_EQ(gt[9].flags, GTF_permit_access | GTF_readonly | GTF_reading, "ref 9 while the peer maps it read-only");
    printf("grants: the peer wrote through its mapping of ref 8\n");
    if (cmdline_u32("hold", 0)) {
        /* the peer keeps both mapped until it is destroyed: no time limit here */
        printf("grants: the peer holds its mappings\n");
        while ((gt[8].flags | gt[9].flags) & (GTF_reading | GTF_writing))
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        CHECK_EQ(gt[8].flags, GTF_permit_access, "ref 8 once the peer's mapping went");
        CHECK_EQ(gt[9].flags, GTF_permit_access | GTF_readonly, "ref 9 once the peer's mapping went");
        uint8_t ro[PAGE];
        fill(ro, 0x5a);
        CHECK(memcmp(page_b, ro, PAGE) == 0, "page B changed through a read-only grant");
        gt[8].flags = 0;
        gt[9].flags = 0;
        printf("grants: the peer's mappings went without an unmap; both grants ended\n");
        return;
    }
    *(volatile uint32_t *)(page_a + PAGE - 8) = 0x600dcafeu;     /* seen: the peer may unmap */
    while ((gt[8].flags | gt[9].flags) & (GTF_reading | GTF_writing)) {
        CHECK(guest_time_ns() < end, "domain %u never unmapped (flags 0x%x 0x%x)", peer, gt[8].flags, gt[9].flags);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    uint8_t want[PAGE];
    fill(want, 0x33);
    CHECK(memcmp(page_a + 2048, want, 1024) == 0, "the peer's GNTTABOP_copy into ref 8 at 2048");
    fill(want, 0x5a);
    CHECK(memcmp(page_b, want, PAGE) == 0, "page B changed through a read-only grant");
    gt[8].flags = 0;
    gt[9].flags = 0;
    printf("grants: peer unmapped both; its copy arrived; page B unchanged\n");
}

void guest_main(void)
{
    char mode[8] = "dom0";
    irq_disable();
    self = own_domid();
    CHECK(self > 0 && self < 0x7FF0, "own domid %u", self);
    uint32_t id = cmdline_u32("domid", self);
    CHECK_EQ(id, self, "domid= and the id Xen reports");
    cmdline_get("mode", mode, sizeof mode);
    setup_table();
    if (strcmp(mode, "ring") == 0)
        ring();
    if (strcmp(mode, "peer") == 0) {
        with_peer();
        pass();
    }
    CHECK(strcmp(mode, "dom0") == 0, "mode=%s: expected dom0, peer or ring", mode);
    with_dom0();
    own_operations();
    pass();
}
