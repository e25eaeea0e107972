/* memtouch: a multiboot kernel that writes 32 MiB from 2 MiB up and exits by port 0xF4 (status 33): guest RAM touched, nothing in the JVM heap (benchmarks/memory/release.sh) */
        .section .text
        .globl _start
        .align 4
mb:     .long 0x1BADB002
        .long 0x00000000
        .long -(0x1BADB002)
_start: cld
        mov $0x200000, %edi
        mov $(32 << 20) / 4, %ecx
        mov $0x5A5A5A5A, %eax
        rep stosl
        mov $0x10, %al
        out %al, $0xF4
1:      hlt
        jmp 1b
