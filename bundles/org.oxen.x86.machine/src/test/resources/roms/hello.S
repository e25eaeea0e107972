/* The smallest ROM program: real-mode registers after two moves (EDX is set as well: at
 * reset it holds the CPU's signature, which differs between oxen and Bochs' model). */
    .include "rom.inc"
main16:
    movl $0x12345678, %eax
    movl $0x9abcdef0, %ebx
    xorl %edx, %edx
    call regs_16
    ret
    .include "rom_end.inc"
