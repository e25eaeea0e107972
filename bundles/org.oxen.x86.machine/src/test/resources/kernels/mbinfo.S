/* Prints what the boot loader passed: magic, info flags, mem_lower/mem_upper, the command line,
 * every module (its string and contents) and every memory-map entry, then exits. */
    .include "kit.inc"
main:
    movl $s_magic, %esi
    call puts
    movl mb_eax, %eax
    call puthex32
    movl mb_ebx, %ebx
    movl $s_flags, %esi
    call puts
    movl (%ebx), %eax
    call puthex32
    movl $s_mem, %esi
    call puts
    movl 4(%ebx), %eax
    call puthex32
    movb $' ', %al
    call putc
    movl 8(%ebx), %eax
    call puthex32
    movl $s_cmdline, %esi
    call puts
    movl 16(%ebx), %esi
    call puts
    movb $'\n', %al
    call putc
    /* modules: 16-byte entries (start, end, string, reserved) */
    movl 20(%ebx), %ecx
    movl 24(%ebx), %edi
1:  testl %ecx, %ecx
    jz 3f
    movl $s_module, %esi
    call puts
    movl 8(%edi), %esi
    call puts
    movb $':', %al
    call putc
    movl (%edi), %esi
2:  cmpl 4(%edi), %esi                  /* contents, byte by byte up to mod_end */
    jae 4f
    lodsb
    call putc
    jmp 2b
4:  testl $0xFFF, (%edi)                /* page aligned? */
    jz 5f
    movl $s_unaligned, %esi
    call puts
5:  addl $16, %edi
    decl %ecx
    jmp 1b
3:  /* memory map: entries of size, base (8), length (8), type */
    movl 48(%ebx), %edi
    movl 44(%ebx), %edx
    addl %edi, %edx
6:  cmpl %edx, %edi
    jae 7f
    movl $s_mmap, %esi
    call puts
    movl 4(%edi), %eax
    call puthex32
    movb $' ', %al
    call putc
    movl 12(%edi), %eax
    call puthex32
    movb $' ', %al
    call putc
    movl 20(%edi), %eax
    call puthex8
    movb $'\n', %al
    call putc
    addl (%edi), %edi
    addl $4, %edi
    jmp 6b
7:  movb $0x10, %al
    ret
puthex32:
    pushl %eax
    shrl $24, %eax
    call puthex8
    movl (%esp), %eax
    shrl $16, %eax
    call puthex8
    movl (%esp), %eax
    shrl $8, %eax
    call puthex8
    popl %eax
    jmp puthex8
    .data
s_magic: .asciz "magic "
s_flags: .asciz "\nflags "
s_mem: .asciz "\nmem "
s_cmdline: .asciz "\ncmdline "
s_module: .asciz "module "
s_unaligned: .asciz " (not page aligned)"
s_mmap: .asciz "mmap "
