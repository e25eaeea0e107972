/*
 * cpu.c -- CPU feature probes and the per-cpu stack header.
 *
 * CPUID exists when EFLAGS.ID can be toggled (486 and later); leaf 1 EDX
 * gives TSC (bit 4) and PAE (bit 6).  Results are cached after the first
 * probe.  smp_cpu_id() reads the header every kit stack carries at its
 * KSTACK_SIZE-aligned base, so it works on any vcpu and in any handler.
 */
#include <kit.h>

static int probed;
static uint32_t feat_edx;
static int has_cpuid;

static void probe(void)
{
    if (probed)
        return;
    uint32_t f = read_eflags();
    write_eflags(f ^ EFLAGS_ID);
    has_cpuid = ((read_eflags() ^ f) & EFLAGS_ID) != 0;
    write_eflags(f);
    if (has_cpuid) {
        uint32_t a, b, c, d;
        cpuid(0, &a, &b, &c, &d);
        if (a >= 1) {
            cpuid(1, &a, &b, &c, &d);
            feat_edx = d;
        }
    }
    probed = 1;
}

int cpu_has_cpuid(void) { probe(); return has_cpuid; }
int cpu_has_tsc(void) { probe(); return (feat_edx >> 4) & 1; }
int cpu_has_pae(void) { probe(); return (feat_edx >> 6) & 1; }

unsigned smp_cpu_id(void)
{
    uint32_t esp;
    __asm__ volatile("movl %%esp,%0" : "=r"(esp));
    const struct kstack_hdr *h = (const struct kstack_hdr *)(esp & ~(KSTACK_SIZE - 1));
    return h->magic == KSTACK_MAGIC ? h->cpu : 0;
}
