/*
 * hypercall.h -- PV hypercall wrappers.  Every call goes through the
 * hypercall page the hypervisor filled in (slot N at hypercall_page + N*32,
 * "mov $N,%eax; int $0x82; ret"), with arguments in ebx, ecx, edx, esi, edi
 * and the result (0 or a negative errno) in eax.  Argument registers are
 * clobbered, so they are declared as outputs.
 */
#ifndef OXEN_HYPERCALL_H
#define OXEN_HYPERCALL_H

#include <oxen/xen_abi.h>

extern char hypercall_page[4096];

#define HCALL_SLOT(nr) "call hypercall_page+" #nr "*32"

#define _hypercall1(nr, a1) ({                                             \
    long __r, __b;                                                          \
    __asm__ volatile(HCALL_SLOT(nr) : "=a"(__r), "=b"(__b)                 \
                     : "1"((long)(a1)) : "memory");                         \
    __r; })

#define _hypercall2(nr, a1, a2) ({                                         \
    long __r, __b, __c;                                                     \
    __asm__ volatile(HCALL_SLOT(nr) : "=a"(__r), "=b"(__b), "=c"(__c)      \
                     : "1"((long)(a1)), "2"((long)(a2)) : "memory");        \
    __r; })

#define _hypercall3(nr, a1, a2, a3) ({                                     \
    long __r, __b, __c, __d;                                                \
    __asm__ volatile(HCALL_SLOT(nr)                                         \
                     : "=a"(__r), "=b"(__b), "=c"(__c), "=d"(__d)           \
                     : "1"((long)(a1)), "2"((long)(a2)), "3"((long)(a3))    \
                     : "memory");                                           \
    __r; })

#define _hypercall4(nr, a1, a2, a3, a4) ({                                 \
    long __r, __b, __c, __d, __S;                                           \
    __asm__ volatile(HCALL_SLOT(nr)                                         \
                     : "=a"(__r), "=b"(__b), "=c"(__c), "=d"(__d), "=S"(__S)\
                     : "1"((long)(a1)), "2"((long)(a2)), "3"((long)(a3)),   \
                       "4"((long)(a4))                                      \
                     : "memory");                                           \
    __r; })

/* The slot numbers must be literal for the asm string; keep them in sync
 * with xen_abi.h (checked below). */
_Static_assert(__HYPERVISOR_set_trap_table == 0, "slot");
_Static_assert(__HYPERVISOR_mmu_update == 1, "slot");
_Static_assert(__HYPERVISOR_stack_switch == 3, "slot");
_Static_assert(__HYPERVISOR_set_debugreg == 8, "slot");
_Static_assert(__HYPERVISOR_get_debugreg == 9, "slot");
_Static_assert(__HYPERVISOR_set_callbacks == 4, "slot");
_Static_assert(__HYPERVISOR_memory_op == 12, "slot");
_Static_assert(__HYPERVISOR_multicall == 13, "slot");
_Static_assert(__HYPERVISOR_update_va_mapping == 14, "slot");
_Static_assert(__HYPERVISOR_set_timer_op == 15, "slot");
_Static_assert(__HYPERVISOR_xen_version == 17, "slot");
_Static_assert(__HYPERVISOR_console_io == 18, "slot");
_Static_assert(__HYPERVISOR_vm_assist == 21, "slot");
_Static_assert(__HYPERVISOR_vcpu_op == 24, "slot");
_Static_assert(__HYPERVISOR_mmuext_op == 26, "slot");
_Static_assert(__HYPERVISOR_sched_op == 29, "slot");
_Static_assert(__HYPERVISOR_callback_op == 30, "slot");
_Static_assert(__HYPERVISOR_event_channel_op == 32, "slot");

static inline long HYPERVISOR_set_trap_table(const trap_info_t *table)
{ return _hypercall1(0, table); }

static inline long HYPERVISOR_mmu_update(const mmu_update_t *req, unsigned count,
                                         unsigned *done, domid_t dom)
{ return _hypercall4(1, req, count, done, dom); }

static inline long HYPERVISOR_stack_switch(unsigned ss, unsigned long esp)
{ return _hypercall2(3, ss, esp); }

static inline long HYPERVISOR_set_callbacks(unsigned event_cs, unsigned long event_eip,
                                            unsigned failsafe_cs, unsigned long failsafe_eip)
{ return _hypercall4(4, event_cs, event_eip, failsafe_cs, failsafe_eip); }

/* set_debugreg(reg, value) / get_debugreg(reg): DR0-3, DR6, DR7 (0 or -errno; the value). */
static inline long HYPERVISOR_set_debugreg(int reg, unsigned long value)
{ return _hypercall2(8, reg, value); }

static inline long HYPERVISOR_get_debugreg(int reg)
{ return _hypercall1(9, reg); }

static inline long HYPERVISOR_memory_op(unsigned cmd, void *arg)
{ return _hypercall2(12, cmd, arg); }

static inline long HYPERVISOR_multicall(multicall_entry_t *calls, unsigned nr)
{ return _hypercall2(13, calls, nr); }

/* update_va_mapping(va, pte_lo, pte_hi, flags): 64-bit PTE split lo/hi. */
static inline long HYPERVISOR_update_va_mapping(unsigned long va, uint64_t pte, unsigned flags)
{ return _hypercall4(14, va, (uint32_t)pte, (uint32_t)(pte >> 32), flags); }

/* set_timer_op(lo, hi): absolute system time in ns; 0 cancels. */
static inline long HYPERVISOR_set_timer_op(uint64_t timeout)
{ return _hypercall2(15, (uint32_t)timeout, (uint32_t)(timeout >> 32)); }

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{ return _hypercall2(17, cmd, arg); }

static inline long HYPERVISOR_console_io(int cmd, unsigned count, const char *buf)
{ return _hypercall3(18, cmd, count, buf); }

static inline long HYPERVISOR_vm_assist(unsigned cmd, unsigned type)
{ return _hypercall2(21, cmd, type); }

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned vcpu, void *arg)
{ return _hypercall3(24, cmd, vcpu, arg); }

static inline long HYPERVISOR_mmuext_op(const mmuext_op_t *op, unsigned count,
                                        unsigned *done, domid_t dom)
{ return _hypercall4(26, op, count, done, dom); }

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{ return _hypercall2(29, cmd, arg); }

static inline long HYPERVISOR_callback_op(int cmd, const void *arg)
{ return _hypercall2(30, cmd, arg); }

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{ return _hypercall2(32, cmd, arg); }

static inline long HYPERVISOR_grant_table_op(unsigned cmd, void *uop, unsigned count)
{ return _hypercall3(20, cmd, uop, count); }

#endif
