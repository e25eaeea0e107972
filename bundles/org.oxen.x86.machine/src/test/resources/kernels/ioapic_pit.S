/* PIT channel 0 at 1 kHz through the I/O APIC (ISA IRQ 0 = pin 2) to the local APIC,
 * vector 0x30, with the 8259A masked: 10 ticks, then exit. */
    .include "kit.inc"
    .set LAPIC, 0xFEE00000
    .set IOAPIC, 0xFEC00000
main:
    movl $0x30, %eax
    movl $apic_isr, %edx
    call set_gate
    movl $0xFF, %eax
    movl $spurious_isr, %edx
    call set_gate
    call pic_init                       /* and leave every 8259A input masked */
    movl $0x1FF, LAPIC + 0xF0           /* SVR: APIC enabled, spurious vector 0xFF */
    movl $0x14, IOAPIC                  /* redirection entry 2, low: vector 0x30, fixed, edge, unmasked */
    movl $0x30, IOAPIC + 0x10
    movl $0x15, IOAPIC                  /* high: destination APIC 0 */
    movl $0x00000000, IOAPIC + 0x10
    call pit_1khz
    sti
1:  hlt
    cmpl $10, ticks
    jb 1b
    movl $msg, %esi
    jmp pass_with
apic_isr:
    incl ticks
    movl $0, LAPIC + 0xB0               /* EOI */
    iret
spurious_isr:
    iret
    .data
ticks: .long 0
msg: .asciz "pit via ioapic: 10 ticks\n"
