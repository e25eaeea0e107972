/* Hardware task switches (BochsDiffTest.taskSwitches): CALL to a 32-bit TSS and IRET back
 * (NT, back link, busy bits), CALL to a 16-bit TSS (its registers' upper halves, 16-bit code
 * and stack) and IRET back, #GP through a task gate in the IDT (the error code on the new
 * task's stack, the faulting task's saved EIP at the instruction), JMP to a task (no link,
 * busy bits moved).
 */
    .include "rom.inc"

    .set GDT, 0x1000
    .set IDT, 0x2000
    .set TSS_A, 0x3000
    .set TSS_B, 0x3100
    .set TSS_C, 0x3200
    .set TSS_D, 0x3300

    .code16
main16:
    ENTER_PM32
gdt_tpl:
    .quad 0
    .quad 0x00cf9a000000ffff            /* 0x08 code */
    .quad 0x00cf92000000ffff            /* 0x10 data */
    .word 0x67, TSS_A                   /* 0x18 task A (32-bit) */
    .byte 0, 0x89, 0, 0
    .word 0x67, TSS_B                   /* 0x20 task B (32-bit) */
    .byte 0, 0x89, 0, 0
    .word 0x2b, TSS_C                   /* 0x28 task C (16-bit TSS) */
    .byte 0, 0x81, 0, 0
    .word 0x67, TSS_D                   /* 0x30 task D (#GP's task gate) */
    .byte 0, 0x89, 0, 0
    .quad 0
    .word 0xffff, 0x0000                /* 0x40 16-bit code, base 0xF0000 */
    .byte 0x0f, 0x9a, 0x00, 0x00
    .word 0xffff, 0x0000                /* 0x48 16-bit data, base 0 */
    .byte 0x00, 0x92, 0x00, 0x00
gdt_end:

    .code32
    .macro SHOW reg
    pushl %eax
    movl \reg, %eax
    call hex32_32
    call sp_32
    popl %eax
    .endm

    .macro BUSY                         /* the type bytes of the four TSS descriptors */
    .irp sel, 0x18, 0x20, 0x28, 0x30
    pushl %eax
    movzbl GDT + \sel + 5, %eax
    call hex16_32
    call sp_32
    popl %eax
    .endr
    .endm

    .macro TSS32 base, eip, esp
    movl $\base, %edi
    movl $0x68, %ecx
    xorl %eax, %eax
    rep stosb
    movl $\eip, \base + 0x20
    movl $2, \base + 0x24
    movl $\esp, \base + 0x38
    movl $0x10, \base + 0x48            /* ES */
    movl $0x08, \base + 0x4c            /* CS */
    movl $0x10, \base + 0x50            /* SS */
    movl $0x10, \base + 0x54            /* DS */
    movl $0x10, \base + 0x58
    movl $0x10, \base + 0x5c
    .endm

pm32:
    FLAT_DATA32
    movl $IDT, %edi                     /* vector 13: a task gate to task D */
    movl $0x00300000, 13 * 8(%edi)
    movl $0x00008500, 13 * 8 + 4(%edi)
    movl $TSS_A, %edi
    movl $0x68, %ecx
    xorl %eax, %eax
    rep stosb
    TSS32 TSS_B, task_b + ROM, 0xa000
    movl $0x0b0b0b0b, TSS_B + 0x28      /* EAX */
    TSS32 TSS_D, task_d + ROM, 0xc000
    /* task C: 16-bit TSS */
    movl $TSS_C, %edi
    movl $0x2c, %ecx
    xorl %eax, %eax
    rep stosb
    movw $task_c, TSS_C + 0x0e          /* IP */
    movw $2, TSS_C + 0x10               /* FLAGS */
    movw $0x0c0c, TSS_C + 0x12          /* AX */
    movw $0xb000, TSS_C + 0x1a          /* SP */
    movw $0x10, TSS_C + 0x22            /* ES */
    movw $0x40, TSS_C + 0x24            /* CS */
    movw $0x48, TSS_C + 0x26            /* SS */
    movw $0x10, TSS_C + 0x28            /* DS */
    movw $0x18, %ax
    ltr %ax
    PUTS32 s_a
    BUSY
    call nl_32
    movl $0xa1a1a1a1, %eax
    lcall $0x20, $0
    PUTS32 s_back_a
    SHOW %eax
    pushfl
    popl %eax
    SHOW %eax
    BUSY
    call nl_32
    movl $0xa2a2a2a2, %eax
    lcall $0x28, $0
    PUTS32 s_back_a
    SHOW %eax
    pushfl
    popl %eax
    SHOW %eax
    BUSY
    call nl_32
    movw $0x1234, %ax
    movw %ax, %ds                       /* #GP(0x1234): task D */
    PUTS32 s_after_gp
    BUSY
    call nl_32
    ljmp $0x20, $0                      /* task B again, by JMP */

task_b:
    PUTS32 s_b
    call regs_32
    str %ax
    call hex16_32
    call sp_32
    movl TSS_B, %eax                    /* back link */
    call hex16_32
    call sp_32
    pushfl
    popl %eax
    SHOW %eax
    BUSY
    call nl_32
    movl $0xb1b1b1b1, %eax
    iret
    PUTS32 s_b_jmp
    str %ax
    call hex16_32
    call sp_32
    pushfl
    popl %eax
    SHOW %eax
    BUSY
    call nl_32
    jmp finish_32

task_d:
    PUTS32 s_d
    popl %eax                           /* the error code */
    call hex32_32
    call sp_32
    movl %esp, %eax
    call hex32_32
    call sp_32
    movl TSS_D, %eax
    call hex16_32
    call sp_32
    movl TSS_A + 0x20, %eax             /* task A's EIP: at the MOV DS */
    subl $ROM, %eax
    call hex32_32
    call sp_32
    pushfl
    popl %eax
    SHOW %eax
    BUSY
    call nl_32
    addl $2, TSS_A + 0x20               /* skip the MOV DS, AX */
    movw $0x10, TSS_A + 0x54            /* and A's DS as it was before */
    iret

    .code16
task_c:                                 /* 16-bit code, 16-bit stack; no ESP-relative addressing */
    PUTS16 s_c
    call hex32_16
    call sp_16
    movl %ebx, %eax
    call hex32_16
    call sp_16
    movl %ecx, %eax
    call hex32_16
    call sp_16
    movl %esp, %eax
    call hex32_16
    call sp_16
    movl %ebp, %eax
    call hex32_16
    call sp_16
    pushfl
    popl %eax
    call hex32_16
    call sp_16
    movw %fs, %ax
    call hex16_16
    call sp_16
    str %ax
    call hex16_16
    call nl_16
    movl $0xc1c1c1c1, %eax
    iret

s_a: .asciz "task A: busy "
s_back_a: .asciz "back in A: eax eflags busy "
s_after_gp: .asciz "A after #GP: busy "
s_b: .asciz "task B: "
s_b_jmp: .asciz "task B by jmp: tr eflags busy "
s_c: .asciz "task C (16-bit): eax ebx ecx esp ebp eflags fs tr "
s_d: .asciz "task D (#GP): err esp link eipA eflags busy "

    .include "rom_end.inc"
