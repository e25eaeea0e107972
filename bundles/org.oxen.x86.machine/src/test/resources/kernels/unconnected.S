/* Reads an unconnected port as byte, word and dword, and unbacked physical memory (beyond RAM,
 * below the device windows); writes to both are ignored. Prints what it read, then exits. */
    .include "kit.inc"
main:
    movw $0x300, %dx
    movb $0x12, %al
    outb %al, %dx
    inb %dx, %al
    call puthex8
    movb $' ', %al
    call putc
    inw %dx, %ax
    xchgb %al, %ah
    call puthex8
    xchgb %al, %ah
    call puthex8
    movb $' ', %al
    call putc
    inl %dx, %eax
    call puthex8
    shrl $24, %eax
    call puthex8
    movb $' ', %al
    call putc
    movl $0x12345678, 0x40000000
    movl 0x40000000, %eax
    call puthex8
    shrl $24, %eax
    call puthex8
    movb $'\n', %al
    call putc
    movb $0x10, %al
    ret
