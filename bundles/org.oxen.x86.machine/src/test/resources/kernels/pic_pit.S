/* PIT channel 0 at 1 kHz, IRQ 0 through the 8259A (vector 0x20): 10 ticks, then exit. */
    .include "kit.inc"
main:
    movl $0x20, %eax
    movl $pit_isr, %edx
    call set_gate
    call pic_init
    movb $0xFE, %al             /* unmask IRQ 0 */
    outb %al, $0x21
    call pit_1khz
    sti
1:  hlt
    cmpl $10, ticks
    jb 1b
    cli
    movl $msg, %esi
    call puts
    movb $0x10, %al
    ret
pit_isr:
    pushl %eax
    incl ticks
    movb $0x20, %al             /* non-specific EOI */
    outb %al, $0x20
    popl %eax
    iret
    .data
ticks: .long 0
msg: .asciz "pit via pic: 10 ticks\n"
