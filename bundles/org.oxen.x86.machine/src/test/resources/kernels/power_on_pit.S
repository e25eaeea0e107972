/* Power-on state: the PIT is never programmed, so IRQ 0 never comes although the 8259A is
   initialised, IRQ 0 unmasked and IF set: the CPU halts for good. */
    .include "kit.inc"
main:
    movl $0x20, %eax
    movl $tick_isr, %edx
    call set_gate
    call pic_init
    movb $0xFE, %al
    outb %al, $0x21
    movl $msg, %esi
    call puts
    sti
1:  hlt
    jmp 1b
tick_isr:
    movl $fail, %esi
    call puts
    movb $0x7e, %al
    jmp exit_al
    .data
msg: .asciz "waiting for IRQ 0\n"
fail: .asciz "FAIL: IRQ 0 from an unprogrammed PIT\n"
