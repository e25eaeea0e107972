/*
 * hvmmapgrant -- an HVM domain as a grantee (native flavor only): it maps another
 * domain's grants into its own physmap, as an HVM kernel's gntdev or backend
 * does: GNTTABOP_map_grant_ref with GNTMAP_host_map and host_addr a
 * guest-physical address (Xen's create_grant_p2m_mapping: the granted frame
 * appears at that GFN), over pages it gave back first (holes).
 *
 * Command line: granter=<domid>, a domain running the kit's PV
 * `grants mode=peer peer=<this domain>` (ref 8 read-write with fill(1), ref 9
 * read-only with fill(0x5a)); hold=1 (with the granter's hold=1): after step 2
 * it writes 0x4856d00d into W's last word, prints "hvmmapgrant: holding both
 * mappings" and idles with both mapped, for a test that saves or destroys it.
 *  1. gives back two pages of its RAM (decrease_reservation): holes W and R;
 *  2. maps ref 8 at W (retrying while the granter is not there or has not
 *     granted yet) and reads the granter's pattern there; maps ref 9 read-only
 *     at R, reads its pattern; a store at R changes nothing, nor does a
 *     hypercall writing its output there (xen_version);
 *  3. refusals with Xen's statuses: a GFN at 4 GiB, a GFN with RAM (the RAM
 *     page kept), host_map with device_map, ref 9 writable: GNTST_general_error;
 *     unmap of a handle never given: GNTST_bad_handle; unmap of ref 8's handle
 *     at R: GNTST_general_error, still mapped;
 *  4. GNTTABOP_copy with its side by GFN: ref 8's first 1024 bytes into a local
 *     page, 1024 bytes of a local page (fill(0x33)) into ref 8 at 2048; a local
 *     GFN that is a hole, or that holds the grant mapping, is GNTST_bad_page;
 *  5. writes 0x4856d00d into W's last word, waits for the granter's answer
 *     there (it checked its flags meanwhile), unmaps both: W and R read all ones again (holes), and the
 *     same handle again is GNTST_bad_handle.
 */
#include <kit.h>
#include <oxen/xenhvm.h>

#define PAGE 4096
#define REF_RW 8
#define REF_RO 9

static volatile uint8_t win_rw[PAGE] __attribute__((aligned(PAGE)));
static volatile uint8_t win_ro[PAGE] __attribute__((aligned(PAGE)));
static volatile uint8_t ram_page[PAGE] __attribute__((aligned(PAGE)));
static uint8_t local[PAGE] __attribute__((aligned(PAGE)));
static uint8_t want[PAGE];

static uint32_t gfn(const volatile void *p) { return (uint32_t)p >> 12; }

static void fill(uint8_t *p, uint8_t seed)
{
    for (unsigned i = 0; i < PAGE; i++)
        p[i] = (uint8_t)(seed + i * 7);
}

static long decrease(uint32_t g)
{
    struct xen_memory_reservation r = { .extent_start = (uint32_t)&g, .nr_extents = 1, .extent_order = 0,
                                        .mem_flags = 0, .domid = DOMID_SELF };
    return HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
}

static int16_t map(domid_t dom, grant_ref_t ref, uint64_t addr, uint32_t flags, grant_handle_t *handle)
{
    struct gnttab_map_grant_ref m = { .host_addr = addr, .flags = flags, .ref = ref, .dom = dom };
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0, "map_grant_ref hypercall");
    if (m.status == GNTST_okay && handle)
        *handle = m.handle;
    return m.status;
}

static int16_t unmap(uint64_t addr, grant_handle_t handle)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = addr, .handle = handle };
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1), 0, "unmap_grant_ref hypercall");
    return u.status;
}

static int16_t copy(uint32_t su, domid_t sdom, uint16_t soff, uint32_t du, domid_t ddom, uint16_t doff,
                    uint16_t len, uint16_t flags)
{
    struct gnttab_copy c = { .source = { su, sdom, soff }, .dest = { du, ddom, doff }, .len = len, .flags = flags };
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_copy, &c, 1), 0, "copy hypercall");
    return c.status;
}

void guest_main(void)
{
    struct xenhvm_info xi;
    CHECK(xenhvm_detect(&xi) == 0, "no Xen signature in CPUID 0x40000000..");
    CHECK(xenhvm_init_hypercalls(&xi) == 0, "the hypercall page was not filled");
    uint32_t granter = cmdline_u32("granter", 0);
    CHECK(granter > 0 && granter < DOMID_FIRST_RESERVED && granter != xi.domid, "granter=%u: another domain's id",
          granter);
    domid_t g = (domid_t)granter;
    uint64_t w = (uint64_t)gfn(win_rw) << 12, r = (uint64_t)gfn(win_ro) << 12;

    /* 1. holes */
    win_rw[0] = 1;
    win_ro[0] = 1;
    CHECK_EQ(decrease(gfn(win_rw)), 1, "give back W");
    CHECK_EQ(decrease(gfn(win_ro)), 1, "give back R");
    CHECK_EQ(*(volatile uint32_t *)win_rw, 0xffffffffu, "W is a hole");

    /* 2. the grants at W and R */
    grant_handle_t hrw = 0, hro = 0;
    int16_t st = GNTST_general_error;
    for (uint32_t i = 0; i < 2000000u; i++) {
        st = map(g, REF_RW, w, GNTMAP_host_map, &hrw);
        if (st != GNTST_bad_domain && st != GNTST_general_error)
            break;
        __asm__ volatile("pause" ::: "memory");
    }
    CHECK_EQ(st, GNTST_okay, "map ref 8 of the granter at W");
    fill(want, 1);
    CHECK(memcmp((const void *)win_rw, want, 2048) == 0, "the granter's pattern through W (first byte 0x%x)", win_rw[0]);
    CHECK_EQ(map(g, REF_RO, r, GNTMAP_host_map | GNTMAP_readonly, &hro), GNTST_okay, "map ref 9 read-only at R");
    fill(want, 0x5a);
    CHECK(memcmp((const void *)win_ro, want, PAGE) == 0, "the granter's pattern through R");
    win_ro[100] = (uint8_t)~win_ro[100];
    *(volatile uint32_t *)&win_ro[200] = 0xdeadbeefu;
    CHECK(memcmp((const void *)win_ro, want, PAGE) == 0, "a store through the read-only mapping changed the page");
    /* the hypervisor's own stores there are dropped too (Xen's __hvm_copy, p2m_is_discard_write):
     * xen_version's copy_to_guest succeeds and the granter's page keeps its bytes */
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_extraversion, (void *)&win_ro[256]), 0, "xen_version into R");
    CHECK(memcmp((const void *)win_ro, want, PAGE) == 0, "a hypercall's output through the read-only mapping changed the page");
    printf("hvmmapgrant: ref %u of d%u at gfn 0x%x (handle %u), ref %u read-only at gfn 0x%x (handle %u)\n", REF_RW,
           granter, gfn(win_rw), hrw, REF_RO, gfn(win_ro), hro);
    if (cmdline_u32("hold", 0)) {
        /* hold=1: both stay mapped until the domain is saved or destroyed; the granter,
         * told hold=1 too, sees this write and then waits until the mappings go */
        *(volatile uint32_t *)&win_rw[PAGE - 4] = 0x4856d00du;
        printf("hvmmapgrant: holding both mappings\n");
        for (;;)
            cpu_idle();
    }

    /* 3. refusals */
    ram_page[7] = 0x77;
    CHECK_EQ(map(g, REF_RW, 1ull << 32, GNTMAP_host_map, NULL), GNTST_general_error, "a GFN at 4 GiB");
    CHECK_EQ(map(g, REF_RW, (uint64_t)gfn(ram_page) << 12, GNTMAP_host_map, NULL), GNTST_general_error,
             "a GFN with RAM");
    CHECK_EQ(ram_page[7], 0x77, "the RAM page at the refused GFN");
    CHECK_EQ(map(g, REF_RW, (uint64_t)gfn(ram_page) << 12, GNTMAP_host_map | GNTMAP_device_map, NULL),
             GNTST_general_error, "host_map with device_map");
    CHECK_EQ(map(g, REF_RO, (uint64_t)gfn(ram_page) << 12, GNTMAP_host_map, NULL), GNTST_general_error,
             "ref 9 (read-only) mapped writable");
    CHECK_EQ(unmap(w, (grant_handle_t)(hrw + 100)), GNTST_bad_handle, "unmap of a handle never given");
    CHECK_EQ(unmap(r, hrw), GNTST_general_error, "unmap of ref 8's handle at R");
    CHECK(memcmp((const void *)win_ro, want, PAGE) == 0, "R after the refused unmap");
    fill(want, 1);
    CHECK(memcmp((const void *)win_rw, want, 2048) == 0, "W still mapped after the refused unmap");
    printf("hvmmapgrant: refusals: 4 GiB, RAM there, device_map, writable ro, bad handle, wrong address\n");

    /* 4. copies with the local side by GFN */
    memset(local, 0, PAGE);
    CHECK_EQ(copy(REF_RW, g, 0, gfn(local), DOMID_SELF, 0, 1024, GNTCOPY_source_gref), GNTST_okay,
             "copy ref 8 -> local gfn");
    CHECK(memcmp(local, want, 1024) == 0, "the copied bytes from ref 8");
    fill(local, 0x33);
    CHECK_EQ(copy(gfn(local), DOMID_SELF, 0, REF_RW, g, 2048, 1024, GNTCOPY_dest_gref), GNTST_okay,
             "copy local gfn -> ref 8 at 2048");
    CHECK(memcmp((const void *)(win_rw + 2048), local, 1024) == 0, "the copy seen through W");
    CHECK_EQ(copy(0xfffffu, DOMID_SELF, 0, REF_RW, g, 0, 16, GNTCOPY_dest_gref), GNTST_bad_page,
             "copy from an unpopulated GFN");
    CHECK_EQ(copy(REF_RW, g, 0, gfn(win_rw), DOMID_SELF, 0, 16, GNTCOPY_source_gref), GNTST_bad_page,
             "copy into the GFN holding the grant (not a frame of ours)");
    printf("hvmmapgrant: copies by GFN both ways\n");

    /* 5. the granter sees the write, then both unmapped */
    *(volatile uint32_t *)&win_rw[PAGE - 4] = 0x4856d00du;
    uint32_t i = 0;
    while (*(volatile uint32_t *)&win_rw[PAGE - 8] != 0x600dcafeu && i++ < 2000000000u)
        __asm__ volatile("pause" ::: "memory");          /* the granter looks at its flags */
    CHECK_EQ(*(volatile uint32_t *)&win_rw[PAGE - 8], 0x600dcafeu, "the granter's answer through W");
    CHECK_EQ(unmap(w, hrw), GNTST_okay, "unmap W");
    CHECK_EQ(unmap(r, hro), GNTST_okay, "unmap R");
    CHECK_EQ(*(volatile uint32_t *)win_rw, 0xffffffffu, "W is a hole again");
    CHECK_EQ(*(volatile uint32_t *)win_ro, 0xffffffffu, "R is a hole again");
    CHECK_EQ(unmap(w, hrw), GNTST_bad_handle, "unmap of the same handle again");
    printf("hvmmapgrant: unmapped; W and R are holes again\n");
    pass();
}
