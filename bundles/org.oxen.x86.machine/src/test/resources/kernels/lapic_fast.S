/*
 * The local APIC's timer periodic with an initial count of 1 at divide-by-1 (a period of 1 ns
 * at its 1 GHz clock): 100 interrupts, then exit. The lapic's minimum period
 * (min-timer-period-us) spaces them.
 */
    .include "kit.inc"
main:
    movl $0x40, %eax
    movl $apic_isr, %edx
    call set_gate
    movl $0x1ff, 0xfee000f0     /* SVR: software enable, spurious vector 0xff */
    movl $0xb, 0xfee003e0       /* divide by 1 */
    movl $0x20040, 0xfee00320   /* LVT timer: periodic, vector 0x40 */
    movl $1, 0xfee00380         /* initial count 1 */
    sti
1:  hlt
    cmpl $100, apic_ticks
    jb 1b
    movl $0, 0xfee00380         /* stop the timer */
    movl $msg, %esi
    jmp pass_with
apic_isr:
    incl apic_ticks
    movl $0, 0xfee000b0         /* EOI */
    iret
    .data
apic_ticks: .long 0
msg: .asciz "lapic count 1: 100 ticks\n"
