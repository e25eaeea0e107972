/* Starts CPU 1 with INIT and STARTUP IPIs through the local APIC: its real-mode trampoline,
 * copied to 0x8000, sets a flag at 0x7000 and halts; CPU 0 waits for the flag and exits. */
    .include "kit.inc"
    .set LAPIC, 0xFEE00000
main:
    movl $0, 0x7000
    movl $trampoline, %esi              /* copy the trampoline to 0x8000 */
    movl $0x8000, %edi
    movl $(trampoline_end - trampoline), %ecx
    rep movsb
    movl $0x1FF, LAPIC + 0xF0           /* SVR: APIC on */
    movl $0x01000000, LAPIC + 0x310     /* ICR high: destination APIC 1 */
    movl $0x00004500, LAPIC + 0x300     /* INIT, assert */
    movl $0x01000000, LAPIC + 0x310
    movl $0x00004608, LAPIC + 0x300     /* STARTUP, vector 0x08 -> 0x8000 */
    movl $10000000, %ecx
1:  cmpl $0x0A5, 0x7000
    je 2f
    loop 1b
    movl $msg_timeout, %esi
    call puts
    movb $0x7d, %al
    ret
2:  movl $msg_ok, %esi
    call puts
    movl $0x1B, %ecx                    /* IA32_APIC_BASE of CPU 0, then of CPU 1 */
    rdmsr
    call puthex32
    movb $' ', %al
    call putc
    movl 0x7004, %eax
    call puthex32
    movb $'\n', %al
    call putc
    movb $0x10, %al
    ret
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

    .code16
trampoline:                             /* runs at 0800:0000 in real mode */
    cli
    xorw %ax, %ax
    movw %ax, %ds
    movl $0x1B, %ecx
    rdmsr
    movl %eax, 0x7004
    movl $0x0A5, 0x7000
3:  hlt
    jmp 3b
trampoline_end:
    .code32
    .data
msg_ok: .asciz "cpu 1 started\n"
msg_timeout: .asciz "cpu 1 did not start\n"
