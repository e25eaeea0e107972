/*
 * user_stubs.S -- ring-3 snippets and the user stack, in their own page-aligned
 * .user section so the kit can mark exactly these pages user-accessible.
 * Each snippet receives its argument in ebx and returns with int $0x80.
 */
    .section .user.text, "ax"
    .globl user_double_plus_one, user_cli, user_load, user_store, user_inb
user_double_plus_one:
    leal 1(%ebx,%ebx), %eax
    int $0x80
    ud2
user_cli:
    cli
    movl $0xbad, %eax
    int $0x80
    ud2
user_inb:
    movl %ebx, %edx
    movl $0x5a5a5a5a, %eax
    inb %dx, %al
    int $0x80
    ud2
user_load:
    movl (%ebx), %eax
    int $0x80
    ud2
user_store:
    movl $0x55aa55aa, (%ebx)
    xorl %eax, %eax
    int $0x80
    ud2

    .section .user.data, "aw"
    .balign 16
    .globl user_stack_top
    .space 2048
user_stack_top:
    .section .note.GNU-stack,"",@progbits
