/* When a timer armed in the middle of the board's batch interrupts, counted in the guest's own
 * instructions: a first PIT one-shot wakes the CPU from HLT (the board's next round starts with
 * its interrupt), then the code after the wait arms a second one-shot of 12 input ticks and
 * counts turns of a 3-instruction loop until its interrupt comes. The ISR notes where it came
 * (the interrupted EIP and ECX), so the count is exact: the instructions retired after the
 * arming OUT, before the interrupt. From the round's start to that OUT, 17 instructions run:
 * the ISR's 9 (tick 1), the wait's cmpl and jb, and the 6 that program the PIT.
 * Prints "after arming: XXXXXXXX" (hex) and exits with 0x10. */
    .include "kit.inc"
main:
    call pic_init
    movl $0x20, %eax
    movl $isr, %edx
    call set_gate
    movb $0xFE, %al             /* unmask IRQ 0 */
    outb %al, $0x21
    movb $0x30, %al             /* counter 0, lo/hi, mode 0 (interrupt on terminal count) */
    outb %al, $0x43
    movb $100, %al              /* 100 ticks: the wake-up */
    outb %al, $0x40
    movb $0, %al
    outb %al, $0x40
    sti
1:  hlt
    cmpl $1, pic_ticks
    jb 1b
    movb $0x30, %al             /* the measured one-shot: 12 ticks */
    outb %al, $0x43
    movb $12, %al
    outb %al, $0x40
    movb $0, %al
    outb %al, $0x40             /* armed here */
    xorl %ecx, %ecx
loop_incl:
    incl %ecx
loop_cmpl:
    cmpl $2, pic_ticks
loop_jb:
    jb loop_incl
    cli
    /* instructions after the OUT: the xorl, 3 per finished turn, and the started turn's */
    movl irq_ecx, %eax
    leal (%eax,%eax,2), %eax
    incl %eax
    cmpl $loop_cmpl, irq_eip    /* interrupted after the incl of turn ECX */
    jne 2f
    subl $2, %eax
2:  cmpl $loop_jb, irq_eip      /* after its cmpl */
    jne 3f
    decl %eax
3:  movl %eax, %ecx
    movl $msg, %esi
    call puts
    movl %ecx, %eax
    shrl $24, %eax
    call puthex8
    movl %ecx, %eax
    shrl $16, %eax
    call puthex8
    movl %ecx, %eax
    shrl $8, %eax
    call puthex8
    movl %ecx, %eax
    call puthex8
    movb $'\n', %al
    call putc
    movb $0x10, %al
    ret

isr:                            /* 9 instructions: counts the tick, notes where it came */
    pushl %eax
    incl pic_ticks
    movl 4(%esp), %eax
    movl %eax, irq_eip
    movl %ecx, irq_ecx
    movb $0x20, %al             /* non-specific EOI */
    outb %al, $0x20
    popl %eax
    iret

    .data
msg: .asciz "after arming: "
irq_eip: .long 0
irq_ecx: .long 0
