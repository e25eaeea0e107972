/*
 * hvmfuzz -- the guest kit's HVM fuzzer (native only): seeded random port
 * I/O, MMIO and hypercalls from an HVM domain.
 *
 *   seed=S ops=N ram_mib=M [trace=1]
 *
 * N operations drawn from xorshift64* seeded with S (every draw in the
 * sequence hash, so a seed replays): IN and OUT of bytes, words and dwords at
 * any port with any value; reads and writes of any width at any physical
 * address above its RAM (device windows, the hole, the top page: what is not
 * its own memory); VMCALL hypercalls of any number 0..63 and beyond with
 * arguments that are small or huge numbers, addresses above its RAM, page 0,
 * or its scratch page full of random words.
 *
 * Left out is only what Xen lets a domain do to itself and what would end the
 * run early: its own RAM outside the scratch page and page 0 as a pointer or
 * MMIO target, and arrays (multicall entries, grant ops, console bytes) that
 * run past the page they start in; the ports that reset or end it (0x92, 0x64, 0xCF9, isa-debug-exit
 * 0xF4) or carry its output (COM1 0x3F8..0x3FF); its local APIC page (an INIT
 * to itself); sched_op other than yield, vcpu_op initialise/down, memory_op
 * decrease_reservation, populate_physmap, add_to_physmap, exchange and
 * remove_from_physmap (each can take its own pages away).
 *
 * Prints the count of each kind, the hypercalls' results (ok / refused) and
 * "hvmfuzz: done N ops, sequence H"; with trace=1 also each operation before
 * it is made (to replay a seed that ends badly).  What must hold is outside it: every
 * other domain untouched, no hypervisor internal error (HvmIsolationTest).
 */
#include <kit.h>
#include <oxen/x86.h>
#include <oxen/xenhvm.h>

static uint64_t rng_state, seq_hash = 0xcbf29ce484222325ull;
static uint32_t ram_end;
static uint32_t scratch[1024] __attribute__((aligned(4096)));
enum { PORT_IN, PORT_OUT, MMIO_READ, MMIO_WRITE, HYPERCALL, NR_KINDS };
static const char *const kind_names[NR_KINDS] = { "port-in", "port-out", "mmio-read", "mmio-write", "hypercall" };
static uint32_t counts[NR_KINDS], hc_ok, hc_refused, trace;

static inline uint16_t inw16(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1,%0" : "=a"(v) : "Nd"(port));
    return v;
}

static uint32_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint32_t v = (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
    for (int i = 0; i < 4; i++)
        seq_hash = (seq_hash ^ ((v >> (8 * i)) & 0xFF)) * 0x100000001b3ull;
    return v;
}
static uint32_t below(uint32_t n) { return rnd() % n; }

static int port_allowed(uint16_t p)
{
    return p != 0x92 && p != 0x64 && p != 0xCF9 && p != 0xF4 && !(p >= 0x3F8 && p <= 0x3FF);
}

/* A physical address above its RAM, never its local APIC's page. */
static uint32_t above_ram(void)
{
    for (;;) {
        uint32_t a;
        switch (below(4)) {
        case 0: a = 0xFEC00000u + below(0x1000); break;          /* the I/O APIC */
        case 1: a = 0xFFFFF000u + below(0x1000); break;          /* the top page */
        case 2: a = 0xF0000000u + below(0x0E000000); break;      /* PCI windows */
        default: a = ram_end + below(0u - ram_end); break;       /* the hole and anything */
        }
        if (a >= ram_end && (a & ~0xFFFu) != 0xFEE00000u)
            return a;
    }
}

/* An argument: a number, or a pointer at nothing of its own but the scratch page. */
static uint32_t arg(void)
{
    switch (below(6)) {
    case 0: return below(16);
    case 1: return 0xFFFFFFFFu - below(16);
    case 2: return 0x80000000u | rnd();
    case 3: return above_ram();
    case 4: return below(0x1000);                                 /* page 0 */
    default: return (uint32_t)scratch + (below(1024) & ~3u);
    }
}

static long vmcall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5)
{
    long ret;
    __asm__ volatile("vmcall" : "=a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5) : "a"(nr) : "memory");
    return ret;
}

/* The page rest from pointer p on, if p is in its own RAM (page 0, the scratch page); else ~0. */
static uint32_t room(uint32_t p)
{
    return p < ram_end ? 0x1000 - (p & 0xFFF) : ~0u;
}

/* A call made fit to run: what Xen lets a domain do to itself is left out (see the top), and an
 * array in its own RAM ends within its page.  Calls that take an array and a count walk from the
 * pointer on, reading entries and writing results: from page 0 with a huge count a multicall
 * read its entries from, and wrote their results over, its own code and IDT (seed 31: a
 * triple fault at its #BP entry).  A multicall's entries in its RAM are made fit the same way
 * (Xen refuses a multicall inside one).  Nothing is drawn here: a seed's sequence is as before. */
static void make_fit(uint32_t nr, uint32_t *a, int nested)
{
    switch (nr) {
    case 6:  case 29:                                             /* sched_op(_compat): yield only */
        a[0] = 0;
        break;
    case 24:                                                      /* vcpu_op: not initialise or down */
        if (a[0] == 0 || a[0] == 2)
            a[0] = 3;
        break;
    case 12: {                                                    /* memory_op: nothing that takes its pages */
        uint32_t cmd = a[0] & 0x3F;
        if (cmd == 1 || cmd == 6 || cmd == 7 || cmd == 11 || cmd == 15)
            a[0] = 2;
        break;
    }
    case 13:                                                      /* multicall(entries, count) */
        if (room(a[0]) != ~0u) {
            if (a[1] > room(a[0]) / 32)
                a[1] = room(a[0]) / 32;
            for (uint32_t i = 0; i < a[1] && !nested; i++) {
                uint32_t *e = (uint32_t *)(a[0] + 32 * i);       /* op, result, args[6] */
                make_fit(e[0], e + 2, 1);
            }
        }
        break;
    case 18:                                                      /* console_io(cmd, count, buffer) */
        if (room(a[2]) != ~0u && a[1] > room(a[2]))
            a[1] = room(a[2]);
        break;
    case 20:                                                      /* grant_table_op(cmd, ops, count): 32 bytes at most each */
        if (room(a[1]) != ~0u && a[2] > room(a[1]) / 32)
            a[2] = room(a[1]) / 32;
        break;
    default:
        break;
    }
}

static void hypercall(void)
{
    for (unsigned i = 0; i < 1024; i++)
        scratch[i] = below(4) ? rnd() : arg();
    uint32_t nr = below(8) ? below(64) : rnd();
    uint32_t a[5];
    for (unsigned i = 0; i < 5; i++)
        a[i] = arg();
    make_fit(nr, a, 0);
    if (trace)
        printf("hvmfuzz: hypercall %u(%#x, %#x, %#x, %#x, %#x)\n", nr, a[0], a[1], a[2], a[3], a[4]);
    long rc = vmcall(nr, a[0], a[1], a[2], a[3], a[4]);
    if (rc < 0)
        hc_refused++;
    else
        hc_ok++;
}

void guest_main(void)
{
    uint32_t seed = cmdline_u32("seed", 1), ops = cmdline_u32("ops", 10000);
    ram_end = cmdline_u32("ram_mib", 16) << 20;
    trace = cmdline_u32("trace", 0);
    rng_state = 0x9E3779B97F4A7C15ull ^ seed;
    struct xenhvm_info xi;
    CHECK(xenhvm_detect(&xi) == 0, "no Xen signature in CPUID 0x40000000..");
    printf("hvmfuzz: seed %u, %u ops, d%u, RAM below %#x\n", seed, ops, xi.domid, ram_end);
    irq_disable();
    for (uint32_t n = 0; n < ops; n++) {
        unsigned k = below(NR_KINDS), w = below(3);
        counts[k]++;
        switch (k) {
        case PORT_IN: case PORT_OUT: {
            uint16_t p = (uint16_t)rnd();
            uint32_t v = rnd();
            if (!port_allowed(p))
                break;
            if (trace)
                printf("hvmfuzz: %s %u port %#x value %#x\n", kind_names[k], w, p, v);
            if (k == PORT_IN)
                (void)(w == 0 ? inb(p) : w == 1 ? inw16(p) : inl(p));
            else if (w == 0)
                outb(p, (uint8_t)v);
            else if (w == 1)
                outw(p, (uint16_t)v);
            else
                outl(p, v);
            break;
        }
        case MMIO_READ: case MMIO_WRITE: {
            uint32_t a = above_ram() & ~3u, v = rnd();
            volatile void *q = (volatile void *)a;
            if (trace)
                printf("hvmfuzz: %s %u at %#x value %#x\n", kind_names[k], w, a, v);
            if (k == MMIO_READ)
                (void)(w == 0 ? *(volatile uint8_t *)q : w == 1 ? *(volatile uint16_t *)q : *(volatile uint32_t *)q);
            else if (w == 0)
                *(volatile uint8_t *)q = (uint8_t)v;
            else if (w == 1)
                *(volatile uint16_t *)q = (uint16_t)v;
            else
                *(volatile uint32_t *)q = v;
            break;
        }
        default:
            hypercall();
            break;
        }
    }
    for (unsigned k = 0; k < NR_KINDS; k++)
        printf("hvmfuzz: %s %u\n", kind_names[k], counts[k]);
    printf("hvmfuzz: hypercalls ok=%u refused=%u\n", hc_ok, hc_refused);
    printf("hvmfuzz: done %u ops, sequence %08x%08x\n", ops, (uint32_t)(seq_hash >> 32), (uint32_t)seq_hash);
    pass();
}
