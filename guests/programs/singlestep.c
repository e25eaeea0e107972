/*
 * singlestep -- EFLAGS.TF single-stepping in both rings, both flavors
 * (issue 24 F2: a ring-3 popf with TF used to kill a PV domain).
 *
 * A #DB handler (resuming, so execution goes on with TF still set in the
 * frame) records every single-step trap: the eip it returns to, the ring of
 * the saved CS, ecx and DR6 (PV: get_debugreg(6), as Xen reports it; native:
 * MOV from DR6), and clears DR6 again.  Each stepped snippet labels its
 * instructions; the list of eips the traps must report is exact:
 *   - the kernel's ring (PV: ring 1; native: ring 0): TF set by popf (no trap
 *     after that popf: TF was clear when it began), straight-line code, a
 *     taken jmp, call and ret, a rep movsb of 3 bytes (one trap per
 *     iteration: eip stays on the rep while ecx is 2, then 1, then moves on
 *     with ecx 0), and the popf clearing TF (which still traps: TF was set
 *     when it began); PV also steps through a hypercall (int $0x82 returns
 *     with TF as it was: no trap after the int, the next one after the
 *     hypercall page's ret); instructions the hypervisor completes for the
 *     guest (PV: MOV from CR0, the forced-emulation CPUID; native: IN, an
 *     I/O exit under HVM) still trap after themselves;
 *   - ring 3, the same snippet (PV: every trap is a bounce from ring 3 to the
 *     trap table on the stack_switch stack, every resume the iret hypercall
 *     back to ring 3 with TF);
 *   - TF set by the return itself (PV: the iret hypercall; native: iret),
 *     into the kernel's ring and into ring 3: the first trap comes after the
 *     first instruction there.
 * Every trap must say DR6.BS and none of B0-B3.  steps=N repeats the whole
 * set N times (default 1).
 */
#include <kit.h>
#ifdef GUEST_PV
#include <oxen/pv.h>
#define KERNEL_RPL 1
#else
#include <oxen/native.h>
#define KERNEL_RPL 0
#endif

#define NOINLINE __attribute__((noinline, noclone))
#define DR6_BS 0x4000u
#define DR6_B0_3 0xfu
#define EFLAGS_TF 0x100u
#define MAX_STEPS 32

struct step { uint32_t eip, cs, ecx, dr6; };
static struct step steps[MAX_STEPS];
static volatile uint32_t nsteps;

static uint32_t dr6_read(void)
{
#ifdef GUEST_PV
    return (uint32_t)HYPERVISOR_get_debugreg(6);
#else
    uint32_t v;
    __asm__ volatile("movl %%dr6, %0" : "=r"(v));
    return v;
#endif
}

static void dr6_clear(void)
{
#ifdef GUEST_PV
    CHECK_EQ(HYPERVISOR_set_debugreg(6, 0), 0, "set_debugreg(6, 0)");
#else
    __asm__ volatile("movl %0, %%dr6" :: "r"(0));
#endif
}

/* The #DB handler: note the trap and resume (TF stays set in the frame). */
static int on_debug(struct trap_frame *f)
{
    uint32_t i = nsteps;
    if (i < MAX_STEPS) {
        steps[i].eip = f->eip;
        steps[i].cs = f->cs & 0xffff;
        steps[i].ecx = f->ecx;
        steps[i].dr6 = dr6_read();
    } else {
        f->eflags &= ~EFLAGS_TF;    /* a runaway: stop stepping, the count says it */
    }
    nsteps = i + 1;
    dr6_clear();
    return 1;
}

/* One expected trap: where it returns to, and ecx there (~0u: any). */
struct expect { const void *eip; uint32_t ecx; };
#define ANY_ECX 0xffffffffu

static void check_steps(const char *what, const struct expect *e, uint32_t n, uint32_t rpl)
{
    uint32_t got = nsteps;
    if (got != n) {
        for (uint32_t i = 0; i < got && i < MAX_STEPS; i++)
            printf("singlestep: %s: #DB %u eip=%#x cs=%#x ecx=%#x dr6=%#x\n", what, i, steps[i].eip,
                   steps[i].cs, steps[i].ecx, steps[i].dr6);
        fail("%s: %u #DB traps, expected %u", what, got, n);
    }
    for (uint32_t i = 0; i < n; i++) {
        const struct step *s = &steps[i];
        CHECK(s->eip == (uint32_t)e[i].eip, "%s: #DB %u returns to %#x, expected %#x", what, i, s->eip,
              (uint32_t)e[i].eip);
        CHECK((s->cs & 3) == rpl, "%s: #DB %u saved cs %#x, expected ring %u", what, i, s->cs, rpl);
        CHECK(e[i].ecx == ANY_ECX || s->ecx == e[i].ecx, "%s: #DB %u ecx %#x, expected %#x", what, i, s->ecx,
              e[i].ecx);
        CHECK((s->dr6 & DR6_BS) && !(s->dr6 & DR6_B0_3), "%s: #DB %u DR6 %#x: expected BS and no B0-B3", what,
              i, s->dr6);
    }
    printf("singlestep: %-34s %2u #DB ok (ring %u, first eip %#x, last %#x)\n", what, n, rpl,
           steps[0].eip, steps[n - 1].eip);
}

static void reset_steps(void)
{
    nsteps = 0;
    memset(steps, 0, sizeof steps);
}

/* ---- the kernel's ring ------------------------------------------------ */
extern char k_2[], k_3[], k_5[], k_6[], k_7[], k_8[], k_9[], k_10[], k_11[], k_12[], k_end[], k_fn[];
static uint8_t copy_src[4] = {1, 2, 3, 4}, copy_dst[4];

static NOINLINE void kernel_steps(void *arg)
{
    void *src = copy_src, *dst = copy_dst;
    __asm__ volatile("pushfl\n\t"
                     "orl $0x100, (%%esp)\n\t"
                     "popfl\n\t"                 /* TF from the next instruction on */
                     "movl $1, %%eax\n"          /* k_1 */
                     ".globl k_2\nk_2: addl $2, %%eax\n"
                     ".globl k_3\nk_3: jmp k_5\n\t"
                     "ud2\n"
                     ".globl k_5\nk_5: call k_fn\n"
                     ".globl k_6\nk_6: movl %%eax, %%edx\n"
                     ".globl k_7\nk_7: cld\n"
                     ".globl k_8\nk_8: movl $3, %%ecx\n"
                     ".globl k_9\nk_9: rep movsb\n"
                     ".globl k_10\nk_10: pushfl\n"
                     ".globl k_11\nk_11: andl $~0x100, (%%esp)\n"
                     ".globl k_12\nk_12: popfl\n"     /* still traps: TF was set when it began */
                     ".globl k_end\nk_end: jmp 1f\n"
                     ".globl k_fn\nk_fn: ret\n"
                     "1:"
                     : "+S"(src), "+D"(dst) :: "eax", "ecx", "edx", "cc", "memory");
}

static const struct expect kernel_expect[] = {
    {k_2, ANY_ECX}, {k_3, ANY_ECX}, {k_5, ANY_ECX}, {k_fn, ANY_ECX}, {k_6, ANY_ECX}, {k_7, ANY_ECX},
    {k_8, ANY_ECX}, {k_9, 3}, {k_9, 2}, {k_9, 1}, {k_10, 0}, {k_11, ANY_ECX}, {k_12, ANY_ECX},
    {k_end, ANY_ECX},
};

/* TF set by the return itself: iret (native) / the iret hypercall (PV) into the kernel's ring. */
extern char ki_2[], ki_3[], ki_4[], ki_end[];
static NOINLINE void kernel_iret_tf(void *arg)
{
    __asm__ volatile("pushfl\n\t"
                     "orl $0x100, (%%esp)\n\t"
                     "pushl %%cs\n\t"
                     "pushl $ki_1\n\t"
#ifdef GUEST_PV
                     "jmp hypercall_page + 23 * 32\n"   /* __HYPERVISOR_iret */
#else
                     "iret\n"
#endif
                     "ki_1: nop\n"
                     ".globl ki_2\nki_2: pushfl\n"
                     ".globl ki_3\nki_3: andl $~0x100, (%%esp)\n"
                     ".globl ki_4\nki_4: popfl\n"
                     ".globl ki_end\nki_end: nop"
                     ::: "eax", "cc", "memory");
}

static const struct expect kernel_iret_expect[] = {
    {ki_2, ANY_ECX}, {ki_3, ANY_ECX}, {ki_4, ANY_ECX}, {ki_end, ANY_ECX},
};

#ifdef GUEST_PV
/* A hypercall while stepping: int $0x82 returns with TF as it was and no trap of its own. */
extern char kh_ret[], kh_2[], kh_3[], kh_end[];
static NOINLINE void kernel_hypercall_steps(void *arg)
{
    __asm__ volatile("xorl %%ebx, %%ebx\n\t"             /* XENVER_version */
                     "pushfl\n\t"
                     "orl $0x100, (%%esp)\n\t"
                     "popfl\n\t"
                     "call hypercall_page + 17 * 32\n"  /* __HYPERVISOR_xen_version */
                     ".globl kh_ret\nkh_ret: pushfl\n"
                     ".globl kh_2\nkh_2: andl $~0x100, (%%esp)\n"
                     ".globl kh_3\nkh_3: popfl\n"
                     ".globl kh_end\nkh_end: nop"
                     ::: "eax", "ebx", "ecx", "edx", "esi", "edi", "cc", "memory");
}

extern char hypercall_page[];
#define HC(slot, off) ((const char *)hypercall_page + (slot) * 32 + (off))
static const struct expect kernel_hypercall_expect[] = {
    {HC(17, 0), ANY_ECX},           /* after the call: mov $17, %eax */
    {HC(17, 5), ANY_ECX},           /* after the mov: int $0x82 (which itself reports none) */
    {kh_ret, ANY_ECX},              /* after the page's ret */
    {kh_2, ANY_ECX}, {kh_3, ANY_ECX}, {kh_end, ANY_ECX},
};
#endif

/*
 * An instruction the hypervisor completes for the guest (PV: MOV from CR0 and the
 * forced-emulation CPUID, emulated on their #GP / #UD; native: IN, an I/O exit of an
 * HVM domain) still ends in its single-step trap, as the hardware's own would (Xen:
 * pv_emul_instruction_done and the emulator's pending_dbg inject #DB with DR6.BS).
 */
extern char ke_2[], ke_3[], ke_4[], ke_5[], ke_end[];
static NOINLINE void kernel_emulated_steps(void *arg)
{
    __asm__ volatile("xorl %%eax, %%eax\n\t"
                     "xorl %%ecx, %%ecx\n\t"
                     "pushfl\n\t"
                     "orl $0x100, (%%esp)\n\t"
                     "popfl\n\t"
#ifdef GUEST_PV
                     "ud2a; .ascii \"xen\"; cpuid\n"    /* ke_1: forced emulation */
                     ".globl ke_2\nke_2: movl %%cr0, %%eax\n"
#else
                     "inb $0x80, %%al\n"                /* ke_1: an I/O exit */
                     ".globl ke_2\nke_2: inb $0x80, %%al\n"
#endif
                     ".globl ke_3\nke_3: pushfl\n"
                     ".globl ke_4\nke_4: andl $~0x100, (%%esp)\n"
                     ".globl ke_5\nke_5: popfl\n"
                     ".globl ke_end\nke_end: nop"
                     ::: "eax", "ebx", "ecx", "edx", "cc", "memory");
}

static const struct expect kernel_emulated_expect[] = {
    {ke_2, ANY_ECX}, {ke_3, ANY_ECX}, {ke_4, ANY_ECX}, {ke_5, ANY_ECX}, {ke_end, ANY_ECX},
};

/* ---- ring 3 ------------------------------------------------------------ */
extern char u_steps[], u_2[], u_3[], u_5[], u_6[], u_7[], u_8[], u_9[], u_10[], u_11[], u_12[], u_end[], u_fn[];
extern char u_iret_tf[], ui_2[], ui_3[], ui_4[], ui_end[];
__asm__(".pushsection .user.text, \"ax\"\n"
        "u_steps:\n\t"
        "pushfl\n\t"
        "orl $0x100, (%esp)\n\t"
        "popfl\n\t"
        "movl $1, %eax\n"                   /* u_1 */
        "u_2: addl $2, %eax\n"
        "u_3: jmp u_5\n\t"
        "ud2\n"
        "u_5: call u_fn\n"
        "u_6: movl %esp, %esi\n"
        "u_7: leal -16(%esp), %edi\n"
        "u_8: movl $3, %ecx\n"
        "u_9: rep movsb\n"
        "u_10: pushfl\n"
        "u_11: andl $~0x100, (%esp)\n"
        "u_12: popfl\n"
        "u_end: int $0x80\n"
        "u_fn: ret\n"
        /* entered with TF already set (see enter_user_tf) */
        "u_iret_tf: movl $5, %eax\n"
        "ui_2: pushfl\n"
        "ui_3: andl $~0x100, (%esp)\n"
        "ui_4: popfl\n"
        "ui_end: int $0x80\n"
        ".globl u_steps, u_2, u_3, u_5, u_6, u_7, u_8, u_9, u_10, u_11, u_12, u_end, u_fn\n"
        ".globl u_iret_tf, ui_2, ui_3, ui_4, ui_end\n"
        ".popsection\n");

static const struct expect user_expect[] = {
    {u_2, ANY_ECX}, {u_3, ANY_ECX}, {u_5, ANY_ECX}, {u_fn, ANY_ECX}, {u_6, ANY_ECX}, {u_7, ANY_ECX},
    {u_8, ANY_ECX}, {u_9, 3}, {u_9, 2}, {u_9, 1}, {u_10, 0}, {u_11, ANY_ECX}, {u_12, ANY_ECX},
    {u_end, ANY_ECX},
};

static const struct expect user_iret_expect[] = {
    {ui_2, ANY_ECX}, {ui_3, ANY_ECX}, {ui_4, ANY_ECX}, {ui_end, ANY_ECX},
};

/* Enter ring 3 at entry with EFLAGS.TF set by the return itself. */
extern char user_stack_top[];
static NOINLINE void enter_user_tf(void *entry)
{
    __asm__ volatile("movl %1, %%eax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "pushl %1\n\t"               /* ss */
                     "pushl %2\n\t"               /* esp */
                     "pushl $0x102\n\t"           /* eflags: TF, IF=0 (events masked in ring 3) */
                     "pushl %3\n\t"               /* cs */
                     "pushl %0\n\t"               /* eip */
                     "xorl %%eax, %%eax\n\t"
#ifdef GUEST_PV
                     "jmp hypercall_page + 23 * 32"
#else
                     "iret"
#endif
                     :: "r"(entry), "i"(USER_DS), "r"(user_stack_top), "i"(USER_CS) : "eax", "memory");
    fail("enter_user_tf returned");
}

static void run_set(void)
{
    struct trap_record r;
    uint32_t ret = 0;

    reset_steps();
    CHECK(!trap_try(kernel_steps, NULL, &r), "kernel stepping: unexpected trap %u at %#x", r.vector, r.eip);
    CHECK(copy_dst[0] == 1 && copy_dst[1] == 2 && copy_dst[2] == 3 && copy_dst[3] == 0,
          "the stepped rep movsb copied %02x %02x %02x %02x", copy_dst[0], copy_dst[1], copy_dst[2],
          copy_dst[3]);
    check_steps("kernel ring, TF by popf", kernel_expect, ARRAY_SIZE(kernel_expect), KERNEL_RPL);
    memset(copy_dst, 0, sizeof copy_dst);

    reset_steps();
    uint32_t irq = irq_save();
    CHECK(!trap_try(kernel_iret_tf, NULL, &r), "kernel iret with TF: unexpected trap %u at %#x", r.vector, r.eip);
    irq_restore(irq);   /* the iret frame's IF came from pushfl */
    check_steps("kernel ring, TF by iret", kernel_iret_expect, ARRAY_SIZE(kernel_iret_expect), KERNEL_RPL);

#ifdef GUEST_PV
    reset_steps();
    CHECK(!trap_try(kernel_hypercall_steps, NULL, &r), "stepping a hypercall: unexpected trap %u at %#x",
          r.vector, r.eip);
    check_steps("kernel ring, through a hypercall", kernel_hypercall_expect, ARRAY_SIZE(kernel_hypercall_expect),
                KERNEL_RPL);
#endif

    reset_steps();
    CHECK(!trap_try(kernel_emulated_steps, NULL, &r), "stepping emulated instructions: unexpected trap %u at %#x",
          r.vector, r.eip);
    check_steps("kernel ring, emulated instructions", kernel_emulated_expect, ARRAY_SIZE(kernel_emulated_expect),
                KERNEL_RPL);

    reset_steps();
    int rc = user_run((void (*)(void))u_steps, 0, &ret, &r);
    CHECK(rc == 0, "ring-3 stepping: trap %u at eip %#x (error %#x)", r.vector, r.eip, r.error);
    CHECK_EQ(ret, 3, "ring-3 stepped code's result");
    check_steps("ring 3, TF by popf", user_expect, ARRAY_SIZE(user_expect), 3);

    reset_steps();
    CHECK(trap_try(enter_user_tf, u_iret_tf, &r), "enter_user_tf came back without a trap");
    CHECK(r.vector == VEC_SYSCALL && (r.cs & 3) == 3 && r.eax == 5,
          "ring 3 entered with TF: vector %u cs %#x eax %#x at eip %#x", r.vector, r.cs, r.eax, r.eip);
    check_steps("ring 3, TF by iret", user_iret_expect, ARRAY_SIZE(user_iret_expect), 3);
}

void guest_main(void)
{
    uint32_t rounds = cmdline_u32("steps", 1);

    CHECK(pg_init() == 0, "pg_init failed");
    CHECK(user_init() == 0, "user_init: cannot make the .user pages ring-3 accessible");
    dr6_clear();
    trap_set_handler(VEC_DB, on_debug);
    for (uint32_t i = 0; i < rounds; i++)
        run_set();
    trap_set_handler(VEC_DB, NULL);
    printf("singlestep: %u round(s): every single-step #DB reached the guest's handler\n", rounds);
    pass();
}
