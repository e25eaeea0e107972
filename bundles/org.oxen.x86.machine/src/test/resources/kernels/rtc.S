/* Reads the RTC (date and time, BCD) and takes 4 periodic interrupts on IRQ 8 through the
 * slave 8259A (vector 0x28), then exits. */
    .include "kit.inc"
main:
1:  movb $0x0A, %al                     /* wait while an update is in progress */
    outb %al, $0x70
    inb $0x71, %al
    testb $0x80, %al
    jnz 1b
    movl $msg_rtc, %esi
    call puts
    movb $0x32, %al
    call rtc_hex
    movb $0x09, %al
    call rtc_hex
    movb $0x08, %al
    call rtc_hex
    movb $0x07, %al
    call rtc_hex
    movb $' ', %al
    call putc
    movb $0x04, %al
    call rtc_hex
    movb $0x02, %al
    call rtc_hex
    movb $0x00, %al
    call rtc_hex
    movb $'\n', %al
    call putc

    movl $0x28, %eax
    movl $rtc_isr, %edx
    call set_gate
    call pic_init
    movb $0xFB, %al                     /* master: cascade (IRQ 2) */
    outb %al, $0x21
    movb $0xFE, %al                     /* slave: IRQ 8 */
    outb %al, $0xA1
    movb $0x0A, %al                     /* register A: 32.768 kHz divider, rate 6 (1024 Hz) */
    outb %al, $0x70
    movb $0x26, %al
    outb %al, $0x71
    movb $0x0B, %al                     /* register B: periodic interrupt enable */
    outb %al, $0x70
    inb $0x71, %al
    orb $0x40, %al
    movb %al, %ah
    movb $0x0B, %al
    outb %al, $0x70
    movb %ah, %al
    outb %al, $0x71
    movb $0x0C, %al                     /* clear pending flags */
    outb %al, $0x70
    inb $0x71, %al
    sti
2:  hlt
    cmpl $4, ticks
    jb 2b
    cli
    movl $msg_irq, %esi
    call puts
    movb $0x10, %al
    ret
rtc_hex:                                /* prints CMOS register %al as two hex digits */
    outb %al, $0x70
    inb $0x71, %al
    jmp puthex8
rtc_isr:
    pushl %eax
    incl ticks
    movb $0x0C, %al                     /* acknowledge: read register C */
    outb %al, $0x70
    inb $0x71, %al
    movb $0x20, %al
    outb %al, $0xA0
    outb %al, $0x20
    popl %eax
    iret
    .data
ticks: .long 0
msg_rtc: .asciz "rtc: "
msg_irq: .asciz "rtc periodic: 4 interrupts\n"
