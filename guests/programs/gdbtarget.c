/*
 * gdbtarget -- a kernel for `xl debug`'s tests (PV, and native for HVM
 * domains): spins (a PV kernel yielding its pCPU) until a debugger sets `go`, then calls `tick` five times, each of which
 * increments `counter`, and passes if counter is 5: a debugger that stepped
 * through tick must neither have run the increment twice nor lost it.
 *
 * `tick` is written in assembly so its first instruction is the increment
 * (a debugger test steps over it and checks counter).
 */
#include <kit.h>
#ifdef GUEST_PV
#include <oxen/pv.h>
#endif

volatile uint32_t go;
volatile uint32_t counter;

void tick(void);
__asm__(".text\n"
        ".globl tick\n"
        ".type tick, @function\n"
        "tick:\n"
        "\tincl counter\n"
        "\tret\n"
        ".size tick, . - tick\n");

void guest_main(void)
{
#ifdef GUEST_PV
    printf("gdbtarget: tick at %#x, page tables at %#x; waiting for a debugger to set go\n",
           (uint32_t)tick, pv_start_info->pt_base);
    while (!go)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
#else
    printf("gdbtarget: tick at %#x, go at %#x; waiting for a debugger to set go\n", (uint32_t)tick,
           (uint32_t)&go);
    while (!go)
        __asm__ volatile("rep; nop" ::: "memory");   /* pause */
#endif
    for (int i = 0; i < 5; i++)
        tick();
    CHECK_EQ(counter, 5, "counter after five ticks");
    pass();
}
