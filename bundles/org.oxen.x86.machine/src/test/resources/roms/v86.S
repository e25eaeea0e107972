/* Virtual-8086 mode under a protected-mode monitor (BochsDiffTest.v86Monitor).
 *
 * Real mode copies a GDT (ring-0 code/data, two 32-bit TSSs with an I/O bitmap that traps port
 * 0x300 only) to RAM, switches to protected mode and builds an IDT: interrupt gates for the
 * exceptions, gates 0x30/0x31 of DPL 3 and 0x32 of DPL 0. The monitor then runs one program in
 * three phases, printing every trap with its frame:
 *   1. IRET into V86 with IOPL 0: PUSHF/POPF/CLI/STI/INT/IRET and OUT/IN to 0x300 trap (#GP)
 *      and are emulated (INT reflected through the real-mode IVT to a V86 handler, its IRET
 *      emulated); #DE, a word access at offset 0xFFFF and MOV CR0 reach the monitor; 16-bit
 *      stack wrap and 32-bit operands in V86.
 *   2. IRET into V86 with IOPL 3: CLI/PUSHF/POPF/IRET run; INT 0x30 goes straight to the ring-0
 *      handler (frame with ES/DS/FS/GS, null data segments), INT 0x32 (gate DPL 0) is #GP,
 *      OUT 0x300 still traps through the bitmap.
 *   3. JMP to a TSS whose EFLAGS has VM: the task starts in V86 with its selectors as
 *      paragraphs; its INT 0x31 enters ring 0 on that TSS's ring-0 stack.
 */
    .include "rom.inc"

    .set GDT, 0x1000
    .set IDT, 0x2000
    .set TSS1, 0x3000
    .set TSS2, 0x6000
    .set TSS_LIMIT, 0x2068              /* 0x68 + an 8 KiB bitmap + its 0xFF end byte */
    .set EXPECT, 0x500                  /* bytes the monitor skips after an expected fault */
    .set VIF, 0x504                     /* phase 1's virtual IF */
    .set PHASE, 0x508

    .code16
main16:
    ENTER_PM32
gdt_tpl:
    .quad 0
    .quad 0x00cf9a000000ffff            /* 0x08 ring-0 code */
    .quad 0x00cf92000000ffff            /* 0x10 ring-0 data */
    .word TSS_LIMIT, TSS1               /* 0x18 TSS 1 (the monitor) */
    .byte 0, 0x89, 0, 0
    .word TSS_LIMIT, TSS2               /* 0x20 TSS 2 (a V86 task) */
    .byte 0, 0x89, 0, 0
gdt_end:

    .code32
pm32:
    FLAT_DATA32
    /* IDT: exceptions 0-31, 0x30/0x31 DPL 3, 0x32 DPL 0 */
    EXCEPTION_GATES
    GATE 0x30, isr48, 0xee
    GATE 0x31, isr49
    GATE 0x32, isr50, 0x8e
    /* the two TSSs */
    movl $TSS1, %edi
    movl $0x9000, %eax
    call init_tss
    movl $TSS2, %edi
    movl $0xa000, %eax
    call init_tss
    movl $v86task, TSS2 + 0x20              /* EIP */
    movl $0x23002, TSS2 + 0x24              /* EFLAGS: VM, IOPL 3 */
    movl $0x0badcafe, TSS2 + 0x28           /* EAX */
    movl $0x100, TSS2 + 0x38                /* ESP */
    movl $0x2000, TSS2 + 0x48               /* ES */
    movl $0xf000, TSS2 + 0x4c               /* CS */
    movl $0x1800, TSS2 + 0x50               /* SS */
    movl $0x2000, TSS2 + 0x54               /* DS */
    movl $0x3000, TSS2 + 0x58               /* FS */
    movl $0x3100, TSS2 + 0x5c               /* GS */
    movw $0x18, %ax
    ltr %ax
    /* the real-mode IVT's vector 0x40 for reflected INT 0x40 */
    movw $v86int40, 0x100
    movw $0xf000, 0x102
    movl $0, EXPECT
    movl $0, VIF
    movl $1, PHASE
    PUTS32 s_monitor
    movl $0x11111111, %eax
    movl $0x22222222, %ebx
    movl $0x33333333, %ecx
    movl $0x44444444, %edx
    movl $0x55555555, %esi
    movl $0x66666666, %edi
    movl $0x77777777, %ebp
    movl $v86main, %eax
    movl $0x20002, %edx                     /* VM, IOPL 0 */
    jmp enter_v86

/* IRET to V86 at F000:EAX with EFLAGS EDX, SS:SP 1000:FFF0, DS=ES=2000, FS=GS=0 */
enter_v86:
    movl $0x9000, %esp
    pushl $0                                /* GS */
    pushl $0                                /* FS */
    pushl $0x2000                           /* DS */
    pushl $0x2000                           /* ES */
    pushl $0x1000                           /* SS */
    pushl $0xfff0                           /* ESP */
    pushl %edx                              /* EFLAGS */
    pushl $0xf000                           /* CS */
    pushl %eax                              /* EIP */
    movl $0xaaaa0000, %eax
    iret

    SET_GATE

/* zeroes the TSS at EDI and its bitmap, SS0:ESP0 = 0x10:EAX, bitmap traps port 0x300 */
init_tss:
    pushl %edi
    pushl %eax
    movl $(TSS_LIMIT + 1), %ecx
    xorl %eax, %eax
    rep stosb
    popl %eax
    popl %edi
    movl %eax, 4(%edi)
    movl $0x10, 8(%edi)
    movw $0x68, 0x66(%edi)
    orb $1, 0x68 + 0x300 / 8(%edi)
    movb $0xff, TSS_LIMIT(%edi)
    ret

/* ---- the monitor's interrupt entry ---- */
    ISR_STUBS 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,48,49,50

    /* after PUSHAD: vector 32, error 36, EIP 40, CS 44, EFLAGS 48, ESP 52, SS 56, ES 60, DS 64, FS 68, GS 72 */
    .set F_VEC, 32
    .set F_ERR, 36
    .set F_EIP, 40
    .set F_CS, 44
    .set F_FL, 48
    .set F_ESP, 52
    .set F_SS, 56
    .set R_EAX, 28
    .set R_EDX, 20

    .macro FIELD off
    movl \off(%esp), %eax
    call hex32_32
    call sp_32
    .endm

isr_common:
    pushal
    movw %ds, %bx                           /* DS as the handler found it */
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    PUTS32 s_trap
    movl F_VEC(%esp), %eax
    call hex16_32
    PUTS32 s_err
    movl F_ERR(%esp), %eax
    call hex16_32
    PUTS32 s_ds
    movl %ebx, %eax
    call hex16_32
    call nl_32
    PUTS32 s_frame
    FIELD F_EIP
    FIELD F_CS
    FIELD F_FL
    testl $0x20000, F_FL(%esp)
    jz from_pm
    .irp off, 52,56,60,64,68,72
    FIELD \off
    .endr
    call nl_32
    movl F_VEC(%esp), %eax
    cmpl $0x30, %eax
    je int30
    cmpl $0x31, %eax
    je int31
    movl EXPECT, %ecx                       /* an expected fault: skip the instruction */
    testl %ecx, %ecx
    jz 1f
    movl $0, EXPECT
    addw %cx, F_EIP(%esp)
    jmp resume
1:  cmpl $13, %eax
    je gp_v86
    PUTS32 s_unexpected
    jmp finish_32
from_pm:
    call nl_32
    PUTS32 s_unexpected
    jmp finish_32

resume:
    popal
    addl $8, %esp
    iret

int30:
    PUTS32 s_int30
    call regs_32
    jmp resume

int31:                                      /* phase 3 ends here, in the V86 task's ring-0 stack */
    PUTS32 s_int31
    str %ax
    call hex16_32
    call sp_32
    movl %esp, %eax
    call hex32_32
    call sp_32
    movzbl GDT + 0x18 + 5, %eax             /* TSS 1: available again after the JMP */
    call hex16_32
    call sp_32
    movzbl GDT + 0x20 + 5, %eax             /* TSS 2: busy */
    call hex16_32
    call sp_32
    movl TSS2, %eax                         /* back link: none after a JMP */
    call hex16_32
    call sp_32
    movl TSS1 + 0x20, %eax                  /* EIP saved in TSS 1 */
    subl $ROM, %eax
    call hex32_32
    call nl_32
    jmp finish_32

/* #GP from V86: ESI = linear CS:IP */
gp_v86:
    movzwl F_CS(%esp), %esi
    shll $4, %esi
    movzwl F_EIP(%esp), %eax
    addl %eax, %esi
    movzbl (%esi), %eax
    cmpb $0xcd, %al
    je emu_int
    cmpb $0xcf, %al
    je emu_iret
    cmpb $0x9c, %al
    je emu_pushf
    cmpb $0x9d, %al
    je emu_popf
    cmpb $0xfa, %al
    je emu_cli
    cmpb $0xfb, %al
    je emu_sti
    cmpb $0xee, %al
    je emu_out
    cmpb $0xec, %al
    je emu_in
    cmpb $0xf4, %al
    je emu_hlt
    PUTS32 s_unknown
    call hex16_32
    call nl_32
    jmp finish_32

/* EDI = linear address of the V86 stack top (SS*16 + SP) */
v86_sp:
    movzwl F_SS + 4(%esp), %edi
    shll $4, %edi
    movzwl F_ESP + 4(%esp), %eax
    addl %eax, %edi
    ret

emu_int:
    movzbl 1(%esi), %ecx
    PUTS32 s_emu_int
    movl %ecx, %eax
    call hex16_32
    call nl_32
    subw $6, F_ESP(%esp)
    call v86_sp
    movl F_EIP(%esp), %eax
    addl $2, %eax
    movw %ax, (%edi)                        /* IP after INT n */
    movl F_CS(%esp), %eax
    movw %ax, 2(%edi)
    movl F_FL(%esp), %eax
    andl $~0x200, %eax
    movl VIF, %edx
    shll $9, %edx
    orl %edx, %eax
    movw %ax, 4(%edi)                       /* FLAGS with the virtual IF */
    movl $0, VIF
    movzwl (,%ecx,4), %eax                  /* the real-mode IVT */
    movl %eax, F_EIP(%esp)
    movzwl 2(,%ecx,4), %eax
    movl %eax, F_CS(%esp)
    andl $~0x100, F_FL(%esp)                /* TF */
    jmp resume

emu_iret:
    call v86_sp
    movzwl (%edi), %eax
    movl %eax, F_EIP(%esp)
    movzwl 2(%edi), %eax
    movl %eax, F_CS(%esp)
    movzwl 4(%edi), %eax
    call set_flags16
    addw $6, F_ESP(%esp)
    PUTS32 s_emu_iret
    call hex16_32
    call nl_32
    jmp resume

/* FLAGS image AX into the frame (+4: called) keeping VM, IOPL and the real IF; IF to VIF */
set_flags16:
    pushl %eax
    shrl $9, %eax
    andl $1, %eax
    movl %eax, VIF
    popl %eax
    pushl %eax
    andl $0x0cd5, %eax                      /* CF PF AF ZF SF TF DF OF */
    movl F_FL + 8(%esp), %edx
    andl $~0x0cd5, %edx
    orl %edx, %eax
    movl %eax, F_FL + 8(%esp)
    popl %eax
    ret

emu_pushf:
    subw $2, F_ESP(%esp)
    call v86_sp
    movl F_FL(%esp), %eax
    andl $~0x3200, %eax
    movl VIF, %edx
    shll $9, %edx
    orl %edx, %eax
    movw %ax, (%edi)
    incw F_EIP(%esp)
    PUTS32 s_emu_pushf
    call hex16_32
    call nl_32
    jmp resume

emu_popf:
    call v86_sp
    movzwl (%edi), %eax
    call set_flags16
    addw $2, F_ESP(%esp)
    incw F_EIP(%esp)
    PUTS32 s_emu_popf
    call hex16_32
    call nl_32
    jmp resume

emu_cli:
    movl $0, VIF
    incw F_EIP(%esp)
    PUTS32 s_emu_cli
    jmp resume

emu_sti:
    movl $1, VIF
    incw F_EIP(%esp)
    PUTS32 s_emu_sti
    jmp resume

emu_out:
    PUTS32 s_emu_out
    movl R_EDX(%esp), %eax
    call hex16_32
    call sp_32
    movzbl R_EAX(%esp), %eax
    call hex16_32
    call nl_32
    incw F_EIP(%esp)
    jmp resume

emu_in:
    PUTS32 s_emu_in
    movl R_EDX(%esp), %eax
    call hex16_32
    call nl_32
    movb $0x5a, R_EAX(%esp)
    incw F_EIP(%esp)
    jmp resume

emu_hlt:
    PUTS32 s_emu_hlt
    movl PHASE, %eax
    incl PHASE
    cmpl $1, %eax
    jne 1f
    movl $v86phase2, %eax
    movl $0x23002, %edx                     /* VM, IOPL 3 */
    jmp enter_v86
1:  movl $0x9000, %esp
    PUTS32 s_task
    ljmp $0x20, $0
    PUTS32 s_unexpected
    jmp finish_32

/* ---- the V86 program ---- */
    .code16
    .macro EXPECT16 n                       /* the next instruction faults: skip its n bytes */
    pushw %es
    pushw $0
    popw %es
    movw $\n, %es:EXPECT
    popw %es
    .endm

    .macro SEGS16
    pushl %eax
    movw %cs, %ax
    call hex16_16
    call sp_16
    movw %ss, %ax
    call hex16_16
    call sp_16
    movw %ds, %ax
    call hex16_16
    call sp_16
    movw %es, %ax
    call hex16_16
    call sp_16
    movw %fs, %ax
    call hex16_16
    call sp_16
    movw %gs, %ax
    call hex16_16
    call nl_16
    popl %eax
    .endm

v86main:
    PUTS16 s_v86
    call regs_16
    SEGS16
    movw $0x1234, 0                         /* DS=2000: linear 0x20000 */
    movw $0x1fff, %ax
    movw %ax, %es
    movw %es:0x10, %ax                      /* the same byte seen through ES=1FFF */
    call hex16_16
    call nl_16
    pushf
    popw %ax
    call hex16_16
    call nl_16
    sti
    pushf
    popw %ax
    call hex16_16
    call nl_16
    cli
    movw $0x300, %dx
    movb $0x42, %al
    outb %al, %dx
    inb %dx, %al
    call hex16_16
    call nl_16
    movw $0x80, %dx                         /* not trapped by the bitmap: the bus */
    outb %al, %dx
    int $0x40
    PUTS16 s_back
    call regs_16
    EXPECT16 2
    movw $5, %ax
    xorb %bl, %bl
    divb %bl                                /* #DE */
    EXPECT16 3
    movw 0xffff, %ax                        /* a word at offset 0xFFFF: #GP(0) */
    EXPECT16 3
    movl %cr0, %eax                         /* privileged: #GP(0) */
    movw %sp, %bp
    xorw %sp, %sp
    pushw $0xbeef                           /* SP wraps to 0xFFFE */
    movw %sp, %ax
    call hex16_16
    call sp_16
    popw %cx
    movw %cx, %ax
    call hex16_16
    call sp_16
    movw %sp, %ax
    call hex16_16
    call nl_16
    movw %bp, %sp
    pushl $0x12345678                       /* 66 68: four bytes */
    movw %sp, %ax
    call hex16_16
    call sp_16
    popl %eax
    call hex32_16
    call nl_16
    hlt

v86int40:
    PUTS16 s_int40
    movw %sp, %bp
    movw %sp, %ax
    call hex16_16
    call sp_16
    movw (%bp), %ax
    call hex16_16
    call sp_16
    movw 2(%bp), %ax
    call hex16_16
    call sp_16
    movw 4(%bp), %ax
    call hex16_16
    call nl_16
    iret

v86phase2:
    PUTS16 s_phase2
    call regs_16
    cli
    pushf
    popw %ax
    call hex16_16
    call sp_16
    pushw $0x0cd5                           /* POPF cannot change IOPL in V86 */
    popf
    pushf
    popw %ax
    call hex16_16
    call nl_16
    pushw $0
    popf
    int $0x30
    PUTS16 s_back
    EXPECT16 2
    int $0x32                               /* gate DPL 0: #GP(0x32*8+2) */
    movw $0x300, %dx
    movb $0x24, %al
    outb %al, %dx                           /* the bitmap still traps */
    pushf
    pushw %cs
    pushw $1f
    iret                                    /* runs in V86 with IOPL 3 */
1:  PUTS16 s_iret_ok
    pushl $0x00023000                       /* 66 IRET: the upper half is kept */
    pushl $0xf000
    pushl $2f
    iretl
2:  PUTS16 s_iret_ok
    pushfl
    popl %eax
    call hex32_16
    call nl_16
    hlt

v86task:
    PUTS16 s_v86task
    call regs_16
    SEGS16
    pushfl
    popl %eax
    call hex32_16
    call nl_16
    int $0x31

    .code32
s_monitor: .asciz "monitor: protected mode, TR 18\n"
s_trap: .asciz "trap "
s_err: .asciz " err "
s_ds: .asciz " ds "
s_frame: .asciz "  frame "
s_unexpected: .asciz "unexpected trap\n"
s_unknown: .asciz "unknown opcode "
s_int30: .asciz "int 30 from v86, regs: "
s_int31: .asciz "int 31 from the v86 task: tr esp tss1 tss2 link eip1 "
s_emu_int: .asciz "emulate int "
s_emu_iret: .asciz "emulate iret flags "
s_emu_pushf: .asciz "emulate pushf "
s_emu_popf: .asciz "emulate popf "
s_emu_cli: .asciz "emulate cli\n"
s_emu_sti: .asciz "emulate sti\n"
s_emu_out: .asciz "emulate out "
s_emu_in: .asciz "emulate in "
s_emu_hlt: .asciz "emulate hlt\n"
s_task: .asciz "monitor: jmp to the v86 task\n"
s_v86: .asciz "v86: phase 1\n"
s_back: .asciz "v86: back\n"
s_int40: .asciz "v86: int 40 handler sp ip cs flags "
s_phase2: .asciz "v86: phase 2 (iopl 3)\n"
s_iret_ok: .asciz "v86: iret ok\n"
s_v86task: .asciz "v86 task\n"

    .include "rom_end.inc"
