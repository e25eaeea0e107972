/* Real mode (BochsDiffTest.realMode): the stack wrapping at SP 0 with 16 and 32-bit operands,
 * INT and IRET through the IVT (with the FLAGS image), far CALL/RETF and RETF imm, ENTER/LEAVE,
 * PUSHA/POPA, a word at offset 0xFFFF (#GP through the IVT: vector 13 at the instruction) and
 * on the stack (#SS, vector 12), 32-bit addressing beyond 0xFFFF (#GP), segment arithmetic.
 */
    .include "rom.inc"
    .set EXPECT, 0x500                      /* bytes the #GP/#SS handler skips */

    .macro SHOWW val                        /* a 16-bit value and a space */
    pushl %eax
    movw \val, %ax
    call hex16_16
    call sp_16
    popl %eax
    .endm

main16:
    movw $int_handler, 0x80 * 4             /* IVT: INT 80h, #GP (13) and #SS (12) */
    movw %cs, 0x80 * 4 + 2
    movw $fault_handler, 13 * 4
    movw %cs, 13 * 4 + 2
    movw $fault_handler, 12 * 4
    movw %cs, 12 * 4 + 2
    movw $0, EXPECT

    PUTS16 s_wrap
    movw $0x2000, %ax
    movw %ax, %ss
    movl $0x12340000, %esp                  /* SP 0, upper half set */
    pushw $0xaaaa
    pushl $0xbbbbcccc
    movl %esp, %ebx
    popl %ecx
    popw %dx
    movl %esp, %esi
    xorw %ax, %ax
    movw %ax, %ss
    movl $0x6ffe, %esp                      /* main16's SP: its return address above */
    call regs_16

    PUTS16 s_int
    movl $0x2000, %eax
    movw %ax, %ss
    movl $0x0100, %esp
    pushw $0x08d5                           /* flags: OF, CF, PF, AF, ZF, SF; IF clear */
    popf
    int $0x80
    pushf
    popw %ax
    movl %esp, %ebx
    xorw %cx, %cx
    movw %cx, %ss
    movl $0x6ffe, %esp                      /* main16's SP: its return address above */
    call hex16_16
    call sp_16
    movl %ebx, %eax
    call hex32_16
    call nl_16

    PUTS16 s_far
    lcall $0xf000, $far_sub
    movl %esp, %eax
    call hex32_16
    call sp_16
    pushw $0x1111
    pushw $0x2222
    lcall $0xf000, $far_sub_imm
    movl %esp, %eax
    call hex32_16
    call nl_16

    PUTS16 s_enter
    movw $0x1234, %bp
    enter $6, $2
    movl %esp, %eax
    call hex32_16
    call sp_16
    movl %ebp, %eax
    call hex32_16
    call sp_16
    leave
    movl %esp, %eax
    call hex32_16
    call sp_16
    movl %ebp, %eax
    call hex32_16
    call nl_16

    PUTS16 s_pusha
    movl $0x7000, %eax
    movl $0x11, %ecx
    pushaw
    movw %sp, %bx
    movw 6(%bx), %ax                        /* the SP PUSHA pushed */
    call hex16_16
    call sp_16
    popaw
    pushal
    movl %esp, %eax
    call hex32_16
    call nl_16
    popal

    PUTS16 s_faults
    call nl_16
    movw $3, EXPECT
    movw 0xffff, %ax                        /* A1 FF FF: #GP(0) */
    movw $4, EXPECT
    movw %ss:0xffff, %ax                    /* 36 A1 FF FF: #SS(0) */
    movw $3, EXPECT
    movl $0x10000, %ebx
    movb (%ebx), %al                        /* 67 8A 03: offset beyond 0xFFFF: #GP */
    movw $0x1000, %ax
    movw %ax, %ds
    movw $0x4321, 0x10                      /* DS=1000:0010 is 0100:0010's byte 0x10000 */
    movw $0x0100, %ax
    movw %ax, %es
    movw %es:0xf010, %ax
    xorw %cx, %cx
    movw %cx, %ds
    call hex16_16
    call nl_16
    ret

int_handler:
    PUTS16 s_in_int
    movw %sp, %bp
    SHOWW %sp
    SHOWW (%bp)
    SHOWW 2(%bp)
    SHOWW 4(%bp)
    pushf
    popw %ax
    call hex16_16
    call nl_16
    iret

fault_handler:
    pushw %bp
    pushw %bx
    movw %sp, %bp
    PUTS16 s_fault
    SHOWW 4(%bp)                            /* IP: at the faulting instruction */
    SHOWW 6(%bp)
    SHOWW 8(%bp)
    call nl_16
    pushw %ds
    pushw $0
    popw %ds
    movw EXPECT, %bx
    movw $0, EXPECT
    popw %ds
    testw %bx, %bx
    jnz 1f
    PUTS16 s_unexpected
    jmp finish_16
1:  addw %bx, 4(%bp)
    popw %bx
    popw %bp
    iret

far_sub:
    movl %esp, %eax
    call hex32_16
    call sp_16
    lret

far_sub_imm:
    lret $4

s_wrap: .asciz "stack wrap: "
s_int: .asciz "int 80: "
s_in_int: .asciz "in int 80: sp ip cs flags / flags "
s_far: .asciz "far call: "
s_enter: .asciz "enter 6,2 / leave: "
s_pusha: .asciz "pusha: "
s_faults: .asciz "faults:"
s_fault: .asciz "  fault at ip cs flags "
s_unexpected: .asciz "unexpected fault\n"

    .include "rom_end.inc"
