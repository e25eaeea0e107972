/*
 * x86.h -- the 32-bit x86 facts the kit needs: port I/O, control registers,
 * flags, CPUID, TSC, page-table entry bits and the interrupt/trap frame.
 *
 * Everything is static inline and 386-safe; cpuid and rdtsc are only
 * executed after cpu_has_cpuid()/cpu_has_tsc() said so (see lib/cpu.c).
 */
#ifndef OXEN_X86_H
#define OXEN_X86_H

#include <stdint.h>

/* EFLAGS bits */
#define EFLAGS_CF   0x00000001u
#define EFLAGS_IF   0x00000200u
#define EFLAGS_IOPL 0x00003000u
#define EFLAGS_ID   0x00200000u

/* CR0/CR4 bits */
#define CR0_PE  0x00000001u
#define CR0_WP  0x00010000u
#define CR0_PG  0x80000000u
#define CR4_PSE 0x00000010u
#define CR4_PAE 0x00000020u

/* Page-table entry bits (same positions in 2-level and PAE entries) */
#define PTE_P   0x001u
#define PTE_RW  0x002u
#define PTE_U   0x004u
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_A   0x020u
#define PTE_D   0x040u
#define PTE_PS  0x080u
#define PTE_G   0x100u
#define PTE_FLAGS_MASK 0xfffull
#define PTE_ADDR_MASK  0x000ffffffffff000ull   /* PAE: bits 12..51 */

/* Page-fault error code bits */
#define PFEC_P  1u   /* protection violation (page was present) */
#define PFEC_W  2u   /* write access */
#define PFEC_U  4u   /* user-mode access */

#define PAGE_SIZE  4096u
#define PAGE_SHIFT 12

/* Exception vectors */
#define VEC_DE 0
#define VEC_DB 1
#define VEC_BP 3
#define VEC_OF 4
#define VEC_BR 5
#define VEC_UD 6
#define VEC_NM 7
#define VEC_DF 8
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14
#define VEC_MF 16
#define VEC_AC 17
#define VEC_XM 19
#define VEC_SYSCALL 0x80     /* the kit's ring-3 -> kernel round-trip vector */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0,%1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0,%1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0,%1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1,%0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1,%0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t read_eflags(void)
{
    uint32_t f;
    __asm__ volatile("pushfl; popl %0" : "=r"(f));
    return f;
}
static inline void write_eflags(uint32_t f) { __asm__ volatile("pushl %0; popfl" :: "r"(f) : "cc", "memory"); }

static inline uint32_t read_cr0(void) { uint32_t v; __asm__ volatile("movl %%cr0,%0" : "=r"(v)); return v; }
static inline uint32_t read_cr2(void) { uint32_t v; __asm__ volatile("movl %%cr2,%0" : "=r"(v)); return v; }
static inline uint32_t read_cr3(void) { uint32_t v; __asm__ volatile("movl %%cr3,%0" : "=r"(v)); return v; }
static inline uint32_t read_cr4(void) { uint32_t v; __asm__ volatile("movl %%cr4,%0" : "=r"(v)); return v; }
static inline void write_cr0(uint32_t v) { __asm__ volatile("movl %0,%%cr0; jmp 1f; 1:" :: "r"(v) : "memory"); }
static inline void write_cr3(uint32_t v) { __asm__ volatile("movl %0,%%cr3" :: "r"(v) : "memory"); }
static inline void write_cr4(uint32_t v) { __asm__ volatile("movl %0,%%cr4" :: "r"(v) : "memory"); }
static inline void invlpg(uint32_t va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "0"(leaf), "2"(0));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint16_t read_cs(void) { uint16_t s; __asm__ volatile("movw %%cs,%0" : "=r"(s)); return s; }
static inline uint16_t read_ds(void) { uint16_t s; __asm__ volatile("movw %%ds,%0" : "=r"(s)); return s; }
static inline uint16_t read_ss(void) { uint16_t s; __asm__ volatile("movw %%ss,%0" : "=r"(s)); return s; }

static inline void cpu_relax(void) { __asm__ volatile("" ::: "memory"); }
#define barrier() __asm__ volatile("" ::: "memory")
/* x86 keeps stores in order and loads in order: only store->load needs a
 * fence, a locked add (i386 has no mfence). */
#define mb()  __asm__ volatile("lock; addl $0,0(%%esp)" ::: "memory", "cc")
#define rmb() barrier()
#define wmb() barrier()

/* Atomics available on a 386: xchg is implicitly locked, bts/btr/incl with lock. */
static inline uint32_t xchg32(volatile uint32_t *p, uint32_t v)
{
    __asm__ volatile("xchgl %0,%1" : "+r"(v), "+m"(*p) :: "memory");
    return v;
}
static inline uint8_t xchg8(volatile uint8_t *p, uint8_t v)
{
    __asm__ volatile("xchgb %0,%1" : "+q"(v), "+m"(*p) :: "memory");
    return v;
}
static inline int test_and_clear_bit(unsigned nr, volatile uint32_t *addr)
{
    uint8_t old;
    __asm__ volatile("lock btrl %2,%1; setc %0" : "=q"(old), "+m"(*addr) : "Ir"(nr) : "memory", "cc");
    return old;
}
static inline void set_bit(unsigned nr, volatile uint32_t *addr)
{
    __asm__ volatile("lock btsl %1,%0" : "+m"(*addr) : "Ir"(nr) : "memory", "cc");
}
static inline void clear_bit(unsigned nr, volatile uint32_t *addr)
{
    __asm__ volatile("lock btrl %1,%0" : "+m"(*addr) : "Ir"(nr) : "memory", "cc");
}
static inline void atomic_inc(volatile uint32_t *p)
{
    __asm__ volatile("lock incl %0" : "+m"(*p) :: "memory", "cc");
}

/*
 * The frame every trap, interrupt and (PV) event upcall builds on its stack.
 * Bottom part (eip, cs, eflags, [user_esp, user_ss]) is what the CPU -- or
 * Xen, for a PV guest -- pushed; error is 0 when the vector has none.
 * For PV frames cs carries the saved upcall mask in bits 16..23.
 */
struct trap_frame {
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
    uint32_t user_esp, user_ss;      /* valid only when (cs & 3) == 3 */
};

#endif
