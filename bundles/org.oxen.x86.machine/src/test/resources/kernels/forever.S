/* Waits in HLT forever with interrupts enabled and every 8259A input masked (runs until stopped). */
    .include "kit.inc"
main:
    call pic_init
    movl $msg, %esi
    call puts
    sti
1:  hlt
    jmp 1b
    .data
msg: .asciz "waiting\n"
