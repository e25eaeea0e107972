/*
 * entry.S -- native flavor entry: a multiboot v1 kernel (QEMU -kernel, GRUB,
 * oxen's native machine).  Loaded at 1 MiB in 32-bit protected mode with
 * paging off, EAX = 0x2BADB002 and EBX = multiboot info.  Sets a flat GDT,
 * zeroes .bss, switches to the cpu-0 kernel stack (with its kstack header)
 * and calls native_start(magic, info), which never returns.
 */
#define KSTACK_SIZE 16384
#define KSTACK_MAGIC 0x6b737463

    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    jmp real_start
    .balign 4
mb_header:
    .long 0x1BADB002                /* magic */
    .long 0x00000003                /* flags: page-align modules, want memory info */
    .long -(0x1BADB002 + 0x00000003)
real_start:
    cli
    cld
    movl %eax, %esi                 /* keep magic and info across the bss clear */
    movl %ebx, %ebp
    lgdt boot_gdt_desc
    ljmp $0x08, $1f
1:  movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    movl $boot_stack, %esp
    movl $0, 0(%esp)                /* kstack header: cpu 0 */
    movl $KSTACK_MAGIC, 4(%esp)
    addl $KSTACK_SIZE, %esp
    pushl %ebp                      /* native_start(magic, info) */
    pushl %esi
    xorl %ebp, %ebp                 /* terminate frame chains */
    call native_start
2:  cli
    hlt
    jmp 2b

    .balign 8
boot_gdt:
    .quad 0x0000000000000000
    .quad 0x00CF9A000000FFFF        /* 0x08: ring-0 code, flat 4 GiB */
    .quad 0x00CF92000000FFFF        /* 0x10: ring-0 data, flat 4 GiB */
boot_gdt_desc:
    .word boot_gdt_desc - boot_gdt - 1
    .long boot_gdt

    .section .bss.stack, "aw", @nobits
    .balign KSTACK_SIZE
    .globl boot_stack
boot_stack:
    .space KSTACK_SIZE
    .section .note.GNU-stack,"",@progbits
