/*
 * PIT channel 0 in mode 2 with a count of 2 (a period of 1.7 us), IRQ 0 through the 8259A:
 * 100 ticks, then exit. The pit's minimum period (min-timer-period-us) spaces them.
 */
    .include "kit.inc"
main:
    call pic_irq0_init
    movb $0x34, %al             /* counter 0, LSB then MSB, mode 2 */
    outb %al, $0x43
    movb $2, %al
    outb %al, $0x40
    xorb %al, %al
    outb %al, $0x40
    sti
1:  hlt
    cmpl $100, pic_ticks
    jb 1b
    movl $msg, %esi
    jmp pass_with
    .data
msg: .asciz "pit count 2: 100 ticks\n"
