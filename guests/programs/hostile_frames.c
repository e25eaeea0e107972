/*
 * hostile_frames.c -- attack=xen_frames of the hostile program (issue 24 F1's
 * audit as an attacker tries it): every frame the hypervisor writes on this
 * guest's behalf keeps a writable type for good, so no path can make it a page
 * table or a descriptor page, even once the guest holds no writable mapping of
 * it and has shaped its contents as a valid table.
 *
 * The frames: shared_info, grant-table frame 1 (GNTTABOP_setup_table), the
 * console page while Domain-0 maps it (console_mapped=1: the test maps it before
 * the guest runs, as xenconsoled does) and the page vcpu 0's vcpu_info moves to
 * (VCPUOP_register_vcpu_info).  For each, the guest writes a PAE L3 shape into
 * it (slot 3 = a read-only copy of its kernel L2, slots 0..2 not present: also
 * a valid L1 and descriptor page), maps it read-only and then asks, as Xen's
 * code would be asked (xen/arch/x86/mm.c):
 *
 *   MMUEXT_PIN_L1/L2/L3_TABLE        -EINVAL (get_page_type: type conflict)
 *   MMUEXT_NEW_BASEPTR               -EINVAL (new_guest_cr3)
 *   mmu_update: an L2 entry -> frame -EINVAL (get_page_from_l2e: as an L1)
 *   mmu_update: L3 slot 1 -> frame   -EINVAL (get_page_from_l3e: as an L2)
 *   set_gdt([frame])                 -EINVAL (get_page_and_type seg_desc)
 *   MMUEXT_SET_LDT at its address    0, then a selector from it faults:
 *                                    #PF with CR2 = the LDT address
 *                                    (handle_gdt_ldt_mapping_fault)
 *
 * A step that succeeds is undone at once (unpin, old base pointer, entry
 * cleared) so the program can report every path; the verdict is FAIL then.
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/gnttab.h>

void attack_xen_frames(void);

#define L2_FREE_VA 0xE0000000u          /* a 2 MiB slot of the kernel's L2 the kit never uses */
#define L3_FREE_SLOT 1                  /* 0x40000000..0x7fffffff: nothing mapped there */

static uint64_t kernel_l2_copy[512] ALIGNED(PAGE_SIZE);
static uint8_t vcpu_info_page[PAGE_SIZE] ALIGNED(PAGE_SIZE);
static struct shared_info shared_info_stand_in ALIGNED(PAGE_SIZE);
static struct vcpu_info vcpu_info_stand_in;
static struct trap_record rec;
static unsigned mismatches;

static void expect(const char *frame, const char *what, long rc, long want)
{
    printf("hostile: %-12s %-30s rc=%ld (Xen: %ld)\n", frame, what, rc, want);
    if (rc != want) {
        printf("hostile: %s: %s: the hypervisor answered %ld where Xen answers %ld\n", frame, what, rc, want);
        mismatches++;
    }
}

static long set_gdt(uint32_t mfn, uint32_t entries)
{
    uint32_t frames[1] = { mfn };
    long r;
    uint32_t b = (uint32_t)frames, c = entries;
    __asm__ volatile("int $0x82" : "=a"(r), "+b"(b), "+c"(c) : "0"(__HYPERVISOR_set_gdt) : "memory", "edx");
    return r;
}

static void __attribute__((noinline)) touch_read(void *p)
{
    (void)*(volatile uint32_t *)p;
}

static void __attribute__((noinline)) load_fs_from_ldt(void *arg)
{
    __asm__ volatile("movw $0x0005, %%ax\n\tmovw %%ax, %%fs" ::: "eax");   /* LDT entry 0, RPL 1 */
}

/*
 * The L3 shape: slot 3 the read-only copy of the kernel's L2, slots first..2 not present
 * (shared_info's slot 0 is vcpu_info[0]'s pending and mask bytes: left as they are).
 */
static void shape_as_l3(volatile uint64_t *page, int first)
{
    for (int i = first; i < 3; i++)
        page[i] = 0;
    page[3] = pg_addr(kernel_l2_copy) | PTE_P;
}

/*
 * Every page-table and descriptor path for the frame mfn mapped at va (read-only by now);
 * vi is the vcpu's real vcpu_info (readable), where the #PF bounce leaves CR2.
 */
static void refuse_every_table_use(const char *frame, uint32_t va, uint32_t mfn, volatile struct vcpu_info *vi)
{
    long rc;
    static const struct { unsigned cmd; const char *name; } pins[] = {
        { MMUEXT_PIN_L1_TABLE, "MMUEXT_PIN_L1_TABLE" },
        { MMUEXT_PIN_L2_TABLE, "MMUEXT_PIN_L2_TABLE" },
        { MMUEXT_PIN_L3_TABLE, "MMUEXT_PIN_L3_TABLE" },
    };
    for (unsigned i = 0; i < 3; i++) {
        rc = pv_mmuext(pins[i].cmd, mfn, 0);
        expect(frame, pins[i].name, rc, -XEN_EINVAL);
        if (rc == 0)
            pv_mmuext(MMUEXT_UNPIN_TABLE, mfn, 0);
    }
    uint32_t old_base = pv_cur_l3_mfn;
    rc = pv_mmuext(MMUEXT_NEW_BASEPTR, mfn, 0);
    expect(frame, "MMUEXT_NEW_BASEPTR", rc, -XEN_EINVAL);
    if (rc == 0)
        pv_mmuext(MMUEXT_NEW_BASEPTR, old_base, 0);

    uint64_t l2e = pv_l2e_maddr(L2_FREE_VA);
    CHECK(l2e != 0 && pg_get(L2_FREE_VA) == 0, "the L2 slot of %#x is not free", L2_FREE_VA);
    rc = pv_mmu_update(l2e, ((uint64_t)mfn << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A);
    expect(frame, "mmu_update(L2 entry -> frame)", rc, -XEN_EINVAL);
    if (rc == 0)
        pv_mmu_update(l2e, 0);

    uint64_t l3e = ((uint64_t)pv_cur_l3_mfn << PAGE_SHIFT) + L3_FREE_SLOT * 8;
    CHECK(pv_cur_l3[L3_FREE_SLOT] == 0, "L3 slot %u is not free", L3_FREE_SLOT);
    rc = pv_mmu_update(l3e, ((uint64_t)mfn << PAGE_SHIFT) | PTE_P);
    expect(frame, "mmu_update(L3 slot 1 -> frame)", rc, -XEN_EINVAL);
    if (rc == 0)
        pv_mmu_update(l3e, 0);

    rc = set_gdt(mfn, 512);
    expect(frame, "set_gdt([frame], 512)", rc, -XEN_EINVAL);
    if (rc == 0)
        set_gdt(0, 0);                  /* no GDT frames: the frame's descriptor type goes */

    rc = pv_mmuext(MMUEXT_SET_LDT, va, 1);
    expect(frame, "MMUEXT_SET_LDT(frame's address)", rc, 0);
    int trapped = trap_try(load_fs_from_ldt, NULL, &rec);
    uint32_t cr2 = vi->arch.cr2;
    __asm__ volatile("movw %0, %%fs" :: "r"((uint16_t)KERNEL_DS));
    CHECK_EQ(pv_mmuext(MMUEXT_SET_LDT, 0, 0), 0, "SET_LDT(0, 0)");
    printf("hostile: %-12s LDT selector from it: %s vector=%u cr2=%#x (Xen: #PF at %#x)\n", frame,
           trapped ? "trap" : "no trap", rec.vector, cr2, va);
    if (!trapped || rec.vector != 14 || cr2 != va) {
        printf("hostile: %s: the LDT page was used as a descriptor page where Xen faults\n", frame);
        mismatches++;
    }
}

void attack_xen_frames(void)
{
    uint64_t *l2 = pv_mfn_to_virt((uint32_t)((pv_cur_l3[3] & PTE_ADDR_MASK) >> PAGE_SHIFT));
    CHECK(l2 != NULL, "cannot see the L2 of slot 3");
    for (int i = 0; i < 428; i++)
        kernel_l2_copy[i] = l2[i];
    CHECK_EQ(pv_set_page_writable(kernel_l2_copy, 0), 0, "kernel L2 copy read-only");
    irq_disable();

    /* shared_info (the kit writes a stand-in while the real one is read-only) */
    struct shared_info *si = pv_shared_info;
    uint32_t si_mfn = pv_start_info->shared_info >> PAGE_SHIFT;
    shape_as_l3((volatile uint64_t *)si, 1);    /* vcpu_info[0]'s cr2 and padding: harmless */
    memcpy(&shared_info_stand_in, si, sizeof shared_info_stand_in);
    pv_shared_info = &shared_info_stand_in;
    CHECK_EQ(pv_set_page_writable(si, 0), 0, "shared_info read-only");
    refuse_every_table_use("shared_info", (uint32_t)si, si_mfn, &si->vcpu_info[0]);
    CHECK_EQ(pv_set_page_writable(si, 1), 0, "shared_info writable again");
    ((volatile uint64_t *)si)[3] = 0;
    si->vcpu_info[0].evtchn_upcall_mask = shared_info_stand_in.vcpu_info[0].evtchn_upcall_mask;
    pv_shared_info = si;

    /* grant-table frame 1 (frame 0 starts with the toolstack's console and store grants; the
     * kit hands out no reference here, so entries 512..515 are free for the shape) */
    CHECK_EQ(gnttab_init(), 0, "gnttab_init");
    volatile uint64_t *gt = (volatile uint64_t *)gnttab_entry(PAGE_SIZE / sizeof(grant_entry_v1_t));
    uint32_t gt_mfn = pv_virt_to_mfn((const void *)gt);
    shape_as_l3(gt, 0);
    CHECK_EQ(pv_set_page_writable((const void *)gt, 0), 0, "grant frame read-only");
    refuse_every_table_use("grant frame", (uint32_t)gt, gt_mfn, &si->vcpu_info[0]);
    CHECK_EQ(pv_set_page_writable((const void *)gt, 1), 0, "grant frame writable again");
    gt[3] = 0;

    /* the console page, which Domain-0 maps (the ring stays DISCONNECTED); lent to this
     * attack, so the kit prints through console_io meanwhile, never into the read-only ring */
    if (cmdline_u32("console_mapped", 0)) {
        volatile uint64_t *con = (volatile uint64_t *)console_ring();
        CHECK(con != NULL, "no console ring mapped");
        console_lend_ring(1);
        /* the whole page kept and zeroed (the output written before any backend served the
         * ring sits in out[]: as PTEs it would be refused for its own sake), then put back */
        static uint64_t saved[PAGE_SIZE / sizeof(uint64_t)];
        for (unsigned i = 0; i < PAGE_SIZE / sizeof(uint64_t); i++) {
            saved[i] = con[i];
            con[i] = 0;
        }
        shape_as_l3(con, 0);
        CHECK_EQ(pv_set_page_writable((const void *)con, 0), 0, "console page read-only");
        refuse_every_table_use("console", (uint32_t)con, pv_start_info->console.domU.mfn, &si->vcpu_info[0]);
        CHECK_EQ(pv_set_page_writable((const void *)con, 1), 0, "console page writable again");
        for (unsigned i = 0; i < PAGE_SIZE / sizeof(uint64_t); i++)
            con[i] = saved[i];
        console_lend_ring(0);
    }

    /* the page vcpu 0's vcpu_info moves to (at offset 64, after the shape) */
    shape_as_l3((volatile uint64_t *)vcpu_info_page, 0);
    struct vcpu_info *vi = (struct vcpu_info *)(vcpu_info_page + 64);
    CHECK_EQ(pv_register_vcpu_info(0, vi), 0, "register_vcpu_info(0)");
    memcpy(&vcpu_info_stand_in, vi, sizeof vcpu_info_stand_in);
    pv_vcpu_infos[0] = &vcpu_info_stand_in;
    CHECK_EQ(pv_set_page_writable(vcpu_info_page, 0), 0, "vcpu_info page read-only");
    refuse_every_table_use("vcpu_info", (uint32_t)vcpu_info_page, pv_virt_to_mfn(vcpu_info_page), vi);
    CHECK_EQ(pv_set_page_writable(vcpu_info_page, 1), 0, "vcpu_info page writable again");
    vi->evtchn_upcall_mask = vcpu_info_stand_in.evtchn_upcall_mask;
    pv_vcpu_infos[0] = vi;
    ((volatile uint64_t *)vcpu_info_page)[3] = 0;

    CHECK(mismatches == 0, "%u answers differ from Xen's: a frame the hypervisor writes became a table",
          mismatches);
    printf("hostile: shared_info, the grant frame%s and the vcpu_info page stayed writable pages\n",
           cmdline_u32("console_mapped", 0) ? ", the console page" : "");
}

/* ------------------------------------------------------------------------
 * attack=stale_tlb victim_mfn=N [rounds=R]: a page-table type taken while
 * another vcpu still holds a writable TLB entry for the frame.
 *
 * vcpu 1 keeps storing into page P through its writable mapping: 0, then a
 * PTE of the victim's frame, over and over.  vcpu 0 makes one mmu_update
 * batch of two requests: P's PTE read-only (the last writable mapping goes),
 * then an L2 entry pointing at P (P is validated as an L1: it must hold no
 * foreign frame then).  Xen flushes the domain's TLBs before a frame that was
 * writable takes a page-table type (get_page_type's tlbflush_timestamp check),
 * so vcpu 1's stores can no longer reach P once it is validated.  If one does,
 * the L2 slot maps the victim's frame: the attack reads it and fails.
 * ---------------------------------------------------------------------- */

void attack_stale_tlb(void);

static uint64_t stale_page[512] ALIGNED(PAGE_SIZE);
static volatile uint32_t stale_stop, stale_stores;
static uint64_t stale_victim_pte;

static void __attribute__((noinline)) stale_burst(void *arg)
{
    volatile uint64_t *p = stale_page;
    uint64_t v = stale_victim_pte;
    for (int i = 0; i < 64; i++) {
        p[0] = 0;
        p[0] = v;
    }
    p[0] = 0;
}

/* vcpu 1: stores while its TLB lets it; a #PF (P read-only once the flush reached it) is caught. */
static void stale_writer(void)
{
    static struct trap_record rec1;
    irq_disable();
    while (!stale_stop) {
        trap_try(stale_burst, NULL, &rec1);
        stale_stores++;
    }
    for (;;)
        HYPERVISOR_vcpu_op(VCPUOP_down, 1, NULL);
}

void attack_stale_tlb(void)
{
    uint32_t victim = cmdline_u32("victim_mfn", 0);
    uint32_t rounds = cmdline_u32("rounds", 20000);
    CHECK(victim != 0, "attack=stale_tlb needs victim_mfn=");
    stale_victim_pte = ((uint64_t)victim << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A | PTE_D;
    irq_disable();
    uint64_t pte_ma = pv_l1e_maddr((uint32_t)stale_page);
    uint64_t pte = pg_get((uint32_t)stale_page);
    uint64_t l2e = pv_l2e_maddr(L2_FREE_VA);
    CHECK(pte_ma != 0 && (pte & PTE_RW), "stale_page is not mapped writable");
    CHECK(l2e != 0 && pg_get(L2_FREE_VA) == 0, "the L2 slot of %#x is not free", L2_FREE_VA);
    uint32_t p_mfn = pv_virt_to_mfn(stale_page);

    CHECK_EQ(pv_vcpu_initialise(1, stale_writer), 0, "VCPUOP_initialise(1)");
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0, "VCPUOP_up(1)");
    while (stale_stores < 10)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);

    uint32_t hooked = 0, refused = 0;
    for (uint32_t r = 0; r < rounds; r++) {
        mmu_update_t req[2] = {
            { pte_ma | MMU_NORMAL_PT_UPDATE, pte & ~(uint64_t)PTE_RW },
            { l2e | MMU_NORMAL_PT_UPDATE, ((uint64_t)p_mfn << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A },
        };
        unsigned done = 0;
        long rc = HYPERVISOR_mmu_update(req, 2, &done, DOMID_SELF);
        if (rc == 0) {
            hooked++;
            int mapped = !trap_try(touch_read, (void *)L2_FREE_VA, &rec);
            uint32_t seen = mapped ? *(volatile uint32_t *)L2_FREE_VA : 0;
            CHECK_EQ(pv_mmu_update(l2e, 0), 0, "unhook P");
            if (mapped) {
                stale_stop = 1;
                fail("isolation broken in round %u: a store through a stale TLB entry reached P after it was "
                     "validated; the victim frame %#x was mapped at %#x (first word %#x)", r, victim, L2_FREE_VA,
                     seen);
            }
        } else {
            refused++;              /* P held the victim's PTE when it was validated */
        }
        CHECK_EQ(pv_mmu_update(pte_ma, pte), 0, "P writable again");
    }
    stale_stop = 1;
    printf("hostile: %u rounds: P validated %u times (never with a stale store after), refused %u times; "
           "vcpu 1 ran %u bursts of 129 stores\n", rounds, hooked, refused, stale_stores);
}

/* ------------------------------------------------------------------------
 * attack=stale_release: TLB flushes are only what the guest asks for (as
 * Xen), yet no translation outlives its frame leaving the domain.
 *
 * 1. B unmapped with UVMF_NONE, then A's PTE rewritten with UVMF_INVLPG:
 *    the INVLPG drops A's translation only, so B's still reads (what
 *    hardware does too; the figure shows the flush was one page, not all).
 * 2. A written (its translation cached), unmapped with UVMF_NONE, its frame
 *    given back by decrease_reservation: the frame is free now (another
 *    domain's next), so a read or a store at A must fault -- every vcpu of
 *    the domain flushed before the frame left it (Xen's flush in
 *    alloc_heap_pages, from the page's tlbflush_timestamp).
 * ---------------------------------------------------------------------- */

void attack_stale_release(void);

static uint8_t rel_pages[2][PAGE_SIZE] ALIGNED(PAGE_SIZE);

static void __attribute__((noinline)) touch_write(void *p)
{
    *(volatile uint32_t *)p = 0x5ca1ab1e;
}

void attack_stale_release(void)
{
    static struct trap_record r1, r2;
    uint32_t a = (uint32_t)rel_pages[0], b = (uint32_t)rel_pages[1];
    uint64_t pte_a = pg_get(a), pte_b = pg_get(b);
    uint32_t mfn_a = pv_virt_to_mfn(rel_pages[0]);
    uint32_t pfn_a = (a - VIRT_BASE) >> PAGE_SHIFT;
    CHECK((pte_a & PTE_P) && (pte_b & PTE_P) && pv_p2m[pfn_a] == mfn_a, "A and B are not mapped as the P2M says");
    *(volatile uint32_t *)a = 0x11111111;
    *(volatile uint32_t *)b = 0x22222222;

    CHECK_EQ(pv_update_va_mapping(b, 0, UVMF_NONE), 0, "unmap B without a flush");
    CHECK_EQ(pv_update_va_mapping(a, pte_a, UVMF_INVLPG), 0, "A's PTE again with UVMF_INVLPG");
    int b_stale = !trap_try(touch_read, (void *)b, &r1);
    printf("hostile: B's translation %s the INVLPG of A\n", b_stale ? "outlived" : "did not outlive");
    CHECK_EQ(pv_update_va_mapping(b, pte_b, UVMF_INVLPG), 0, "B mapped again");

    *(volatile uint32_t *)a = 0x33333333;
    CHECK_EQ(pv_update_va_mapping(a, 0, UVMF_NONE), 0, "unmap A without a flush");
    uint32_t list[1] = { mfn_a };
    struct xen_memory_reservation r = { (uint32_t)list, 1, 0, 0, DOMID_SELF };
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1, "decrease_reservation of A's frame");
    pv_set_p2m(pfn_a, INVALID_P2M_ENTRY);
    int read = !trap_try(touch_read, (void *)a, &r1);
    int wrote = !trap_try(touch_write, (void *)a, &r2);
    if (read || wrote)
        fail("isolation broken: after frame %#x left the domain a stale translation at %#x still %s it", mfn_a, a,
             read && wrote ? "read and wrote" : read ? "read" : "wrote");
    CHECK(r1.vector == 14 && r2.vector == 14, "A faulted with vectors %u and %u, not #PF", r1.vector, r2.vector);
    printf("hostile: frame %#x left the domain; a read and a store at %#x then faulted (#PF)\n", mfn_a, a);
}
