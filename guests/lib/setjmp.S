/*
 * setjmp.S -- setjmp/longjmp for i386 cdecl: saves ebx, esi, edi, ebp, the
 * caller's esp and the return address.  trap_try() uses them to unwind out
 * of a trap handler back to the code that armed the catch.
 */
    .text
    .globl setjmp
setjmp:
    movl 4(%esp), %eax          /* jmp_buf */
    movl %ebx, 0(%eax)
    movl %esi, 4(%eax)
    movl %edi, 8(%eax)
    movl %ebp, 12(%eax)
    leal 4(%esp), %ecx          /* esp after our return */
    movl %ecx, 16(%eax)
    movl (%esp), %ecx           /* return address */
    movl %ecx, 20(%eax)
    xorl %eax, %eax
    ret

    .globl longjmp
longjmp:
    movl 4(%esp), %edx          /* jmp_buf */
    movl 8(%esp), %eax          /* value */
    testl %eax, %eax
    jnz 1f
    incl %eax                   /* longjmp(jb, 0) returns 1 */
1:  movl 0(%edx), %ebx
    movl 4(%edx), %esi
    movl 8(%edx), %edi
    movl 12(%edx), %ebp
    movl 16(%edx), %esp
    jmp *20(%edx)
    .section .note.GNU-stack,"",@progbits
