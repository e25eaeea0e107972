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

/* ------------------------------------------------------------------------
 * F2: every #DB and #AC reaches the trap table
 * ---------------------------------------------------------------------- */

#define DR6_B0 0x1u
#define DR6_BS 0x4000u
#define EFLAGS_TF 0x100u
#define EFLAGS_AC 0x40000u

/* Ring-3 snippets (in the kit's user pages), each labelling where the #DB/#AC frame returns. */
extern char user_popf_tf[], user_popf_tf_after[], user_icebp[], user_icebp_after[], user_misaligned[],
    user_misaligned_insn[];
__asm__(".pushsection .user.text, \"ax\"\n"
        "user_popf_tf:\n\t"
        "pushfl\n\t"
        "orl $0x100, (%esp)\n\t"
        "popfl\n\t"                 /* TF from the next instruction on */
        "nop\n"
        "user_popf_tf_after:\n\t"   /* #DB (single step) after the nop */
        "nop\n\t"
        "int $0x80\n"
        "user_icebp:\n\t"
        ".byte 0xf1\n"              /* INT1 / ICEBP: #DB, no DPL check */
        "user_icebp_after:\n\t"
        "int $0x80\n"
        "user_misaligned:\n\t"
        "pushfl\n\t"
        "orl $0x40000, (%esp)\n\t"
        "popfl\n"                   /* EFLAGS.AC with CR0.AM (Xen sets it): alignment checks */
        "user_misaligned_insn:\n\t"
        "movl 1(%esp), %eax\n\t"    /* #AC(0) */
        "int $0x80\n"
        ".popsection\n");

extern char iret_tf_first[], iret_tf_after[], icebp_k[], icebp_k_after[], bp_insn[];

/* TF set through the iret hypercall (a return to ring 1): #DB after the first instruction. */
static NOINLINE void iret_with_tf(void *arg)
{
    __asm__ volatile("pushfl\n\t"
                     "orl $0x100, (%%esp)\n\t"
                     "pushl %%cs\n\t"
                     "pushl $iret_tf_first\n\t"
                     "jmp hypercall_page + 23 * 32\n"
                     ".globl iret_tf_first\n"
                     "iret_tf_first: nop\n"
                     ".globl iret_tf_after\n"
                     "iret_tf_after: nop" ::: "eax", "memory");
}

static NOINLINE void icebp_kernel(void *arg)
{
    __asm__ volatile(".globl icebp_k\nicebp_k: .byte 0xf1\n.globl icebp_k_after\nicebp_k_after: nop");
}

static NOINLINE void breakpoint_target(void *arg)
{
    __asm__ volatile(".globl bp_insn\nbp_insn: nop\n\tnop");
}

static void expect_db(const char *what, int caught, uint32_t eip, uint32_t dr6_bits)
{
    long dr6 = HYPERVISOR_get_debugreg(6);
    printf("hostile: %-36s vector=%u eip=%#x dr6=%#lx\n", what, rec.vector, rec.eip, dr6);
    CHECK(caught, "%s: no exception", what);
    CHECK_EQ(rec.vector, 1, what);
    CHECK_EQ(rec.eip, eip, what);
    CHECK((dr6 & dr6_bits) == dr6_bits, "%s: DR6 %#lx lacks %#x", what, dr6, dr6_bits);
    CHECK_EQ(HYPERVISOR_set_debugreg(6, 0), 0, "clearing DR6");
}

static void attack_debug(void)
{
    uint32_t ret;
    CHECK_EQ(user_init(), 0, "user_init");

    int r = user_run((void (*)(void))user_popf_tf, 0, &ret, &rec);
    expect_db("TF from ring 3 (popf)", r == -1, (uint32_t)user_popf_tf_after, DR6_BS);
    CHECK(rec.eflags & EFLAGS_TF, "saved EFLAGS lacks TF");
    CHECK_EQ(rec.cs & 3, 3, "#DB from ring 3: saved CS");

    r = trap_try(iret_with_tf, NULL, &rec);
    expect_db("TF through the iret hypercall", r == 1, (uint32_t)iret_tf_after, DR6_BS);
    irq_enable();

    r = trap_try(icebp_kernel, NULL, &rec);
    expect_db("INT1 (icebp) in ring 1", r == 1, (uint32_t)icebp_k_after, 0);
    r = user_run((void (*)(void))user_icebp, 0, &ret, &rec);
    expect_db("INT1 (icebp) in ring 3", r == -1, (uint32_t)user_icebp_after, 0);

    /* DR0 = an instruction, DR7.L0 (execute, 1 byte): a fault before it */
    CHECK_EQ(HYPERVISOR_set_debugreg(0, (uint32_t)bp_insn), 0, "set_debugreg(0)");
    CHECK_EQ(HYPERVISOR_get_debugreg(0), (long)(uint32_t)bp_insn, "get_debugreg(0)");
    CHECK_EQ(HYPERVISOR_set_debugreg(7, 0x1), 0, "set_debugreg(7, L0)");
    r = trap_try(breakpoint_target, NULL, &rec);
    CHECK_EQ(HYPERVISOR_set_debugreg(7, 0), 0, "set_debugreg(7, 0)");
    expect_db("DR0 execute breakpoint", r == 1, (uint32_t)bp_insn, DR6_B0);
    /* Xen's refusals: a breakpoint in the hypervisor hole, DR7.GD, an I/O breakpoint without CR4.DE */
    long e1 = HYPERVISOR_set_debugreg(1, 0xF5800000u);
    long e2 = HYPERVISOR_set_debugreg(7, 0x2000);
    long e3 = HYPERVISOR_set_debugreg(7, 0x2 | 0x20000);
    long e4 = HYPERVISOR_set_debugreg(8, 0);
    printf("hostile: set_debugreg refusals %ld %ld %ld %ld\n", e1, e2, e3, e4);
    CHECK_EQ(e1, -XEN_EPERM, "set_debugreg(1, hole)");
    CHECK_EQ(e2, -XEN_EPERM, "set_debugreg(7, GD)");
    CHECK_EQ(e3, -XEN_EPERM, "set_debugreg(7, I/O breakpoint)");
    CHECK_EQ(e4, -XEN_ENODEV, "set_debugreg(8)");

    r = user_run((void (*)(void))user_misaligned, 0, &ret, &rec);
    printf("hostile: %-36s vector=%u error=%#x eip=%#x\n", "#AC from ring 3", rec.vector, rec.error, rec.eip);
    CHECK(r == -1, "#AC: no exception");
    CHECK_EQ(rec.vector, 17, "#AC vector");
    CHECK_EQ(rec.error, 0, "#AC error code");
    CHECK_EQ(rec.eip, (uint32_t)user_misaligned_insn, "#AC eip");
    printf("hostile: every #DB and #AC reached the trap table\n");
}

/* ------------------------------------------------------------------------ */

void guest_main(void)
{
    char what[32];
    if (!cmdline_get("attack", what, sizeof what))
        fail("no attack= on the command line");
    if (!strcmp(what, "shared_info"))
        attack_shared_info();
    else if (!strcmp(what, "debug"))
        attack_debug();
    else
        fail("unknown attack '%s'", what);
    pass();
}
