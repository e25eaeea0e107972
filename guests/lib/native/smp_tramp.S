/*
 * smp_tramp.S -- the way into the kit for an application processor
 * (lib/native/smp.c).  smp_trampoline..smp_trampoline_end is copied to the
 * page SMP_TRAMPOLINE (0x7000) and a STARTUP IPI with vector 0x07 starts
 * the CPU there in real mode (CS = 0x0700, IP = 0): it loads a flat GDT of
 * its own (built for that address), turns protection on and jumps to
 * smp_ap_entry32 in the image, which loads the kit's segments, switches to
 * the stack smp.c prepared (its kstack header already written) and calls
 * smp_ap_main().  As Linux's trampoline_32.S, minus paging.
 */
#define SMP_TRAMPOLINE 0x7000

    .section .rodata
    .code16
    .globl smp_trampoline, smp_trampoline_end
smp_trampoline:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl tramp_gdt_desc - smp_trampoline
    movl %cr0, %eax
    orb $1, %al
    movl %eax, %cr0
    ljmpl $0x08, $smp_ap_entry32
    .balign 8
tramp_gdt:
    .quad 0x0000000000000000
    .quad 0x00CF9A000000FFFF        /* 0x08: ring-0 code, flat 4 GiB */
    .quad 0x00CF92000000FFFF        /* 0x10: ring-0 data, flat 4 GiB */
tramp_gdt_desc:
    .word tramp_gdt_desc - tramp_gdt - 1
    .long SMP_TRAMPOLINE + tramp_gdt - smp_trampoline
smp_trampoline_end:

    .text
    .code32
smp_ap_entry32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    movl smp_ap_stack_top, %esp
    xorl %ebp, %ebp
    call smp_ap_main
1:  cli
    hlt
    jmp 1b
    .section .note.GNU-stack,"",@progbits
