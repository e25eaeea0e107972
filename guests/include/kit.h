/*
 * kit.h -- the guest kit's flavor-neutral API.
 *
 * A program is one C file defining guest_main(); the same source is linked
 * against lib/native (multiboot kernel on the bare machine) or lib/pv (Xen
 * PV guest).  Programs print with printf and end with pass() or fail(),
 * which print the last line "RESULT: PASS" / "RESULT: FAIL <reason>" and
 * leave the machine (native: port 0xF4; PV: SCHEDOP_shutdown).
 *
 * Flavor-specific extras live in <oxen/native.h> and <oxen/pv.h>; a program
 * uses them under #ifdef GUEST_PV only where the flavors truly differ.
 */
#ifndef KIT_H
#define KIT_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <oxen/x86.h>

#define noreturn __attribute__((noreturn))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGNED(n) __attribute__((aligned(n)))

/* ---- the program ---------------------------------------------------- */
void guest_main(void);                  /* defined by every program */

/* ---- flavor services (lib/native/ or lib/pv/) ------------------------ */
const char *guest_flavor(void);         /* "native" or "pv" */
const char *guest_cmdline(void);        /* arguments only, never NULL */
uint64_t guest_mem_bytes(void);         /* RAM the guest was given */
void guest_console_write(const char *s, size_t n);
noreturn void guest_exit(int passed);   /* no output; see pass()/fail() */

/* ---- result convention (lib/result.c) -------------------------------- */
noreturn void pass(void);                                   /* RESULT: PASS */
noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)
/* CHECK_EQ(actual, expected, "what"): fails with both values in hex. */
#define CHECK_EQ(a, b, what) do {                                           \
        long long _a = (long long)(a), _b = (long long)(b);                 \
        if (_a != _b) fail("%s: got %lld (0x%llx), expected %lld (0x%llx)", \
                           what, _a, (unsigned long long)_a, _b,            \
                           (unsigned long long)_b);                         \
    } while (0)

/* ---- formatted output (lib/printf.c) --------------------------------- */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
void puts_raw(const char *s);           /* no newline added */

/* ---- memory and strings (lib/string.c) ------------------------------- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t n);

/* ---- command line "key=value key2=value2" (lib/cmdline.c) ------------ */
int cmdline_get(const char *key, char *buf, size_t n);     /* 1 if present */
uint32_t cmdline_u32(const char *key, uint32_t def);       /* dec or 0x hex */
unsigned long long strtoull_kit(const char *s, const char **end);

/* ---- CPU features (lib/cpu.c) --------------------------------------- */
int cpu_has_cpuid(void);
int cpu_has_tsc(void);
int cpu_has_pae(void);

/* ---- time (native: TSC calibrated by the PIT; PV: Xen system time) --- */
int time_available(void);               /* 0 if this CPU cannot tell time */
uint64_t guest_time_ns(void);           /* monotonic ns since an arbitrary origin */
struct time_scale { uint32_t mul_frac; int8_t shift; };
uint64_t scale_delta(uint64_t delta, const struct time_scale *ts);   /* lib/time.c */
void time_scale_from_hz(struct time_scale *ts, uint64_t ticks_per_sec);
void delay_ns(uint64_t ns);             /* busy wait (needs time_available) */

/* ---- interrupts, idle, timer ---------------------------------------- */
/* "interrupts" are IF on native and the vcpu's event upcall mask on PV. */
uint32_t irq_save(void);                /* disable, return previous state */
void irq_restore(uint32_t state);
void irq_enable(void);
void irq_disable(void);
/* With interrupts disabled: enable them, wait for one, disable again. */
void cpu_idle(void);
/* One timer per guest: native PIT channel 0 (IRQ0), PV VIRQ_TIMER.
 * Every expiry increments timer_ticks. */
extern volatile uint32_t timer_ticks;
int timer_init(void);
int timer_periodic(uint64_t period_ns); /* 0 stops it */
int timer_oneshot(uint64_t deadline_ns);/* absolute guest_time_ns() */

/* ---- traps (lib/trap.c + flavor entry code) -------------------------- */
struct trap_record {
    uint32_t vector, error, eip, cs, eflags, cr2;
    uint32_t eax, user_esp;             /* eax: the ring-3 "syscall" result */
};
/* A handler returns 1 when it dealt with the trap (execution resumes at
 * f->eip through iret) and 0 to let the default action run. */
typedef int (*trap_handler_t)(struct trap_frame *f);
void trap_set_handler(unsigned vector, trap_handler_t h);
/* Runs fn(arg).  Returns 0 if it came back normally, 1 if an exception
 * (or a ring-3 int $0x80) interrupted it; *rec then tells which. */
int trap_try(void (*fn)(void *), void *arg, struct trap_record *rec);
uint32_t trap_cr2(void);                /* fault address of the last #PF */

/* ---- ring 3 (lib/user.c + lib/user_stubs.S) -------------------------------- */
/* Runs entry in ring 3 with ebx = arg on the kit's user stack.  Returns 0
 * when the code came back with int $0x80 (*ret = eax), or -1 when it raised
 * an exception (*rec tells which; rec may be NULL for the syscall case). */
int user_run(void (*entry)(void), uint32_t arg, uint32_t *ret, struct trap_record *rec);
/* Ready-made ring-3 snippets (lib/user_stubs.S), all end in int $0x80: */
void user_double_plus_one(void);        /* eax = 2*ebx + 1 */
void user_cli(void);                    /* cli: #GP in ring 3 */
void user_load(void);                   /* eax = *(uint32_t *)ebx */
void user_store(void);                  /* *(uint32_t *)ebx = 0x55aa55aa */
void user_inb(void);                    /* eax = 0x5a5a5a00 | inb from port ebx */
int user_init(void);                    /* make the .user pages ring-3 accessible */

/* ---- page tables (native: lib/native/paging.c; PV: lib/pv/mm.c) ------ */
/* PTE values use the PAE layout (64-bit); native 2-level mode takes the
 * low 32 bits. */
int pg_init(void);                      /* native: identity-mapped 2-level paging; PV: no-op */
uint64_t pg_addr(const void *p);        /* address of p's frame as a PTE wants it */
uint64_t pg_get(uint32_t va);           /* leaf PTE mapping va (0 = not mapped) */
int pg_set(uint32_t va, uint64_t pte);  /* install leaf PTE and flush va; 0 or -errno */

/* ---- SMP-aware stacks (lib/cpu.c) ------------------------------------ */
#define KSTACK_SIZE 16384u
#define KSTACK_MAGIC 0x6b737463u        /* "kstc" */
struct kstack_hdr { uint32_t cpu; uint32_t magic; };
unsigned smp_cpu_id(void);              /* from the header at the stack's base */
#define MAX_CPUS 32                     /* XEN_LEGACY_MAX_VCPUS */

/* ---- setjmp (lib/setjmp.S) ------------------------------------------ */
typedef uint32_t jmp_buf[6];
int setjmp(jmp_buf jb) __attribute__((returns_twice));
noreturn void longjmp(jmp_buf jb, int val);

#endif
