/*
 * native.h -- extras of the native flavor (a multiboot kernel on the bare
 * machine): the multiboot information, the 8259 PICs, the PIT and RTC
 * ports, and the paging modes of lib/native/paging.c.
 */
#ifndef OXEN_NATIVE_H
#define OXEN_NATIVE_H

#include <kit.h>

/* Selectors of the kit's GDT (lib/native/desc.c). */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS   0x1b
#define USER_DS   0x23
#define TSS_SEL   0x28

/* Ports */
#define DEBUGCON_PORT 0xe9          /* QEMU/Bochs debug console */
#define COM1_PORT     0x3f8
#define EXIT_PORT     0xf4          /* QEMU isa-debug-exit (iosize 4) */
#define EXIT_PASS     0x10          /* QEMU exits (0x10 << 1) | 1 = 33 */
#define EXIT_FAIL     0x11          /* QEMU exits (0x11 << 1) | 1 = 35 */

#define PIT_HZ 1193182u

/* Multiboot v1 information (the fields the kit reads). */
struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;  /* KiB, valid when flags bit 0 */
    uint32_t boot_device;
    uint32_t cmdline;               /* physical address, flags bit 2 */
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;/* flags bit 6 */
};
extern const struct multiboot_info *multiboot_info;

/* 8259 interrupt controllers: IRQ n arrives at vector 0x20 + n. */
#define IRQ_BASE 0x20
typedef void (*irq_handler_t)(unsigned irq, struct trap_frame *f);
void irq_set_handler(unsigned irq, irq_handler_t h);   /* also unmasks it */
void irq_mask(unsigned irq);
extern volatile uint32_t irq_counts[16];

/* Paging modes: pg_enable() rebuilds an identity map of the low
 * PG_IDENTITY_BYTES (page 0 left unmapped, every other page P|RW|U) in the
 * requested format and turns paging on with CR0.WP set. */
#define PG_MODE_OFF    0
#define PG_MODE_2LEVEL 1
#define PG_MODE_PAE    2
#define PG_IDENTITY_BYTES (16u << 20)
int pg_enable(int mode);
int pg_mode(void);
void pg_disable(void);

/* TSC frequency measured at boot against PIT channel 2 (0 if no TSC). */
extern uint64_t tsc_hz;

/* Local APIC (xAPIC at 0xfee00000, paging off) and application processors:
 * lib/native/smp.c and smp_tramp.S, linked by programs that list them in
 * their <name>_NATIVE.  Vectors 0xf0-0xff have IDT gates (trap_set_handler);
 * LAPIC_SPURIOUS is the spurious vector lapic_enable() sets. */
#define LAPIC_SPURIOUS 0xff
#define LAPIC_TIMER_PERIODIC (1u << 17)
int lapic_present(void);                /* CPUID.1:EDX.APIC */
uint32_t lapic_read(unsigned reg);
void lapic_write(unsigned reg, uint32_t v);
void lapic_enable(void);                /* SVR: software enable, spurious vector; TPR 0 */
unsigned lapic_id(void);
void lapic_eoi(void);
void lapic_ipi(unsigned apic_id, unsigned vector);   /* fixed, edge, physical */
/* CPUID leaf 0x15, as Linux reads it: the core crystal clock, which drives the
 * APIC timer, in Hz, and the TSC's ratio to it (num/den); 0 if not stated. */
int lapic_timer_cpuid(uint32_t *crystal_hz, uint32_t *tsc_num, uint32_t *tsc_den);
/* The timer against the TSC over ms milliseconds: *counts counts (divide by 1)
 * in *tsc TSC ticks. */
void lapic_timer_calibrate(unsigned ms, uint32_t *counts, uint64_t *tsc);
void lapic_timer_start(unsigned vector, uint32_t counts, uint32_t mode);  /* divide by 1 */
void lapic_timer_stop(void);            /* LVT masked, count 0 */
/* Starts the processor whose local APIC is apic_id as kit cpu `cpu` (1 ..
 * SMP_MAX_CPUS-1, with a kit stack of its own) at entry(cpu): INIT, then
 * STARTUP twice at the trampoline page (the MP specification's sequence).
 * 0 once it runs, -1 if it did not start within a second. */
#define SMP_MAX_CPUS 4
int smp_start_cpu(unsigned cpu, unsigned apic_id, void (*entry)(unsigned cpu));

#endif
