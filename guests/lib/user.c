/*
 * user.c -- running a snippet in ring 3 and coming back.
 *
 * user_run() enters ring 3 through the flavor's arch_user_enter() (native:
 * iret; PV: the iret hypercall) inside a trap_try().  The snippet ends with
 * int $0x80, whose trap (through the IDT gate / trap-table entry with DPL 3)
 * is caught like any other; a caught vector 0x80 from ring 3 is the normal
 * return, anything else is a fault the caller can inspect.
 */
#include <kit.h>

noreturn void arch_user_enter(void (*entry)(void), uint32_t user_esp, uint32_t arg);

extern char __user_start[], __user_end[], user_stack_top[];

struct user_args {
    void (*entry)(void);
    uint32_t arg;
};

static void enter(void *p)
{
    struct user_args *a = p;
    arch_user_enter(a->entry, (uint32_t)user_stack_top, a->arg);
}

int user_run(void (*entry)(void), uint32_t arg, uint32_t *ret, struct trap_record *rec)
{
    struct user_args a = { entry, arg };
    struct trap_record r;

    if (!trap_try(enter, &a, &r))
        fail("user_run: arch_user_enter returned");
    if (rec)
        *rec = r;
    if (r.vector == VEC_SYSCALL && (r.cs & 3) == 3) {
        if (ret)
            *ret = r.eax;
        return 0;
    }
    return -1;
}

int user_init(void)
{
    for (char *p = __user_start; p < __user_end; p += PAGE_SIZE) {
        uint64_t pte = pg_get((uint32_t)p);
        if (!(pte & PTE_P))
            return -1;
        int rc = pg_set((uint32_t)p, pte | PTE_U);
        if (rc)
            return rc;
    }
    return 0;
}
