/* Prints, then halts with interrupts disabled: nothing can wake the machine. */
    .include "kit.inc"
main:
    movl $msg, %esi
    call puts
    cli
    hlt
    movb $0x7e, %al
    ret
    .data
msg: .asciz "halting\n"
