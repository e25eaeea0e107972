/* A bzImage-format test kernel (Linux boot protocol 2.10 setup header, one setup sector that is
 * never run): its protected-mode part, loaded at 1 MiB and entered at 0x100000 by the 32-bit boot
 * protocol, checks the entry state (CS 0x10, DS 0x18, %esi the zero page, type_of_loader 0xFF)
 * and prints what the loader gave it to port 0xE9: the command line, the e820 map (count and the
 * RAM entry above 1 MiB) and the initrd's first line and size; exit 0x10 (0x11 on a bad entry).
 * Built at test time: as --32, ld -Ttext=0xFFC00 --oformat binary (file offset 0x400 = 0x100000). */
    .text
    .code16
    .globl _start
_start:
    .org 0x1F1
    .byte 1                         /* setup_sects */
    .word 0                         /* root_flags */
    .long 0                         /* syssize */
    .word 0                         /* ram_size */
    .word 0                         /* vid_mode */
    .word 0                         /* root_dev */
    .word 0xAA55                    /* boot_flag */
    .byte 0xEB                      /* 0x200: jump over the header */
    .byte hdr_end - hdr_start
hdr_start:
    .ascii "HdrS"                   /* 0x202 */
    .word 0x020A                    /* 0x206 version 2.10 */
    .long 0                         /* 0x208 realmode_swtch */
    .word 0                         /* 0x20C start_sys_seg */
    .word 0                         /* 0x20E kernel_version */
    .byte 0                         /* 0x210 type_of_loader */
    .byte 0x01                      /* 0x211 loadflags: LOADED_HIGH */
    .word 0                         /* 0x212 setup_move_size */
    .long 0x100000                  /* 0x214 code32_start */
    .long 0                         /* 0x218 ramdisk_image */
    .long 0                         /* 0x21C ramdisk_size */
    .long 0                         /* 0x220 bootsect_kludge */
    .word 0                         /* 0x224 heap_end_ptr */
    .byte 0, 0                      /* 0x226 ext_loader_ver, ext_loader_type */
    .long 0                         /* 0x228 cmd_line_ptr */
    .long 0x37FFFFFF                /* 0x22C initrd_addr_max */
    .long 0x1000                    /* 0x230 kernel_alignment */
    .byte 0, 0                      /* 0x234 relocatable_kernel, min_alignment */
    .word 0                         /* 0x236 xloadflags */
    .long 255                       /* 0x238 cmdline_size */
    .long 0                         /* 0x23C hardware_subarch */
    .quad 0                         /* 0x240 hardware_subarch_data */
    .long 0, 0                      /* 0x248 payload_offset, payload_length */
    .quad 0                         /* 0x250 setup_data */
    .quad 0x100000                  /* 0x258 pref_address */
    .long 0x40000                   /* 0x260 init_size: 256 KiB */
    .long 0                         /* 0x264 handover_offset */
hdr_end:

    .org 0x400
    .code32
pm_entry:                           /* 0x100000 */
    movl $0x9F000, %esp
    movw %cs, %ax
    cmpw $0x10, %ax
    jne bad
    movw %ds, %ax
    cmpw $0x18, %ax
    jne bad
    cmpb $0xFF, 0x210(%esi)
    jne bad
    movl %esi, %ebp                 /* the zero page */
    movl $msg_cmd, %esi
    call puts
    movl 0x228(%ebp), %esi
    call puts
    movl $msg_e820, %esi
    call puts
    movzbl 0x1E8(%ebp), %eax
    call puthex32
    movl $msg_ram, %esi             /* the RAM entry above 1 MiB: entry 3 */
    call puts
    movl 0x2D0 + 3 * 20 + 8(%ebp), %eax
    call puthex32
    movl $msg_initrd, %esi
    call puts
    movl 0x218(%ebp), %esi
    testl %esi, %esi
    jz 2f
1:  lodsb                           /* its first line */
    cmpb $'\n', %al
    je 2f
    call putc
    jmp 1b
2:  movl $msg_size, %esi
    call puts
    movl 0x21C(%ebp), %eax
    call puthex32
    movb $'\n', %al
    call putc
    movb $0x10, %al
    outb %al, $0xf4
    cli
3:  hlt
    jmp 3b
bad:
    movb $0x11, %al
    outb %al, $0xf4
    cli
    hlt

putc:
    outb %al, $0xe9
    ret
puts:
    lodsb
    testb %al, %al
    jz 1f
    call putc
    jmp puts
1:  ret
puthex32:
    movl $8, %ecx
1:  roll $4, %eax
    pushl %eax
    andb $0x0F, %al
    cmpb $10, %al
    jb 2f
    addb $('a' - '0' - 10), %al
2:  addb $'0', %al
    call putc
    popl %eax
    loop 1b
    ret

msg_cmd: .asciz "bz: cmdline="
msg_e820: .asciz "\nbz: e820 entries="
msg_ram: .asciz " ram above 1 MiB="
msg_initrd: .asciz "\nbz: initrd="
msg_size: .asciz " size="
