/*
 * vectors.S -- native trap entry.  One stub per vector (0-47, the local
 * APIC's 0xf0-0xff and 0x80)
 * pushes a zero error code when the CPU does not, then the vector number,
 * and joins trap_common, which completes struct trap_frame (see x86.h),
 * switches ds/es to the kernel selector and calls trap_dispatch(frame).
 * Returning from trap_dispatch resumes the interrupted code with iret.
 * arch_user_enter() is the way into ring 3 (an iret to USER_CS).
 */
#define KERNEL_DS 0x10
#define USER_CS   0x1b
#define USER_DS   0x23

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
    STUB 2, 0
    STUB 3, 0
    STUB 4, 0
    STUB 5, 0
    STUB 6, 0
    STUB 7, 0
    STUB 8, 1
    STUB 9, 0
    STUB 10, 1
    STUB 11, 1
    STUB 12, 1
    STUB 13, 1
    STUB 14, 1
    STUB 15, 0
    STUB 16, 0
    STUB 17, 1
    STUB 18, 0
    STUB 19, 0
    STUB 20, 0
    STUB 21, 1
    STUB 22, 0
    STUB 23, 0
    STUB 24, 0
    STUB 25, 0
    STUB 26, 0
    STUB 27, 0
    STUB 28, 0
    STUB 29, 1
    STUB 30, 1
    STUB 31, 0
    .irp irq, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    STUB \irq, 0
    .endr
    .irp v, 240,241,242,243,244,245,246,247,248,249,250,251,252,253,254,255
    STUB \v, 0
    .endr
    STUB 128, 0

trap_common:
    pushal
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    movl $KERNEL_DS, %eax
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
    iret

/* Table of stub addresses for desc.c: vectors 0..47. */
    .section .rodata
    .globl vector_table
    .balign 4
vector_table:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    .long vector_\v
    .endr

/* Vectors 0xf0..0xff (local APIC timer, IPIs, spurious: lib/native/smp.c). */
    .globl vector_table_apic
vector_table_apic:
    .irp v, 240,241,242,243,244,245,246,247,248,249,250,251,252,253,254,255
    .long vector_\v
    .endr

/* void arch_user_enter(void (*entry)(void), uint32_t user_esp, uint32_t arg) */
    .text
    .globl arch_user_enter
arch_user_enter:
    movl 4(%esp), %ecx
    movl 8(%esp), %edx
    movl 12(%esp), %ebx
    movl $USER_DS, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    pushl $USER_DS                  /* ss */
    pushl %edx                      /* esp */
    pushfl
    andl $~0x3200, (%esp)           /* IF=0, IOPL=0: ring 3 runs with interrupts off */
    pushl $USER_CS
    pushl %ecx                      /* eip */
    xorl %eax, %eax
    iret
    .section .note.GNU-stack,"",@progbits
