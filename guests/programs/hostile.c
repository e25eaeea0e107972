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
 *   attack=xen_frames     (F1's audit) shared_info, a grant-table frame and
 *       a page vcpu_info moved to, each shaped as a valid table and mapped
 *       read-only: every pin, base pointer, L2/L3 entry, GDT and LDT use is
 *       refused as Xen refuses it (hostile_frames.c).
 *   attack=stale_tlb victim_mfn=N [rounds=R]   (2 vcpus) vcpu 1 stores a
 *       victim PTE into a page through its writable TLB entry while vcpu 0's
 *       one mmu_update makes the page read-only and hooks it as an L1: no
 *       store may land after the validation (hostile_frames.c).
 *   attack=stale_release  UVMF_INVLPG flushes one page (a translation B
 *       unmapped with UVMF_NONE outlives it), and a frame unmapped without
 *       a flush and given back by decrease_reservation is unreachable at
 *       once: a read and a store at its old address fault (hostile_frames.c).
 *   attack=ldt            MMUEXT_SET_LDT on a writable page succeeds (Xen
 *       maps the LDT lazily); a selector from it then faults (#PF at the
 *       LDT address); once the page is read-only the same load works.
 *   attack=long_mmu reqs=N [forever=1]   (F3/F4) one multicall holding one
 *       mmu_update over N requests (a 256 MiB window aliasing one page of
 *       requests that hook and unhook an L1): all N done, and the entry's
 *       count argument shows the hypervisor continued it; forever=1 repeats
 *       it until the domain is destroyed.
 *   attack=callback_cs    callback_op registers the event callback at a
 *       selector of the empty GDT (Xen: 0, selectors are checked when used);
 *       an IPI to itself with events unmasked must then crash the domain
 *       (the upcall cannot enter its callback): reaching the end is FAIL.
 *   attack=stack_hole     stack_switch to a kernel stack in the hypervisor
 *       hole (Xen: 0, the compat layer checks no stack address); the next
 *       trap from ring 3 cannot write its frame there and must crash the
 *       domain: coming back from ring 3 is FAIL.
 *   attack=victim         fills 256 pages with a pattern and checks 16 of
 *       them a round (all every 16 rounds), yielding between rounds, until
 *       destroyed; fails at the first changed word (the victim of
 *       FuzzVmmCampaignTest; the random campaign that was attack=campaign is
 *       the kit's fuzz program now).
 *   attack=debug          (F2) #DB and #AC reach the trap table: TF from
 *       ring 3 via popf, TF through the iret hypercall, INT1 (icebp) in
 *       ring 1 and ring 3, a DR0 execute breakpoint, #AC from ring 3.
 *   attack=bad_gate       set_trap_table takes any gate selector (Xen: 0,
 *       the RPL raised to 1 only); a #UD through a gate at 0xe008 (Xen's own
 *       code segment), 0xFFFF or 0x0800 (beyond the GDT) gets its frame
 *       written and then, as Xen's faulting return to the handler, enters the
 *       failsafe callback with the handler's state (ds es fs gs eip cs eflags
 *       [esp ss]); the test's own failsafe entry checks that frame.
 */
#include <kit.h>
#include <oxen/pv.h>

#define NOINLINE __attribute__((noinline, noclone))

void attack_xen_frames(void);       /* hostile_frames.c */
void attack_stale_tlb(void);        /* hostile_frames.c */
void attack_stale_release(void);    /* hostile_frames.c */

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

/* ------------------------------------------------------------------------
 * A trap gate with an unusable selector: the failsafe callback, as Xen
 * ---------------------------------------------------------------------- */

extern char vector_6[], gate_failsafe[], gate_ud[];
static jmp_buf gate_jb;
static uint32_t gate_frame[9];

_Static_assert(FLAT_RING1_DS == 0xe021, "gate_failsafe loads FLAT_RING1_DS");
__asm__(".text\n"
        "gate_failsafe:\n\t"          /* the data segments are null here */
        "movl %esp, %eax\n\t"
        "movl $0xe021, %ecx\n\t"
        "movw %cx, %ds\n\t"
        "movw %cx, %es\n\t"
        "pushl %eax\n\t"
        "call gate_failsafe_c\n"
        "1: jmp 1b\n");

void gate_failsafe_c(const uint32_t *frame);
void gate_failsafe_c(const uint32_t *frame)
{
    for (unsigned i = 0; i < ARRAY_SIZE(gate_frame); i++)
        gate_frame[i] = frame[i];
    longjmp(gate_jb, 1);
}

/* A #UD at gate_ud; 1 when it came back through gate_failsafe. */
static NOINLINE int ud_to_failsafe(void)
{
    if (setjmp(gate_jb))
        return 1;
    __asm__ volatile(".globl gate_ud\ngate_ud: ud2");
    return 0;
}

static void attack_bad_gate(void)
{
    static const uint16_t selectors[] = {0xe008, 0xffff, 0x0800};
    struct callback_register mine = { CALLBACKTYPE_failsafe, 0, { FLAT_RING1_CS, (uint32_t)gate_failsafe } };
    struct callback_register kit = {
        CALLBACKTYPE_failsafe, CALLBACKF_mask_events, { FLAT_RING1_CS, (uint32_t)failsafe_callback } };

    for (unsigned i = 0; i < ARRAY_SIZE(selectors); i++) {
        uint16_t sel = selectors[i], fixed = (sel & 3) == 0 ? sel | 1 : sel;
        trap_info_t gate[2] = { { VEC_UD, 0, sel, (uint32_t)vector_6 }, { 0, 0, 0, 0 } };
        long rc = HYPERVISOR_set_trap_table(gate);
        printf("hostile: set_trap_table(#UD at %04x:%08x) = %ld (Xen: 0)\n", sel, (uint32_t)vector_6, rc);
        CHECK_EQ(rc, 0, "set_trap_table with an unusable selector");
        CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &mine), 0, "callback_op(failsafe)");
        memset(gate_frame, 0, sizeof gate_frame);
        CHECK(ud_to_failsafe(), "#UD through a gate at %#x returned", sel);
        CHECK_EQ(HYPERVISOR_set_trap_table(pv_trap_table), 0, "restoring the trap table");
        CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &kit), 0, "restoring the kit's failsafe callback");
        /* ds es fs gs, then the handler's eip, cs (mask in 16..23), eflags [, esp, ss] */
        printf("hostile: failsafe frame eip=%#x cs=%#x eflags=%#x%s\n", gate_frame[4], gate_frame[5],
               gate_frame[6], (fixed & 3) == 3 ? " (ring-3 cs: esp/ss follow)" : "");
        CHECK_EQ(gate_frame[4], (uint32_t)vector_6, "failsafe frame: the handler's eip");
        CHECK_EQ(gate_frame[5] & 0xffff, fixed, "failsafe frame: the handler's selector, RPL fixed");
        CHECK(!(gate_frame[6] & EFLAGS_IF) == !!(gate_frame[5] >> 16 & 0xff),
              "failsafe frame: eflags %#x with upcall mask %u (IF is !mask)", gate_frame[6], gate_frame[5] >> 16 & 0xff);
        const uint32_t *ud = (fixed & 3) == 3 ? (const uint32_t *)gate_frame[7] : NULL;
        if (ud) {
            CHECK_EQ(gate_frame[8], FLAT_RING1_SS, "failsafe frame: ss of the handler's stack");
        }
        /* the #UD frame the bounce wrote: right above (or at the esp of a ring-3 frame) */
        uint32_t ud_eip = ud ? ud[0] : gate_frame[7];
        CHECK_EQ(ud_eip, (uint32_t)gate_ud, "the #UD frame written before the failsafe callback");
    }
    printf("hostile: every unusable gate selector entered the failsafe callback\n");
}

/* ------------------------------------------------------------------------
 * MMUEXT_SET_LDT maps the LDT lazily, as Xen
 * ---------------------------------------------------------------------- */

static uint64_t ldt_page[512] ALIGNED(PAGE_SIZE);

static NOINLINE void load_fs_from_ldt(void *arg)
{
    __asm__ volatile("movw $0x0005, %%ax\n\tmovw %%ax, %%fs" ::: "eax");   /* LDT entry 0, RPL 1 */
}

static void attack_callback_cs(void)
{
    struct callback_register cb = { CALLBACKTYPE_event, 0, { 0x1238, (uint32_t)hypervisor_callback } };
    CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0, "callback_op(event, cs 0x1238)");
    evtchn_port_t self;
    CHECK_EQ(evtchn_bind_ipi(0, &self), 0, "bind_ipi(0)");
    CHECK_EQ(evtchn_unmask(self), 0, "unmask");
    printf("hostile: sending an IPI to a vcpu whose event callback selector is unusable: expect a crash\n");
    irq_enable();
    evtchn_send(self);
    HYPERVISOR_xen_version(XENVER_version, NULL);
    fail("the event was delivered through an unusable callback selector");
}

static void attack_stack_hole(void)
{
    CHECK_EQ(user_init(), 0, "user_init");
    CHECK_EQ(HYPERVISOR_stack_switch(FLAT_RING1_SS, 0xF5800000u), 0, "stack_switch(FLAT_RING1_SS, 0xF5800000)");
    printf("hostile: trapping from ring 3 onto a kernel stack in the hole: expect a crash\n");
    uint32_t ret = 0;
    user_run(user_double_plus_one, 20, &ret, NULL);
    fail("ring 3 came back through a kernel stack in the hypervisor hole");
}

static void attack_ldt(void)
{
    ldt_page[0] = 0x00CFB3000000FFFFull;        /* flat data, DPL 1 */
    long rc = pv_mmuext(MMUEXT_SET_LDT, (uint32_t)ldt_page, 1);
    printf("hostile: SET_LDT on a writable page: %ld (Xen: 0)\n", rc);
    CHECK_EQ(rc, 0, "SET_LDT on a writable page");
    int trapped = trap_try(load_fs_from_ldt, NULL, &rec);
    printf("hostile: LDT selector while the page is writable: %s vector=%u cr2=%#x\n",
           trapped ? "trap" : "no trap", rec.vector, rec.cr2);
    CHECK(trapped, "an LDT page that cannot be typed was used");
    CHECK_EQ(rec.vector, 14, "vector of the LDT fault");
    CHECK_EQ(rec.cr2, (uint32_t)ldt_page, "cr2 of the LDT fault (the guest's LDT address)");
    CHECK_EQ(pv_set_page_writable(ldt_page, 0), 0, "LDT page read-only");
    trapped = trap_try(load_fs_from_ldt, NULL, &rec);
    CHECK(!trapped, "LDT selector after the page became read-only: vector %u cr2 %#x", rec.vector, rec.cr2);
    __asm__ volatile("movw %0, %%fs" :: "r"((uint16_t)KERNEL_DS));
    CHECK_EQ(pv_mmuext(MMUEXT_SET_LDT, 0, 0), 0, "SET_LDT(0, 0)");
    printf("hostile: the LDT page was mapped on first use once it could be\n");
}

/* ------------------------------------------------------------------------
 * F3/F4: one multicall of one mmu_update over a huge request stream
 * ---------------------------------------------------------------------- */

#define WINDOW    0xD0000000u       /* 256 MiB: 128 L2 slots on one aliasing L1 */
#define WINDOW_SLOTS 128u
#define WINDOW_REQS (WINDOW_SLOTS * (2u << 20) / 16u)
#define TOGGLE_VA 0xE0000000u       /* the L2 slot the requests hook and unhook */

static mmu_update_t reqs[256] ALIGNED(PAGE_SIZE);
static uint64_t alias_l1[512] ALIGNED(PAGE_SIZE);
static uint64_t spare_l1[512] ALIGNED(PAGE_SIZE);
static multicall_entry_t mc[1];
static unsigned done;

/* Requests at WINDOW + 16 * i for i < WINDOW_REQS (16M): the one request page, mapped 65536 times. */
static void build_request_stream(void)
{
    uint64_t toggle = pv_l2e_maddr(TOGGLE_VA);
    CHECK(toggle != 0, "no L2 for %#x", TOGGLE_VA);
    for (unsigned k = 0; k < 256; k++) {
        reqs[k].ptr = toggle | MMU_NORMAL_PT_UPDATE;
        reqs[k].val = (k & 1) ? 0 : pg_addr(spare_l1) | PTE_P | PTE_RW | PTE_A | PTE_U;
    }
    for (unsigned i = 0; i < 512; i++)
        alias_l1[i] = pg_addr(reqs) | PTE_P | PTE_A;
    CHECK_EQ(pv_set_page_writable(alias_l1, 0), 0, "alias L1 read-only");
    CHECK_EQ(pv_set_page_writable(spare_l1, 0), 0, "spare L1 read-only");
    CHECK_EQ(pv_mmuext(MMUEXT_PIN_L1_TABLE, pv_virt_to_mfn(alias_l1), 0), 0, "pin the alias L1");
    for (unsigned s = 0; s < WINDOW_SLOTS; s++)
        CHECK_EQ(pv_mmu_update(pv_l2e_maddr(WINDOW + (s << 21)), pg_addr(alias_l1) | PTE_P | PTE_RW | PTE_A | PTE_U),
                 0, "hook the alias L1");
}

/* One multicall: mmu_update(WINDOW, n, &done, DOMID_SELF). Returns the entry's count argument after. */
static uint32_t long_multicall(uint32_t n)
{
    mc[0].op = __HYPERVISOR_mmu_update;
    mc[0].result = -1;
    mc[0].args[0] = WINDOW;
    mc[0].args[1] = n;
    mc[0].args[2] = (uint32_t)&done;
    mc[0].args[3] = DOMID_SELF;
    done = 0;
    long rc = HYPERVISOR_multicall(mc, 1);
    CHECK_EQ(rc, 0, "multicall");
    CHECK_EQ(mc[0].result, 0, "mmu_update inside the multicall");
    CHECK_EQ(done, n, "mmu_update's done");
    CHECK_EQ(pg_get(TOGGLE_VA), 0, "toggle slot unhooked at the end");
    return mc[0].args[1];
}

static void attack_long_mmu(void)
{
    uint32_t n = cmdline_u32("reqs", 200000) & ~1u;
    CHECK(n <= WINDOW_REQS, "reqs=%u: at most %u", n, WINDOW_REQS);
    build_request_stream();
    if (cmdline_u32("forever", 0)) {
        printf("hostile: long multicalls running (%u requests each)\n", n);
        for (;;)
            long_multicall(n);
    }
    uint32_t after = long_multicall(n);
    /* a preempted entry carries its last continuation's arguments, as in Xen */
    printf("hostile: %u requests in one multicall entry; its count argument after: %#x (%s)\n", n, after,
           after != n ? "preempted" : "never preempted");
    CHECK(after & 0x80000000u, "the mmu_update inside the multicall was never preempted");
}

/* ------------------------------------------------------------------------
 * The victim of fuzz campaigns (the random campaign itself is the kit's fuzz program)
 * ---------------------------------------------------------------------- */

/* The victim: a pattern over its pages, checked round after round until it is destroyed. */
#define VICTIM_PAGES 256
static uint32_t victim_pages[VICTIM_PAGES][PAGE_SIZE / 4] ALIGNED(PAGE_SIZE);

static uint32_t pattern(uint32_t page, uint32_t word)
{
    uint32_t x = page * 0x9E3779B1u ^ word * 0x85EBCA77u ^ 0x6f78656eu;
    return x ^ (x >> 15);
}

static void attack_victim(void)
{
    for (uint32_t p = 0; p < VICTIM_PAGES; p++)
        for (uint32_t w = 0; w < PAGE_SIZE / 4; w++)
            victim_pages[p][w] = pattern(p, w);
    printf("victim: pattern at %#x, %u pages\n", (uint32_t)victim_pages, VICTIM_PAGES);
    for (uint32_t round = 1;; round++) {
        /* 16 pages a round (all 256 every 16 rounds), so the victim never crowds the attacker out */
        uint32_t first = (round * 16) % VICTIM_PAGES;
        for (uint32_t p = first; p < first + 16; p++)
            for (uint32_t w = 0; w < PAGE_SIZE / 4; w++)
                if (victim_pages[p][w] != pattern(p, w))
                    fail("victim: page %u word %u is %#x, not %#x (round %u)", p, w, victim_pages[p][w],
                         pattern(p, w), round);
        if (round % 1024 == 0)
            printf("victim: round %u intact\n", round);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

/* ------------------------------------------------------------------------ */

void guest_main(void)
{
    char what[32];
    if (!cmdline_get("attack", what, sizeof what))
        fail("no attack= on the command line");
    if (!strcmp(what, "shared_info"))
        attack_shared_info();
    else if (!strcmp(what, "xen_frames"))
        attack_xen_frames();
    else if (!strcmp(what, "stale_tlb"))
        attack_stale_tlb();
    else if (!strcmp(what, "stale_release"))
        attack_stale_release();
    else if (!strcmp(what, "debug"))
        attack_debug();
    else if (!strcmp(what, "ldt"))
        attack_ldt();
    else if (!strcmp(what, "long_mmu"))
        attack_long_mmu();
    else if (!strcmp(what, "callback_cs"))
        attack_callback_cs();
    else if (!strcmp(what, "stack_hole"))
        attack_stack_hole();
    else if (!strcmp(what, "victim"))
        attack_victim();
    else if (!strcmp(what, "bad_gate"))
        attack_bad_gate();
    else
        fail("unknown attack '%s'", what);
    pass();
}
