/*
 * hvmgrant -- an HVM domain grants its pages by GFN (native flavor only), as an
 * HVM kernel's PV frontend does for a backend in Domain-0: its grant frame 0
 * mapped into its physmap with add_to_physmap(XENMAPSPACE_grant_table), its
 * grant entries naming guest frame numbers (translated domains: the
 * hypervisor finds the frame through the P2M).
 *
 *   ref 8:  a data page, read-write for Domain-0 (word 0 "hvmgrant page",
 *           then a pattern of its words);
 *   ref 9:  a second page, read-only for Domain-0;
 *   ref 10: a GFN it gave back (decrease_reservation): a hole;
 *   ref 11: a GFN beyond 4 GiB's last page's reach (0xfffff, never populated).
 *
 * It prints "hvmgrant: ready rw=8 ro=9 hole=10 far=11 gfn=0x..." and waits
 * (pause loop) until Domain-0 has written 0xd0d0d0d0 into the last word of the
 * ref-8 page through its mapping; then, while Domain-0 still holds that
 * mapping, decrease_reservation of that GFN must give nothing back; it sets the
 * page's word 1022 to 0xacce55ed and waits for Domain-0 to unmap (GTF_writing
 * and GTF_reading clear), then passes.
 */
#include <kit.h>
#include <oxen/xenhvm.h>

#define REF_RW 8
#define REF_RO 9
#define REF_HOLE 10
#define REF_FAR 11

static union { grant_entry_v1_t e[512]; uint8_t page[4096]; } gframe __attribute__((aligned(4096)));
static volatile uint32_t data[1024] __attribute__((aligned(4096)));
static volatile uint32_t rodata[1024] __attribute__((aligned(4096)));
static volatile uint32_t given[1024] __attribute__((aligned(4096)));

static uint32_t gfn(const volatile void *p) { return (uint32_t)p >> 12; }

static void grant(unsigned ref, uint32_t frame, uint16_t flags)
{
    volatile grant_entry_v1_t *e = &gframe.e[ref];
    e->domid = 0;
    e->frame = frame;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    e->flags = flags;
}

static long decrease(uint32_t g)
{
    struct xen_memory_reservation r = { .extent_start = (uint32_t)&g, .nr_extents = 1, .extent_order = 0,
                                        .mem_flags = 0, .domid = DOMID_SELF };
    return HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
}

static int wait_for(volatile uint32_t *word, uint32_t want)
{
    for (uint32_t i = 0; i < 400000000u; i++) {
        if (*word == want)
            return 1;
        __asm__ volatile("pause" ::: "memory");
    }
    return 0;
}

void guest_main(void)
{
    struct xenhvm_info xi;
    CHECK(xenhvm_detect(&xi) == 0, "no Xen signature in CPUID 0x40000000..");
    CHECK(xenhvm_init_hypercalls(&xi) == 0, "the hypercall page was not filled");
    struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = 0,
                                    .gpfn = gfn(gframe.page) };
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), 0, "add_to_physmap(grant frame 0)");
    for (unsigned i = 0; i < 16; i++)
        CHECK_EQ(gframe.e[i].flags, 0, "a fresh grant frame");
    memcpy((void *)data, "hvmgrant page", 14);
    for (uint32_t i = 4; i < 1020; i++) {
        data[i] = i * 0x01010101u ^ 0x5a5a0000u;
        rodata[i] = ~data[i];
    }
    given[0] = 1;
    CHECK_EQ(decrease(gfn(given)), 1, "give back the page for the hole");
    grant(REF_RW, gfn(data), GTF_permit_access);
    grant(REF_RO, gfn(rodata), GTF_permit_access | GTF_readonly);
    grant(REF_HOLE, gfn(given), GTF_permit_access);
    grant(REF_FAR, 0xfffffu, GTF_permit_access);
    printf("hvmgrant: ready rw=%u ro=%u hole=%u far=%u gfn=0x%x\n", REF_RW, REF_RO, REF_HOLE, REF_FAR, gfn(data));
    CHECK(wait_for(&data[1023], 0xd0d0d0d0u), "Domain-0 did not write through its mapping of ref %u", REF_RW);
    CHECK(gframe.e[REF_RW].flags & GTF_writing, "ref %u mapped writable without GTF_writing (flags 0x%x)", REF_RW,
          gframe.e[REF_RW].flags);
    CHECK_EQ(decrease(gfn(data)), 0, "decrease_reservation of a page Domain-0 maps");
    CHECK_EQ(data[5], 5 * 0x01010101u ^ 0x5a5a0000u, "the mapped page's data");
    printf("hvmgrant: Domain-0 wrote through ref %u; the mapped page was not given back\n", REF_RW);
    data[1022] = 0xacce55edu;
    for (uint32_t i = 0; i < 400000000u && (gframe.e[REF_RW].flags & (GTF_reading | GTF_writing)); i++)
        __asm__ volatile("pause" ::: "memory");
    CHECK_EQ(gframe.e[REF_RW].flags, GTF_permit_access, "ref 8's flags after Domain-0 unmapped it");
    CHECK_EQ(decrease(gfn(data)), 1, "decrease_reservation of the page once unmapped");
    printf("hvmgrant: unmapped and given back\n");
    pass();
}
