/*
 * traps -- exceptions and a ring-3 round trip, both flavors.
 *
 * Checks, for each exception, the vector, the error code, the faulting
 * eip (a label on the faulting instruction) and, for #PF, CR2:
 *   #DE (divl by 0), #UD (ud2), #GP(0x000c) (loading an LDT selector with
 *   no LDT), #PF reading unmapped VA 0 (error 0) and writing a read-only
 *   page (error P|W), int3 (eip after the instruction).
 * Two ways back from a handler are exercised: unwinding (trap_try) and
 * resuming through the flavor's iret path (a handler that skips the ud2 /
 * returns after int3), with callee-saved registers intact.
 * Ring 3: enter through iret (PV: the iret hypercall), come back with
 * int $0x80 (IDT gate / trap-table entry with DPL 3) 1000 times; then a
 * privileged instruction (cli -> #GP(0)), a read of a supervisor page
 * (#PF P|U) and a write to a read-only user page (#PF P|W|U) from ring 3.
 * PV only: the saved upcall mask in CS bits 16-23 and EFLAGS.IF = !mask
 * in the exception frame, and CPUID through the forced-emulation prefix.
 * The other vectors, with the error codes the hardware (and Xen, which
 * passes them on) gives: #OF (into, a trap), #BR (bound), #NM (an x87
 * instruction under CR0.TS; PV: Xen clears the virtual TS as it bounces
 * it, native: TS stays set), #MF (fwait after an unmasked x87 divide by
 * zero), #NP and #SS(selector) loading FS and SS with a not-present data
 * segment (PV: an LDT page through MMUEXT_SET_LDT, selector 0x0005, error
 * 0x0004; native: GDT entry 0x30); int3 and into from ring 3.  PV: int3
 * and into from ring 3 reach the trap table even through entries of DPL 0
 * (Xen's own IDT gates for #BP and #OF are DPL 3 and it bounces them as
 * hardware exceptions, never checking the guest's DPL), while int $0x80
 * through DPL 0 is #GP(0x402).  #TS cannot be raised (no task switches,
 * for PV nor for the kit), #XM neither (the CPU offers no SSE).
 */
#include <kit.h>
#ifdef GUEST_PV
#include <oxen/pv.h>
#define KERNEL_RPL 1
#else
#include <oxen/native.h>
#define KERNEL_RPL 0
#endif

/* Snippets carry global labels: they must exist exactly once. */
#define NOINLINE __attribute__((noinline, noclone))

static uint8_t window[PAGE_SIZE] ALIGNED(PAGE_SIZE);
static struct trap_record rec;

static void expect_trap(const char *what, void (*fn)(void *), void *arg,
                        unsigned vector, uint32_t error, const void *eip)
{
    memset(&rec, 0, sizeof rec);
    CHECK(trap_try(fn, arg, &rec), "%s: no exception", what);
    CHECK(rec.vector == vector, "%s: vector %u, expected %u (eip=%#x error=%#x)",
          what, rec.vector, vector, rec.eip, rec.error);
    CHECK(rec.error == error, "%s: error code %#x, expected %#x", what, rec.error, error);
    if (eip)
        CHECK(rec.eip == (uint32_t)eip, "%s: eip %#x, expected %#x", what, rec.eip, (uint32_t)eip);
    CHECK((rec.cs & 3) == KERNEL_RPL, "%s: cs %#x, expected RPL %d", what, rec.cs, KERNEL_RPL);
    printf("traps: %-26s vector=%u error=%#x eip=%#x cr2=%#x ok\n",
           what, rec.vector, rec.error, rec.eip, rec.cr2);
}

/* ---- the faulting snippets (each labels its faulting instruction) ---- */
extern char de_insn[], ud_insn[], gp_insn[], pf_read_insn[], pf_write_insn[];
extern char int3_after[], ud_resume_insn[];

static NOINLINE void do_de(void *arg)
{
    __asm__ volatile("xorl %%edx, %%edx\n\t"
                     "movl $1, %%eax\n\t"
                     "xorl %%ecx, %%ecx\n"
                     ".globl de_insn\n"
                     "de_insn: divl %%ecx" ::: "eax", "ecx", "edx", "cc");
}

static NOINLINE void do_ud(void *arg)
{
    __asm__ volatile(".globl ud_insn\nud_insn: ud2\n\t.byte 0x90, 0x90, 0x90, 0x90");
}

static NOINLINE void do_gp(void *arg)
{
    __asm__ volatile("movw $0x000c, %%ax\n"
                     ".globl gp_insn\n"
                     "gp_insn: movw %%ax, %%fs" ::: "eax");
}

static NOINLINE void do_pf_read(void *arg)
{
    uint32_t v;
    __asm__ volatile(".globl pf_read_insn\npf_read_insn: movl (%1), %0"
                     : "=r"(v) : "r"(arg) : "memory");
}

static NOINLINE void do_pf_write(void *arg)
{
    __asm__ volatile(".globl pf_write_insn\npf_write_insn: movl $0x12345678, (%0)"
                     :: "r"(arg) : "memory");
}

static NOINLINE void do_int3(void *arg)
{
    __asm__ volatile("int3\n.globl int3_after\nint3_after: nop");
}

/* ---- resuming handlers ---------------------------------------------- */
static volatile uint32_t seen_eip, seen_cs, seen_eflags, seen_count;

static int skip_ud2(struct trap_frame *f)
{
    if (f->eip != (uint32_t)ud_resume_insn)
        return 0;
    seen_count++;
    f->eip += 2;
    return 1;
}

static int note_int3(struct trap_frame *f)
{
    seen_count++;
    seen_eip = f->eip;
    seen_cs = f->cs;
    seen_eflags = f->eflags;
    return 1;
}

static void resume_tests(void)
{
    uint32_t esi_out, edi_out, ebx_out;

    trap_set_handler(VEC_UD, skip_ud2);
    seen_count = 0;
    __asm__ volatile("movl $0x13579bdf, %%esi\n\t"
                     "movl $0x2468ace0, %%edi\n\t"
                     "movl $0x0badcafe, %%ebx\n"
                     ".globl ud_resume_insn\n"
                     "ud_resume_insn: ud2\n\t"
                     "movl %%esi, %0\n\t"
                     "movl %%edi, %1\n\t"
                     "movl %%ebx, %2"
                     : "=m"(esi_out), "=m"(edi_out), "=m"(ebx_out) :: "esi", "edi", "ebx", "memory");
    trap_set_handler(VEC_UD, NULL);
    CHECK_EQ(seen_count, 1, "#UD resumed by handler: handler calls");
    CHECK(esi_out == 0x13579bdf && edi_out == 0x2468ace0 && ebx_out == 0x0badcafe,
          "registers not preserved across a resumed #UD: esi=%#x edi=%#x ebx=%#x",
          esi_out, edi_out, ebx_out);
    printf("traps: %-26s registers preserved ok\n", "#UD resumed (iret path)");

    /* int3 with the handler resuming, once with "interrupts" off, once on. */
    trap_set_handler(VEC_BP, note_int3);
    for (int on = 0; on <= 1; on++) {
        seen_count = 0;
        if (on)
            irq_enable();
        do_int3(NULL);
        irq_disable();
        CHECK_EQ(seen_count, 1, "int3 handler calls");
        CHECK(seen_eip == (uint32_t)int3_after, "int3: eip %#x, expected %#x",
              seen_eip, (uint32_t)int3_after);
        CHECK(!!(seen_eflags & EFLAGS_IF) == on,
              "int3 with interrupts %s: saved EFLAGS.IF=%d", on ? "on" : "off",
              !!(seen_eflags & EFLAGS_IF));
#ifdef GUEST_PV
        CHECK(((seen_cs >> 16) & 0xff) == (uint32_t)!on,
              "int3: saved upcall mask in CS bits 16-23 is %u, expected %d",
              (seen_cs >> 16) & 0xff, !on);
#endif
        printf("traps: %-26s eip=%#x eflags=%#x cs=%#x ok\n",
               on ? "int3 resumed, irq on" : "int3 resumed, irq off", seen_eip, seen_eflags, seen_cs);
    }
    trap_set_handler(VEC_BP, NULL);
}

/* ---- ring 3 -------------------------------------------------------- */
static void user_tests(void)
{
    uint32_t ret = 0;
    struct trap_record r;

    CHECK(user_init() == 0, "user_init: cannot make the .user pages ring-3 accessible");
    for (uint32_t i = 0; i < 1000; i++) {
        int rc = user_run(user_double_plus_one, i, &ret, &r);
        CHECK(rc == 0, "ring-3 round trip %u: trap %u at eip %#x (error %#x, cs %#x)",
              i, r.vector, r.eip, r.error, r.cs);
        CHECK(ret == 2 * i + 1, "ring-3 round trip %u: returned %u", i, ret);
    }
    CHECK((r.cs & 3) == 3, "int $0x80 frame: cs %#x is not ring 3", r.cs);
    extern char user_stack_top[];
    CHECK(r.user_esp == (uint32_t)user_stack_top, "int $0x80 frame: user esp %#x, expected %#x",
          r.user_esp, (uint32_t)user_stack_top);
    printf("traps: %-26s 1000 x ok (cs=%#x esp=%#x)\n", "ring-3 round trip", r.cs, r.user_esp);

    CHECK(user_run(user_cli, 0, &ret, &r) < 0, "cli in ring 3 did not trap");
    CHECK(r.vector == VEC_GP && r.error == 0 && (r.cs & 3) == 3 && r.eip == (uint32_t)user_cli,
          "cli in ring 3: vector %u error %#x cs %#x eip %#x, expected #GP(0) at %#x",
          r.vector, r.error, r.cs, r.eip, (uint32_t)user_cli);
    printf("traps: %-26s vector=%u error=%#x ok\n", "ring-3 cli", r.vector, r.error);

    /* window: supervisor-only, then user read-only */
    uint32_t va = (uint32_t)window;
    uint64_t orig = pg_get(va);
    *(volatile uint32_t *)window = 0xfeedf00d;
    CHECK(pg_set(va, (orig | PTE_RW) & ~(uint64_t)PTE_U) == 0, "pg_set(supervisor page)");
    CHECK(user_run(user_load, va, &ret, &r) < 0, "ring 3 read a supervisor page");
    CHECK(r.vector == VEC_PF && (r.error & 7) == (PFEC_P | PFEC_U) && r.cr2 == va,
          "ring-3 read of supervisor page: vector %u error %#x cr2 %#x", r.vector, r.error, r.cr2);
    printf("traps: %-26s error=%#x cr2=%#x ok\n", "ring-3 #PF supervisor page", r.error, r.cr2);

    CHECK(pg_set(va, (orig | PTE_U) & ~(uint64_t)PTE_RW) == 0, "pg_set(user read-only page)");
    CHECK(user_run(user_load, va, &ret, &r) == 0 && ret == 0xfeedf00d,
          "ring 3 could not read its own page (ret %#x, trap %u)", ret, r.vector);
    CHECK(user_run(user_store, va, &ret, &r) < 0, "ring 3 wrote a read-only page");
    CHECK(r.vector == VEC_PF && (r.error & 7) == (PFEC_P | PFEC_W | PFEC_U) && r.cr2 == va,
          "ring-3 write to read-only page: vector %u error %#x cr2 %#x", r.vector, r.error, r.cr2);
    printf("traps: %-26s error=%#x cr2=%#x ok\n", "ring-3 #PF read-only page", r.error, r.cr2);
    CHECK(pg_set(va, orig) == 0, "pg_set(restore)");
}

/* ---- the other vectors ------------------------------------------------ */
#define CR0_NE 0x20u
#define CR0_TS 0x08u
extern char of_after[], br_insn[], nm_insn[], mf_insn[], np_insn[], ss_insn[];
static const int32_t bounds[2] = {0, 10};
#ifdef GUEST_PV
#define NP_SEL 0x0005u                  /* LDT entry 0, RPL 1 */
static uint64_t ldt_page[512] ALIGNED(PAGE_SIZE);
#else
#define NP_SEL 0x0030u                  /* lib/native/desc.c: a not-present ring-0 data segment */
#endif

static NOINLINE void do_of(void *arg)
{
    __asm__ volatile("movl $0x7fffffff, %%eax\n\t"
                     "addl $1, %%eax\n\t"
                     "into\n"
                     ".globl of_after\nof_after: nop" ::: "eax", "cc");
}

static NOINLINE void do_br(void *arg)
{
    __asm__ volatile("movl $11, %%eax\n"
                     ".globl br_insn\nbr_insn: boundl %%eax, %0" :: "m"(bounds) : "eax");
}

static NOINLINE void do_nm(void *arg)
{
    __asm__ volatile(".globl nm_insn\nnm_insn: fninit");
}

static NOINLINE void do_mf(void *arg)
{
    static const uint16_t cw = 0x037b;  /* the default control word, zero-divide unmasked */
    __asm__ volatile("fninit\n\t"
                     "fldcw %0\n\t"
                     "fldz\n\t"
                     "fld1\n\t"
                     "fdivp\n"                  /* 1/0: ZE pending, reported by the next wait */
                     ".globl mf_insn\nmf_insn: fwait" :: "m"(cw));
}

static NOINLINE void do_np(void *arg)
{
    __asm__ volatile("movw %0, %%ax\n"
                     ".globl np_insn\nnp_insn: movw %%ax, %%fs" :: "i"(NP_SEL) : "eax");
}

static NOINLINE void do_ss(void *arg)
{
    __asm__ volatile("movw %0, %%ax\n"
                     ".globl ss_insn\nss_insn: movw %%ax, %%ss" :: "i"(NP_SEL) : "eax");
}

/* Ring-3 int3 / into, each followed by the kit's way back. */
extern char user_int3[], user_int3_after[], user_into[], user_into_after[], user_int80[];
__asm__(".pushsection .user.text, \"ax\"\n"
        "user_int3: int3\n"
        "user_int3_after: int $0x80\n"
        "user_into: movl $0x7fffffff, %eax\n\t"
        "addl $1, %eax\n\t"
        "into\n"
        "user_into_after: int $0x80\n"
        "user_int80: int $0x80\n"
        ".globl user_int3, user_int3_after, user_into, user_into_after, user_int80\n"
        ".popsection\n");

static void expect_user_trap(const char *what, void (*entry)(void), unsigned vector, uint32_t error,
                             const void *eip)
{
    struct trap_record r;
    uint32_t ret = 0;
    CHECK(user_run(entry, 0, &ret, &r) < 0, "%s: no exception", what);
    CHECK(r.vector == vector && r.error == error && r.eip == (uint32_t)eip && (r.cs & 3) == 3,
          "%s: vector %u error %#x eip %#x cs %#x, expected vector %u error %#x eip %#x from ring 3", what,
          r.vector, r.error, r.eip, r.cs, vector, error, (uint32_t)eip);
    printf("traps: %-26s vector=%u error=%#x eip=%#x ok\n", what, r.vector, r.error, r.eip);
}

static void other_vectors(void)
{
    expect_trap("#OF into", do_of, NULL, VEC_OF, 0, of_after);
    expect_trap("#BR bound", do_br, NULL, VEC_BR, 0, br_insn);

    write_cr0(read_cr0() | CR0_TS);
    expect_trap("#NM x87 under CR0.TS", do_nm, NULL, VEC_NM, 0, nm_insn);
#ifdef GUEST_PV
    CHECK(!(read_cr0() & CR0_TS), "#NM: Xen clears the virtual CR0.TS as it bounces #NM (cr0 %#x)", read_cr0());
#else
    CHECK(read_cr0() & CR0_TS, "#NM: the hardware left CR0.TS set (cr0 %#x)", read_cr0());
    __asm__ volatile("clts");
#endif
    CHECK(!trap_try(do_nm, NULL, &rec), "x87 after #NM and TS clear: vector %u", rec.vector);

#ifndef GUEST_PV
    write_cr0(read_cr0() | CR0_NE);     /* #MF, not FERR#: PV vcpus run with NE as Xen's CPUs */
#endif
    expect_trap("#MF fwait after 1/0", do_mf, NULL, VEC_MF, 0, mf_insn);
    __asm__ volatile("fninit");

#ifdef GUEST_PV
    ldt_page[0] = 0x00CF32000000FFFFull;        /* flat data, DPL 1, not present */
    CHECK_EQ(pv_set_page_writable(ldt_page, 0), 0, "LDT page read-only");
    CHECK_EQ(pv_mmuext(MMUEXT_SET_LDT, (uint32_t)ldt_page, 1), 0, "MMUEXT_SET_LDT");
#endif
    expect_trap("#NP not-present data seg", do_np, NULL, VEC_NP, NP_SEL & ~3u, np_insn);
    expect_trap("#SS not-present stack seg", do_ss, NULL, VEC_SS, NP_SEL & ~3u, ss_insn);
#ifdef GUEST_PV
    CHECK_EQ(pv_mmuext(MMUEXT_SET_LDT, 0, 0), 0, "MMUEXT_SET_LDT(none)");
    CHECK_EQ(pv_set_page_writable(ldt_page, 1), 0, "LDT page writable again");
#endif

    expect_user_trap("ring-3 int3", (void (*)(void))user_int3, VEC_BP, 0, user_int3_after);
    expect_user_trap("ring-3 into", (void (*)(void))user_into, VEC_OF, 0, user_into_after);
#ifdef GUEST_PV
    /* Xen bounces #BP and #OF whatever the trap table's DPL; INT n is checked against it */
    extern char vector_3[], vector_4[], vector_128[];
    trap_info_t dpl0[] = {
        { VEC_BP, 0, KERNEL_CS, (uint32_t)vector_3 }, { VEC_OF, 0, KERNEL_CS, (uint32_t)vector_4 },
        { VEC_SYSCALL, 0, KERNEL_CS, (uint32_t)vector_128 }, { 0, 0, 0, 0 } };
    CHECK_EQ(HYPERVISOR_set_trap_table(dpl0), 0, "set_trap_table(#BP, #OF, 0x80 at DPL 0)");
    expect_user_trap("ring-3 int3, gate DPL 0", (void (*)(void))user_int3, VEC_BP, 0, user_int3_after);
    expect_user_trap("ring-3 into, gate DPL 0", (void (*)(void))user_into, VEC_OF, 0, user_into_after);
    expect_user_trap("ring-3 int $0x80, DPL 0", (void (*)(void))user_int80, VEC_GP, 0x80 << 3 | 2, user_int80);
    CHECK_EQ(HYPERVISOR_set_trap_table(pv_trap_table), 0, "restoring the trap table");
#endif
}

#ifdef GUEST_PV
static void forced_emulation_cpuid(void)
{
    uint32_t a, b, c, d;
    char vendor[13];

    __asm__ volatile("ud2a; .ascii \"xen\"; cpuid"
                     : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "0"(0), "2"(0));
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';
    CHECK(a >= 1, "forced-emulation cpuid leaf 0: max leaf %u", a);
    __asm__ volatile("ud2a; .ascii \"xen\"; cpuid"
                     : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "0"(0x40000000), "2"(0));
    char sig[13];
    memcpy(sig, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    sig[12] = '\0';
    for (int i = 0; i < 12; i++)
        if (sig[i] < 32 || sig[i] > 126)
            sig[i] = '.';
    printf("traps: %-26s vendor=\"%s\" hypervisor leaf: eax=%#x \"%s\" ok\n",
           "forced-emulation cpuid", vendor, a, sig);
}
#endif

void guest_main(void)
{
    CHECK(pg_init() == 0, "pg_init failed");

    expect_trap("#DE divl by zero", do_de, NULL, VEC_DE, 0, de_insn);
    expect_trap("#UD ud2", do_ud, NULL, VEC_UD, 0, ud_insn);
    expect_trap("#GP load LDT selector", do_gp, NULL, VEC_GP, 0x000c, gp_insn);
    expect_trap("#PF read unmapped VA 0", do_pf_read, (void *)0, VEC_PF, 0, pf_read_insn);
    CHECK(rec.cr2 == 0, "#PF read: cr2 %#x, expected 0", rec.cr2);

    uint32_t va = (uint32_t)window;
    uint64_t orig = pg_get(va);
    CHECK(orig & PTE_P, "window page not mapped (pte %#llx)", orig);
    CHECK(pg_set(va, orig & ~(uint64_t)PTE_RW) == 0, "pg_set(read-only)");
    memset(&rec, 0, sizeof rec);
    CHECK(trap_try(do_pf_write, window, &rec), "write to a read-only page did not fault");
    CHECK(rec.vector == VEC_PF && (rec.error & 7) == (PFEC_P | PFEC_W) && rec.cr2 == va &&
          rec.eip == (uint32_t)pf_write_insn,
          "#PF write: vector %u error %#x cr2 %#x eip %#x", rec.vector, rec.error, rec.cr2, rec.eip);
    printf("traps: %-26s vector=%u error=%#x eip=%#x cr2=%#x ok\n",
           "#PF write read-only page", rec.vector, rec.error, rec.eip, rec.cr2);
    CHECK(pg_set(va, orig) == 0, "pg_set(restore)");
    CHECK(!trap_try(do_pf_write, window, &rec), "write after restoring RW faulted");

    expect_trap("int3 (unwound)", do_int3, NULL, VEC_BP, 0, int3_after);
    resume_tests();
    user_tests();
    other_vectors();
#ifdef GUEST_PV
    forced_emulation_cpuid();
#endif
    pass();
}
