/* Prints a message on COM1 from the THRE interrupt (IRQ 4 through the 8259A, vector 0x24),
 * one character per interrupt, then exits. */
    .include "kit.inc"
main:
    movl $0x24, %eax
    movl $uart_isr, %edx
    call set_gate
    call pic_init
    movb $0xEF, %al                     /* unmask IRQ 4 */
    outb %al, $0x21
    movw $0x3F9, %dx                    /* IER off */
    movb $0x00, %al
    outb %al, %dx
    movw $0x3FB, %dx                    /* DLAB, divisor 1, then 8N1 */
    movb $0x80, %al
    outb %al, %dx
    movw $0x3F8, %dx
    movb $0x01, %al
    outb %al, %dx
    movw $0x3F9, %dx
    movb $0x00, %al
    outb %al, %dx
    movw $0x3FB, %dx
    movb $0x03, %al
    outb %al, %dx
    movw $0x3FA, %dx                    /* FIFOs on and cleared */
    movb $0x07, %al
    outb %al, %dx
    movw $0x3FC, %dx                    /* DTR, RTS, OUT2 (the IRQ gate) */
    movb $0x0B, %al
    outb %al, %dx
    movl $msg, tx_ptr
    sti
    movw $0x3F9, %dx                    /* IER: transmitter holding register empty */
    movb $0x02, %al
    outb %al, %dx
1:  hlt
    cmpl $0, tx_done
    je 1b
    cli
    movl $msg_done, %esi
    call puts
    movl irqs, %eax
    call puthex8
    movb $'\n', %al
    call putc
    movb $0x10, %al
    ret
uart_isr:
    pushal
    incl irqs
    movw $0x3FA, %dx                    /* IIR */
    inb %dx, %al
    andb $0x0F, %al
    cmpb $0x02, %al
    jne 2f
    movl tx_ptr, %esi
    movb (%esi), %al
    testb %al, %al
    jz 3f
    movw $0x3F8, %dx
    outb %al, %dx
    incl tx_ptr
    jmp 2f
3:  movl $1, tx_done
    movw $0x3F9, %dx
    movb $0x00, %al
    outb %al, %dx
2:  movb $0x20, %al
    outb %al, $0x20
    popal
    iret
    .data
tx_ptr: .long 0
tx_done: .long 0
irqs: .long 0
msg: .asciz "hello from the uart interrupt\n"
msg_done: .asciz "uart: done, interrupts 0x"
