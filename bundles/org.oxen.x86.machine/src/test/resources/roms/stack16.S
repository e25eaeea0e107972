/* Implicit stack operations on 16-bit stack segments (B=0) from 32-bit code
 * (BochsDiffTest.stack16): only SP moves and wraps, the upper half of ESP stays as it was.
 * Ring 0 with paging: PUSH/POP of dwords and (66) words across the wrap, POP SS with both
 * operand sizes, ENTER with nesting levels and LEAVE, ENTER's page faults (reading a frame
 * pointer from a page not present, allocating a frame that reaches one) retried after the
 * handler maps the page, near CALL/RET imm, far CALL/RETF, INT and IRET (32 and 16-bit
 * frames), PUSHAD/POPAD. Ring 3 on a 16-bit stack: IRET to it, INT to ring 0 on a 32-bit and
 * on a 16-bit ring-0 stack (the ESP the TSS gives), IRET back.
 * Every exception and interrupt prints its frame; ESP is printed after each step.
 */
    .include "rom.inc"

    .set GDT, 0x1000
    .set IDT, 0x2000
    .set TSS, 0x3000
    .set PD, 0x4000
    .set PT, 0x5000
    .set ESP_SAVE, 0x600
    .set EXPECT, 0x604
    .set S16, 0x20000                   /* base of the ring-0 16-bit stack segment 0x18 */
    .set HOLE, 0x2e000                  /* a page of that segment (offsets 0xE000-0xEFFF) */

    .code16
main16:
    ENTER_PM32
gdt_tpl:
    .quad 0
    .quad 0x00cf9a000000ffff            /* 0x08 ring-0 code */
    .quad 0x00cf92000000ffff            /* 0x10 ring-0 data */
    .word 0xffff, 0x0000                /* 0x18 ring-0 16-bit stack, base 0x20000 */
    .byte 0x02, 0x92, 0x00, 0x00
    .word 0x0067, TSS                   /* 0x20 TSS */
    .byte 0, 0x89, 0, 0
    .quad 0x00cffa000000ffff            /* 0x28 ring-3 code */
    .word 0xffff, 0x0000                /* 0x30 ring-3 16-bit stack, base 0x30000 */
    .byte 0x03, 0xf2, 0x00, 0x00
    .quad 0x00cff2000000ffff            /* 0x38 ring-3 data */
    .word 0xffff, 0x0000                /* 0x40 ring-0 32-bit code, base 0xF0000 (IRETW's target) */
    .byte 0x0f, 0x9a, 0x40, 0x00
gdt_end:

    .code32
    .macro SHOW reg                     /* a 32-bit value and a space */
    pushl %eax
    movl \reg, %eax
    call hex32_32
    call sp_32
    popl %eax
    .endm

    .macro FRAME off                    /* the handler's stack at \off (after PUSHAD) */
    pushl %eax
    movl \off + 4(%esp), %eax
    call hex32_32
    call sp_32
    popl %eax
    .endm

    .macro R3ESP                        /* ring 3: DS as the IRET left it, then ESP */
    movl %esp, %ebx
    movw %ds, %ax
    call hex16_32
    call sp_32
    movw $0x3b, %ax
    movw %ax, %ds
    movw %ax, %es
    PUTS32 s_r3esp
    movl %ebx, %eax
    call hex32_32
    call nl_32
    .endm

    .macro STEP name                    /* "name: " */
    PUTS32 \name
    .endm

    .macro USE16 sp                     /* SS = the 16-bit stack, ESP = \sp */
    movw $0x18, %ax
    movw %ax, %ss
    movl $\sp, %esp
    .endm

    .macro USE32                        /* back to the flat 32-bit stack */
    movw $0x10, %ax
    movw %ax, %ss
    movl $0x9000, %esp
    .endm

    .macro SHOWESP                      /* ESP (not through the stack) and a new line */
    movl %esp, 0x610
    SHOW 0x610
    call nl_32
    .endm

pm32:
    FLAT_DATA32
    EXCEPTION_GATES
    GATE 0x40, isr64, 0xee
    GATE 0x41, isr65, 0x8e
    GATE 0x42, isr66, 0xee
    /* TSS: SS0:ESP0 = 0x10:0x00019F00 */
    movl $TSS, %edi
    movl $0x68, %ecx
    xorl %eax, %eax
    rep stosb
    movl $0x00019f00, TSS + 4
    movl $0x10, TSS + 8
    movw $0x20, %ax
    ltr %ax
    /* paging: 4 MiB identity, user, writable; the page HOLE not present */
    movl $PT, %edi
    movl $0x007, %eax
1:  movl %eax, (%edi)
    addl $4, %edi
    addl $0x1000, %eax
    cmpl $PT + 4096, %edi
    jb 1b
    movl $(PT + 0x007), PD
    andl $~1, PT + (HOLE >> 10)
    movl $PD, %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80000000, %eax
    movl %eax, %cr0
    movl $0, EXPECT
    PUTS32 s_paging

    /* PUSH/POP across the wrap at SP 0 */
    STEP s_push
    USE16 0xabcd0000
    pushl $0x11223344
    pushw $0x5566
    movl %esp, %ebx
    popw %cx
    popl %edx
    movl %esp, %esi
    USE32
    SHOW %ebx
    SHOW %ecx
    SHOW %edx
    SHOW %esi
    SHOW S16 + 0xfffa
    SHOW S16 + 0xfffc
    call nl_32

    /* POP SS, 32 and 16-bit operands */
    STEP s_popss
    USE16 0x12340100
    pushl $0x18
    popl %ss
    movl %esp, %ebx
    pushw $0x18
    popw %ss
    movl %esp, %ecx
    USE32
    SHOW %ebx
    SHOW %ecx
    call nl_32

    /* ENTER with nesting, LEAVE */
    STEP s_enter
    movl $0xaaaa1111, S16 + 0x80fc
    movl $0xbbbb2222, S16 + 0x80f8
    movl $0xcccc3333, S16 + 0x80f4
    USE16 0xabcd8010
    movl $0x12348100, %ebp
    enter $0x10, $3
    movl %esp, %ebx
    movl %ebp, %ecx
    leave
    movl %esp, %edx
    movl %ebp, %esi
    USE32
    SHOW %ebx
    SHOW %ecx
    SHOW %edx
    SHOW %esi
    call nl_32
    STEP s_frame
    SHOW S16 + 0x800c
    SHOW S16 + 0x8008
    SHOW S16 + 0x8004
    SHOW S16 + 0x8000
    call nl_32
    /* 16-bit ENTER (66) with nesting */
    STEP s_enter16
    movw $0x4444, S16 + 0x80fe
    movw $0x5555, S16 + 0x80fc
    USE16 0xabcd8010
    movl $0x56788100, %ebp
    enterw $0x8, $3
    movl %esp, %ebx
    movl %ebp, %ecx
    leavew
    movl %esp, %edx
    movl %ebp, %esi
    USE32
    SHOW %ebx
    SHOW %ecx
    SHOW %edx
    SHOW %esi
    SHOW S16 + 0x800c
    SHOW S16 + 0x8008
    SHOW S16 + 0x8004
    call nl_32

    /* ENTER reads a frame pointer from the page not present: #PF, the handler maps it */
    STEP s_enterpf1
    call nl_32
    USE16 0x1111f800
    movl $0x2222e010, %ebp
    enter $4, $3
    movl %esp, %ebx
    movl %ebp, %ecx
    USE32
    SHOW %ebx
    SHOW %ecx
    call nl_32
    andl $~1, PT + (HOLE >> 10)
    invlpg HOLE
    /* ENTER allocates a frame reaching the page not present */
    STEP s_enterpf2
    call nl_32
    USE16 0x3333f800
    movl $0x4444f900, %ebp
    enter $0x900, $0
    movl %esp, %ebx
    movl %ebp, %ecx
    USE32
    SHOW %ebx
    SHOW %ecx
    call nl_32

    /* near CALL / RET imm, far CALL / RETF, INT / IRET, IRETW, PUSHAD / POPAD */
    STEP s_calls
    call nl_32
    USE16 0x77770200
    pushl $0xdddd
    call near_sub
    movl %esp, %ebx
    lcall $0x08, $(far_sub + ROM)
    movl %esp, %ecx
    int $0x41
    movl %esp, %edx
    pushfw
    pushw $0x40
    pushw $1f
    iretw                                   /* 16-bit IRET: CS:IP, EIP's upper half 0 */
1:  movl %esp, %esi
    ljmp $0x08, $(2f + ROM)                 /* back to the flat code segment */
2:
    pushal
    movzwl %sp, %edi
    movl %ss:12(%edi), %eax                 /* the ESP PUSHAD pushed: all 32 bits */
    movl %eax, 0x618
    popal
    USE32
    SHOW %ebx
    SHOW %ecx
    SHOW %edx
    SHOW %esi
    SHOW 0x614
    SHOW 0x618
    SHOW S16 + 0x01f0
    SHOW S16 + 0x01ec
    call nl_32

    /* ring 3 on a 16-bit stack */
    STEP s_ring3
    call nl_32
    movl $0x0001a000, %esp                  /* ring 0's ESP: its upper half shows where SP alone is loaded */
    pushl $0x33                             /* SS */
    pushl $0x5555ff00                       /* ESP */
    pushl $0x3002                           /* EFLAGS: IOPL 3 (port 0xE9) */
    pushl $0x2b                             /* CS */
    pushl $(ring3 + ROM)
    iret

ring3:
    movw $0x3b, %ax
    movw %ax, %ds
    movw %ax, %es
    R3ESP
    int $0x40                               /* ring 0 on the TSS's 32-bit stack */
    R3ESP
    int $0x42                               /* the handler gives ring 0 a 16-bit stack in the TSS */
    R3ESP
    int $0x40                               /* ring 0 on the TSS's 16-bit stack */
    R3ESP
    int $0x42

near_sub:
    movl %esp, %eax
    movl %eax, 0x614
    ret $4

far_sub:
    lret

    SET_GATE

    ISR_STUBS 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,64,65,66

/* On whatever stack the CPU gave: 32 or 16-bit. With a 16-bit one ESP is used as SP, its upper
 * half kept in ESP_SAVE and put back before the IRET. DS is flat on every path here. */
isr_common:
    movl %esp, ESP_SAVE
    pushl %eax
    movw %ss, %ax
    larl %eax, %eax
    testl $0x400000, %eax
    popl %eax
    jnz 1f
    movzwl %sp, %esp
1:  pushal
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    PUTS32 s_trap
    movl 32(%esp), %eax
    call hex16_32
    PUTS32 s_err
    movl 36(%esp), %eax
    call hex16_32
    PUTS32 s_esp
    movl ESP_SAVE, %eax
    call hex32_32
    cmpl $14, 32(%esp)
    jne 2f
    PUTS32 s_cr2
    movl %cr2, %eax
    call hex32_32
2:  call nl_32
    PUTS32 s_fr
    FRAME 40
    FRAME 44
    FRAME 48
    testl $3, 44(%esp)
    jz 3f
    FRAME 52
    FRAME 56
3:  call nl_32
    movl 32(%esp), %eax
    cmpl $14, %eax
    je map_hole
    cmpl $0x41, %eax
    je resume
    cmpl $0x40, %eax
    je resume
    cmpl $0x42, %eax
    je ss0_16
    PUTS32 s_unexpected
    jmp finish_32
map_hole:
    movl %cr2, %eax
    andl $~0xfff, %eax
    cmpl $HOLE, %eax
    je 5f
    PUTS32 s_unexpected
    jmp finish_32
5:  orl $1, PT + (HOLE >> 10)
    invlpg HOLE
    jmp resume
ss0_16:                                     /* once: ring 0's stack in the TSS becomes 16-bit */
    cmpl $0x18, TSS + 8
    je 4f
    movl $0x18, TSS + 8
    movl $0x7777f000, TSS + 4
    jmp resume
4:  PUTS32 s_done
    jmp finish_32
resume:
    popal
    movl ESP_SAVE, %esp                     /* its upper half as the CPU left it */
    addl $8, %esp
    iret

s_paging: .asciz "paging on\n"
s_push: .asciz "push/pop wrap: "
s_popss: .asciz "pop ss: "
s_enter: .asciz "enter 10,3 / leave: "
s_frame: .asciz "  frame: "
s_enter16: .asciz "enterw 8,3 / leavew: "
s_enterpf1: .asciz "enter 4,3 reading a frame pointer from a page not present:"
s_enterpf2: .asciz "enter 900,0 reaching a page not present:"
s_calls: .asciz "calls:"
s_ring3: .asciz "ring 3:"
s_r3esp: .asciz "ring 3 esp: "
s_trap: .asciz "  trap "
s_err: .asciz " err "
s_esp: .asciz " esp "
s_cr2: .asciz " cr2 "
s_fr: .asciz "  frame "
s_unexpected: .asciz "unexpected trap\n"
s_done: .asciz "done\n"

    .include "rom_end.inc"
