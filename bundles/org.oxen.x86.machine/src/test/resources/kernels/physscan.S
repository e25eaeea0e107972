/* A hostile guest for isolation tests: scans all of physical memory for a 16-byte marker it
 * knows only XOR 0x5A (so the plain marker is never in its own memory), writes a pattern to
 * every page above RAM and reads it back, then reads and writes every I/O port (but the exit
 * and reset ports). Prints "found <addr>" per marker found, then
 * "above-ram pages=<n not all ones> stuck=<writes that stuck>" and exits 0x10.
 * With paging off, linear = physical: the whole 4 GiB of the flat segments. */
    .include "kit.inc"
    .set XORKEY, 0x5A5A5A5A
main:
    movl mb_ebx, %ebx
    movl 8(%ebx), %eax              /* mem_upper (KiB above 1 MiB) */
    addl $1024, %eax
    shll $10, %eax
    movl %eax, ramtop
    /* 1. every dword of RAM: the marker's first dword, then the other three */
    xorl %esi, %esi
1:  movl (%esi), %eax
    xorl $XORKEY, %eax
    cmpl needle, %eax
    jne 2f
    call check_rest
2:  addl $4, %esi
    cmpl ramtop, %esi
    jb 1b
    /* 2. above RAM to 4 GiB, one dword per page: count what is not all ones, look for the
     *    marker, write a pattern (not to the APIC pages) and read it back */
    movl ramtop, %esi
3:  movl (%esi), %eax
    cmpl $0xFFFFFFFF, %eax
    je 4f
    incl other
    xorl $XORKEY, %eax
    cmpl needle, %eax
    jne 4f
    call check_rest
4:  movl %esi, %eax
    andl $0xFFFFF000, %eax
    cmpl $0xFEC00000, %eax
    je 5f
    cmpl $0xFEE00000, %eax
    je 5f
    movl $0x13572468, (%esi)
    cmpl $0x13572468, (%esi)
    jne 5f
    incl stuck
5:  addl $4096, %esi
    jnz 3b                          /* wraps to 0 after 0xFFFFF000 */
    /* 3. every port: read, write 0 (but the exit ports 0xF4-0xF7 and reset 0xCF9) */
    xorl %edx, %edx
6:  inb %dx, %al
    cmpw $0xF4, %dx
    jb 7f
    cmpw $0xF7, %dx
    jbe 8f
7:  cmpw $0xCF9, %dx
    je 8f
    cmpw $0xE9, %dx
    je 8f
    xorb %al, %al
    outb %al, %dx
8:  incw %dx
    jnz 6b
    movl $msg_done, %esi
    call puts
    movl other, %eax
    call puthex32
    movl $msg_stuck, %esi
    call puts
    movl stuck, %eax
    call puthex32
    movb $'\n', %al
    call putc
    movb $0x10, %al
    ret

/* %esi: a dword matched the needle's first; compare the other 12 bytes and report */
check_rest:
    movl 4(%esi), %eax
    xorl $XORKEY, %eax
    cmpl needle + 4, %eax
    jne 1f
    movl 8(%esi), %eax
    xorl $XORKEY, %eax
    cmpl needle + 8, %eax
    jne 1f
    movl 12(%esi), %eax
    xorl $XORKEY, %eax
    cmpl needle + 12, %eax
    jne 1f
    pushl %esi
    movl $msg_found, %esi
    call puts
    popl %esi
    movl %esi, %eax
    call puthex32
    movb $'\n', %al
    call putc
1:  ret

puthex32:
    pushl %eax
    shrl $16, %eax
    xchgb %al, %ah
    call puthex8
    xchgb %al, %ah
    call puthex8
    popl %eax
    xchgb %al, %ah
    call puthex8
    xchgb %al, %ah
    jmp puthex8

    .data
    .align 4
/* "OXEN-HVM-SECRET!" XOR 0x5A */
needle:
    .byte 'O'^0x5A, 'X'^0x5A, 'E'^0x5A, 'N'^0x5A, '-'^0x5A, 'H'^0x5A, 'V'^0x5A, 'M'^0x5A
    .byte '-'^0x5A, 'S'^0x5A, 'E'^0x5A, 'C'^0x5A, 'R'^0x5A, 'E'^0x5A, 'T'^0x5A, '!'^0x5A
ramtop: .long 0
other: .long 0
stuck: .long 0
msg_found: .asciz "found "
msg_done: .asciz "above-ram pages="
msg_stuck: .asciz " stuck="
