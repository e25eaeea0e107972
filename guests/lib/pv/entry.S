/*
 * entry.S -- PV trap and event entry.
 *
 * Xen bounces exceptions to the handlers named in the trap table with a
 * native-looking frame (error code, eip, cs | saved upcall mask << 16,
 * eflags with IF = !mask, plus esp/ss when coming from ring 3, taken from
 * the stack given to stack_switch).  The stubs complete struct trap_frame,
 * load the kernel data selector and call trap_dispatch(); they return with
 * the iret hypercall (slot 23: push %eax; mov $23,%eax; int $0x82), which
 * restores the upcall mask from the saved IF and may return to ring 3.
 * hypervisor_callback is the event upcall (Xen has masked events on entry);
 * failsafe_callback runs if Xen could not load our segment registers.
 */
#include <oxen/xen_abi.h>

#define VEC_EVENT 0x100
#define IRET_STUB (hypercall_page + __HYPERVISOR_iret * 32)

    .text
.macro STUB vec, has_error
    .globl vector_\vec
vector_\vec:
    .if \has_error == 0
    pushl $0
    .endif
    pushl $\vec
    jmp trap_common
.endm

    STUB 0, 0
    STUB 1, 0
    STUB 3, 0
    STUB 4, 0
    STUB 5, 0
    STUB 6, 0
    STUB 7, 0
    STUB 10, 1
    STUB 11, 1
    STUB 12, 1
    STUB 13, 1
    STUB 14, 1
    STUB 16, 0
    STUB 17, 1
    STUB 19, 0
    STUB 128, 0

    .globl hypervisor_callback
hypervisor_callback:
    pushl $0
    pushl $VEC_EVENT
    jmp trap_common

trap_common:
    pushal
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    movl $FLAT_RING1_DS, %eax
    movw %ax, %ds
    movw %ax, %es
    cld
    pushl %esp                      /* struct trap_frame * */
    call trap_dispatch
    addl $4, %esp
    popl %gs
    popl %fs
    popl %es
    popl %ds
    popal
    addl $8, %esp                   /* vector, error */
    jmp IRET_STUB                   /* eax is restored by the hypercall */

    .globl failsafe_callback
failsafe_callback:
    movl $FLAT_RING1_DS, %eax
    movw %ax, %ds
    movw %ax, %es
    call pv_failsafe                /* reports and fails; never returns */
1:  jmp 1b

/* void arch_user_enter(void (*entry)(void), uint32_t user_esp, uint32_t arg) */
    .globl arch_user_enter
arch_user_enter:
    movl 4(%esp), %ecx
    movl 8(%esp), %edx
    movl 12(%esp), %ebx
    movl $FLAT_RING3_DS, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    pushl $FLAT_RING3_SS            /* ss */
    pushl %edx                      /* esp */
    pushl $0x2                      /* eflags: IF=0 keeps events masked in ring 3 */
    pushl $FLAT_RING3_CS            /* cs */
    pushl %ecx                      /* eip */
    xorl %eax, %eax
    jmp IRET_STUB
    .section .note.GNU-stack,"",@progbits
