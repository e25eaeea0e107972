/* Counts boots in a byte at 0x7000 (outside the kernel and the boot information): the first
 * boot resets the machine through 0xCF9 (PIIX3 reset control), the second prints and exits. */
    .include "kit.inc"
main:
    incb 0x7000
    cmpb $1, 0x7000
    jne 1f
    movl $msg_first, %esi
    call puts
    movw $0xCF9, %dx
    movb $0x06, %al                     /* system reset (bit 2) + hard (bit 1) */
    outb %al, %dx
2:  jmp 2b
1:  movl $msg_second, %esi
    call puts
    movb $0x10, %al
    ret
    .data
msg_first: .asciz "first boot\n"
msg_second: .asciz "second boot\n"
