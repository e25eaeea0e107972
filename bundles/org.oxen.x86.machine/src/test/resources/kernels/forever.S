/* Waits in HLT forever with interrupts enabled and every 8259A input masked (runs until stopped).
   The PIT is programmed (its IRQ masked) so that time passes: an unprogrammed PIT arms no timer,
   and on the deterministic clock a machine with every CPU halted and no timer armed ends. */
    .include "kit.inc"
main:
    call pic_init
    call pit_1khz
    movl $msg, %esi
    call puts
    sti
1:  hlt
    jmp 1b
    .data
msg: .asciz "waiting\n"
