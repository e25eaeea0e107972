/*
 * head.S -- PV flavor entry, Xen ELF notes and the hypercall page.
 *
 * The domain builder starts _start in ring 1 with ESI = start_info (virtual
 * address), flat selectors (CS 0xe019, DS/SS 0xe021) and event upcalls
 * masked.  We clear .bss, move to the cpu-0 kernel stack (the boot stack
 * Xen provides lies in memory the guest may reuse) and call pv_start(si).
 *
 * The notes tell the builder how to load us: linked at VIRT_BASE
 * 0xC0000000 with PADDR_OFFSET equal to it (virtual == pseudo-physical +
 * VIRT_BASE), PAE page tables, and where the hypercall page is: a zeroed,
 * page-aligned page of the image that the hypervisor fills with stubs.
 */
#include <oxen/xen_abi.h>

#define KSTACK_SIZE 16384
#define KSTACK_MAGIC 0x6b737463

.macro XEN_NOTE_HEAD type
    .balign 4
    .long 4                         /* namesz: "Xen\0" */
    .long 2f - 1f                   /* descsz */
    .long \type
    .asciz "Xen"
1:
.endm
.macro XEN_NOTE_STR type, str
    XEN_NOTE_HEAD \type
    .asciz "\str"
2:  .balign 4
.endm
.macro XEN_NOTE_LONG type, value
    XEN_NOTE_HEAD \type
    .long \value
2:  .balign 4
.endm

    .section .note.Xen, "a", @note
    XEN_NOTE_STR  XEN_ELFNOTE_GUEST_OS, "oxen-kit"
    XEN_NOTE_STR  XEN_ELFNOTE_GUEST_VERSION, "0.1"
    XEN_NOTE_STR  XEN_ELFNOTE_XEN_VERSION, "xen-3.0"
    XEN_NOTE_STR  XEN_ELFNOTE_LOADER, "generic"
    XEN_NOTE_STR  XEN_ELFNOTE_PAE_MODE, "yes"
    XEN_NOTE_STR  XEN_ELFNOTE_FEATURES, "writable_page_tables|pae_pgdir_above_4gb"
    XEN_NOTE_LONG XEN_ELFNOTE_VIRT_BASE, 0xC0000000
    XEN_NOTE_LONG XEN_ELFNOTE_PADDR_OFFSET, 0xC0000000
    XEN_NOTE_LONG XEN_ELFNOTE_ENTRY, _start
    XEN_NOTE_LONG XEN_ELFNOTE_HYPERCALL_PAGE, hypercall_page
    XEN_NOTE_LONG XEN_ELFNOTE_HV_START_LOW, HYPERVISOR_VIRT_START

    .section .text.head, "ax"
    .globl _start
_start:
    cld
    movl $__bss_start, %edi         /* esi (start_info) survives the clear */
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    movl $boot_stack, %esp
    movl $0, 0(%esp)                /* kstack header: cpu 0 */
    movl $KSTACK_MAGIC, 4(%esp)
    addl $KSTACK_SIZE, %esp
    pushl %esi
    xorl %ebp, %ebp
    call pv_start
1:  jmp 1b

    .section .text.hypercall_page, "ax"
    .balign 4096
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0

    .section .bss.stack, "aw", @nobits
    .balign KSTACK_SIZE
    .globl boot_stack
boot_stack:
    .space KSTACK_SIZE
    .section .note.GNU-stack,"",@progbits
