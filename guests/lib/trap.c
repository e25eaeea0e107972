/*
 * trap.c -- the flavor-neutral half of exception handling.
 *
 * The flavor's entry stubs (lib/native/vectors.S, lib/pv/entry.S) build a
 * struct trap_frame and call trap_dispatch().  Dispatch order:
 *   1. arch_trap_early(): hardware IRQs (native) or the event upcall (PV);
 *   2. a handler registered with trap_set_handler() that returns 1 --
 *      execution then resumes at f->eip through the flavor's iret path;
 *   3. the innermost trap_try() on this cpu: the trap is recorded and the
 *      stack unwound with longjmp to where trap_try was called;
 *   4. otherwise the trap is unexpected: describe it and fail().
 * Catches are per cpu (the cpu id comes from the stack header).
 */
#include <kit.h>

int arch_trap_early(struct trap_frame *f);     /* flavor: IRQs / events */
uint32_t arch_read_cr2(void);                  /* flavor: CR2 or vcpu_info.arch.cr2 */

struct trap_catch {
    jmp_buf jb;
    struct trap_record rec;
    struct trap_catch *prev;
};

static trap_handler_t handlers[256];
static struct trap_catch *catches[MAX_CPUS];

void trap_set_handler(unsigned vector, trap_handler_t h)
{
    if (vector < ARRAY_SIZE(handlers))
        handlers[vector] = h;
}

uint32_t trap_cr2(void)
{
    return arch_read_cr2();
}

int trap_try(void (*fn)(void *), void *arg, struct trap_record *rec)
{
    /* volatile: these live across setjmp's second return */
    volatile unsigned cpu = smp_cpu_id();
    volatile uint32_t irq = irq_save();
    struct trap_catch c;

    irq_restore(irq);
    c.prev = catches[cpu];
    if (setjmp(c.jb) == 0) {
        catches[cpu] = &c;
        fn(arg);
        catches[cpu] = c.prev;
        return 0;
    }
    catches[cpu] = c.prev;
    irq_restore(irq);
    if (rec)
        *rec = c.rec;
    return 1;
}

static const char *const names[20] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
    "#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM",
};

void trap_dispatch(struct trap_frame *f)
{
    uint32_t cr2 = f->vector == VEC_PF ? arch_read_cr2() : 0;

    if (arch_trap_early(f))
        return;
    if (f->vector < ARRAY_SIZE(handlers) && handlers[f->vector] && handlers[f->vector](f))
        return;

    unsigned cpu = smp_cpu_id();
    struct trap_catch *c = cpu < MAX_CPUS ? catches[cpu] : NULL;
    if (c) {
        c->rec.vector = f->vector;
        c->rec.error = f->error;
        c->rec.eip = f->eip;
        c->rec.cs = f->cs & 0xffff;
        c->rec.eflags = f->eflags;
        c->rec.cr2 = cr2;
        c->rec.eax = f->eax;
        c->rec.user_esp = (f->cs & 3) == 3 ? f->user_esp : 0;
        catches[cpu] = c->prev;
        longjmp(c->jb, 1);
    }
    fail("unexpected %s (vector %u) error=%#x eip=%#x cs=%#x eflags=%#x cr2=%#x cpu=%u",
         f->vector < 20 ? names[f->vector] : "trap", f->vector, f->error, f->eip,
         f->cs & 0xffff, f->eflags, cr2, cpu);
}
