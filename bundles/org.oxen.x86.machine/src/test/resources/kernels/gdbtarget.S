/* A kernel for the gdb stub's test: spins until a debugger sets `go`, then calls `tick` five
   times (each increments `counter`) and passes if counter is 5 (a debugger that stepped through
   tick must not have run the increment twice or lost it). */
    .include "kit.inc"
    .globl tick, counter, go
main:
1:  cmpl $0, go
    je 1b
    movl $5, %ecx
2:  call tick
    loop 2b
    cmpl $5, counter
    jne 3f
    movl $pass, %esi
    call puts
    movb $0x10, %al
    ret
3:  movl $fail, %esi
    call puts
    movb $0x11, %al
    ret
tick:
    incl counter
    ret
    .data
go:      .long 0
counter: .long 0
pass:    .asciz "RESULT: PASS\n"
fail:    .asciz "RESULT: FAIL counter is not 5\n"
