/*
 * desc.c -- the native descriptor tables: a GDT with ring-0 and ring-3 flat
 * segments, a TSS (whose esp0 is the cpu-0 trap stack used on ring-3 ->
 * ring-0 transitions), and an IDT of interrupt gates for vectors 0-47 and
 * 0xf0-0xff (the local APIC's: lib/native/smp.c) plus the ring-3 callable
 * vectors 3 (int3), 4 (into) and 0x80 (the kit's "syscall").  Every gate
 * clears IF; handlers run with interrupts off.  An application processor
 * loads the same GDT and IDT (desc_load_tables) and no TSS: it stays in ring 0.
 */
#include <oxen/native.h>

struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));

static uint64_t gdt[7] ALIGNED(8) = {
    0,
    0x00CF9A000000FFFFull,          /* 0x08 ring-0 code */
    0x00CF92000000FFFFull,          /* 0x10 ring-0 data */
    0x00CFFA000000FFFFull,          /* 0x18 ring-3 code (selector 0x1b) */
    0x00CFF2000000FFFFull,          /* 0x20 ring-3 data (selector 0x23) */
    0,                              /* 0x28 TSS, filled in at run time */
    0x00CF12000000FFFFull,          /* 0x30 ring-0 data, not present (traps: #NP, #SS) */
};
static uint64_t idt[256] ALIGNED(8);
static struct tss tss ALIGNED(16);
static uint8_t trap_stack[KSTACK_SIZE] ALIGNED(KSTACK_SIZE);

extern const uint32_t vector_table[48];
extern const uint32_t vector_table_apic[16];
extern char vector_128[];

struct dtr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

void desc_load_tables(void);

static uint64_t gate(uint32_t handler, unsigned dpl)
{
    /* 32-bit interrupt gate: present, DPL, type 0xE */
    uint64_t lo = (handler & 0xffffu) | ((uint32_t)KERNEL_CS << 16);
    uint64_t hi = (handler & 0xffff0000u) | 0x8e00u | (dpl << 13);
    return lo | (hi << 32);
}

void desc_init(void)
{
    struct kstack_hdr *h = (struct kstack_hdr *)trap_stack;
    h->cpu = 0;
    h->magic = KSTACK_MAGIC;

    memset(&tss, 0, sizeof tss);
    tss.esp0 = (uint32_t)trap_stack + KSTACK_SIZE;
    tss.ss0 = KERNEL_DS;
    tss.iomap_base = sizeof tss;    /* no I/O bitmap: ring 3 gets no ports */
    uint32_t base = (uint32_t)&tss, limit = sizeof tss - 1;
    gdt[5] = (limit & 0xffffu) | ((uint64_t)(base & 0xffffffu) << 16) |
             (0x89ull << 40) |      /* present, DPL 0, available 32-bit TSS */
             ((uint64_t)((limit >> 16) & 0xf) << 48) |
             ((uint64_t)(base >> 24) << 56);

    for (unsigned v = 0; v < 48; v++)
        idt[v] = gate(vector_table[v], (v == VEC_BP || v == VEC_OF) ? 3 : 0);
    for (unsigned v = 0; v < 16; v++)
        idt[0xf0 + v] = gate(vector_table_apic[v], 0);
    idt[VEC_SYSCALL] = gate((uint32_t)vector_128, 3);

    desc_load_tables();
    __asm__ volatile("movw $0x28, %%ax\n\t"
                     "ltr %%ax\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "lldt %%ax"
                     ::: "eax", "memory");
}

/* The GDT (segment registers reloaded) and the IDT: the boot CPU's, and an
 * application processor's (lib/native/smp.c). */
void desc_load_tables(void)
{
    struct dtr g = { sizeof gdt - 1, (uint32_t)gdt };
    struct dtr i = { sizeof idt - 1, (uint32_t)idt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp $0x08, $1f\n"
                     "1:\n\t"
                     "movw $0x10, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "movw %%ax, %%ss\n\t"
                     "lidt %1"
                     :: "m"(g), "m"(i) : "eax", "memory");
}
