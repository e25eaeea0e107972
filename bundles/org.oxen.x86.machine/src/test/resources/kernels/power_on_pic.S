/* Power-on state: POST codes to port 0x80 are accepted; a programmed PIT's IRQ 0 reaches no CPU
   while the 8259A has had no ICWs (with IF set for ~5 ms of PIT periods); after the ICWs it does. */
    .include "kit.inc"
main:
    movb $0x01, %al
    outb %al, $0x80
    movb $0x02, %al
    outb %al, $0x80
    movl $0x20, %eax
    movl $tick_isr, %edx
    call set_gate
    call pit_1khz
    sti
    movl $500000, %ecx          /* 500,000 instructions: 5 ms on the 10 ns/instruction clock */
1:  loop 1b
    cli
    cmpl $0, ticks
    jne 9f
    movl $quiet, %esi
    call puts
    call pic_init               /* ICWs; every input masked */
    movb $0xFE, %al             /* unmask IRQ 0 */
    outb %al, $0x21
    sti
2:  hlt
    cmpl $1, ticks
    jb 2b
    cli
    movl $after, %esi
    call puts
    movb $0x10, %al
    ret
9:  movl $early, %esi
    call puts
    movb $0x7e, %al
    ret
tick_isr:
    pushl %eax
    incl ticks
    movb $0x20, %al
    outb %al, $0x20
    popl %eax
    iret
    .data
ticks: .long 0
quiet: .asciz "no interrupt before the ICWs\n"
after: .asciz "IRQ 0 after the ICWs\n"
early: .asciz "FAIL: an interrupt before the ICWs\n"
