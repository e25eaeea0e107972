/* PIT channel 0 at 1 kHz, IRQ 0 through the 8259A (vector 0x20): 10 ticks, then exit. */
    .include "kit.inc"
main:
    call pic_irq0_init
    call pit_1khz
    sti
1:  hlt
    cmpl $10, pic_ticks
    jb 1b
    movl $msg, %esi
    jmp pass_with
    .data
msg: .asciz "pit via pic: 10 ticks\n"
