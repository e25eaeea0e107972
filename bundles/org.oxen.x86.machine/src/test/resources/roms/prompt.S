/* A shell's prompt and its wait (SessionConsoleTest): COM1 gets "ok> " with no line end, then
 * the CPU halts with interrupts enabled, as a shell waiting for a key does. Nothing is armed,
 * so the board idles. Not compared with Bochs (no rom.inc helpers, no @@BEGIN/@@END). */
    .code16
    .globl _start
_start:
    cli
    movw $0x3f8, %dx
    movb $'o', %al
    outb %al, %dx
    movb $'k', %al
    outb %al, %dx
    movb $'>', %al
    outb %al, %dx
    movb $' ', %al
    outb %al, %dx
    sti
1:  hlt
    jmp 1b
    .include "rom_end.inc"
