/* How late a timer armed in the middle of the board's batch interrupts, counted in the guest's
 * own instructions: a first PIT one-shot wakes the CPU from HLT (the board's next batch starts
 * there), then the ISR's return arms a second one-shot of 12 input ticks (10,057 ns: 1,006
 * instructions on the default deterministic clock) and counts turns of a 3-instruction loop
 * until its interrupt comes. Prints "late: XXXXXXXX" (the turns, hex) and exits with 0x10. */
    .include "kit.inc"
main:
    call pic_irq0_init
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
    outb %al, $0x40
    xorl %ecx, %ecx
2:  incl %ecx
    cmpl $2, pic_ticks
    jb 2b
    cli
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
    .data
msg: .asciz "late: "
