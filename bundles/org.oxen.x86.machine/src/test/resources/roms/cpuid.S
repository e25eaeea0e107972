/* Prints CPUID leaf 0 (the vendor): differs between oxen and Bochs' default CPU model, which
 * shows that the comparison of BochsDiffTest sees both emulators' own output. */
    .include "rom.inc"
main16:
    xorl %eax, %eax
    cpuid
    movl %ebx, %eax
    call hex32_16
    movl %edx, %eax
    call hex32_16
    movl %ecx, %eax
    call hex32_16
    call nl_16
    ret
    .include "rom_end.inc"
