/*
 * logdirty -- writes known sets of pages for the hypervisor's log-dirty test.
 *
 * Holds 48 data pages (.bss, page-aligned) and a mailbox page. Before round 1 every page is
 * written once, so its PTE already has A and D and no later store makes the CPU write a page
 * table. Each of rounds=N rounds (default 2) then goes:
 *
 *   guest: prints "logdirty: round R ready", sets mailbox[0] = READY(R), spins reading it
 *   Domain-0 (the Java test): enables log-dirty / cleans the bitmap, sets mailbox[0] = GO(R)
 *   guest: reads, then writes the pages of round R -- page i with i % (R + 2) == 0 -- each by one kind of
 *          store (i / (R + 2) % 5: a dword loop, byte stores, rep stosl, lock incl, xchg), and
 *          page 47 only through the hypervisor (xen_version(XENVER_extraversion) into it);
 *          records the pfns of its stack (mailbox[1], mailbox[2]); sets mailbox[0] = DONE(R)
 *          and spins until mailbox[0] = NEXT(R)
 *   Domain-0: reads the bitmap: exactly those pages, the mailbox and (some of) the two stack
 *          pages, then sets NEXT(R)
 *
 * Between GO and DONE the guest prints nothing and touches no other memory: the bitmap must
 * name nothing else. The first line prints the pfns: "logdirty: pages pfn=P n=48 mailbox
 * pfn=M". Last, the guest checks every page's content (what each store kind left).
 *
 * Both flavors: as a PV domain the pages are the boot region's (pfn = (va - VIRT_BASE) / 4096);
 * native, as an HVM domain, paging is off (pfn = address / 4096) and xen_version goes through
 * the hypercall page the Xen MSR fills (so the hypervisor's write is an HVM hypercall's).
 */
#include <kit.h>
#ifdef GUEST_NATIVE
#include <oxen/xenhvm.h>
#else
#include <oxen/pv.h>
#endif

#define NPAGES 48
#define HYPERVISOR_PAGE 47
#define XENVER_extraversion 1

enum { READY = 1, GO, DONE, NEXT };
#define MBOX(state, round) ((uint32_t)((round) << 8 | (state)))

static uint8_t pages[NPAGES][PAGE_SIZE] ALIGNED(PAGE_SIZE);
static volatile uint32_t mailbox[PAGE_SIZE / 4] ALIGNED(PAGE_SIZE);

#ifdef GUEST_NATIVE
/* an HVM domain: paging off, guest-physical addresses are pointers */
static uint32_t pfn_of(const volatile void *va) { return (uint32_t)va >> PAGE_SHIFT; }
#else
static uint32_t pfn_of(const volatile void *va) { return ((uint32_t)va - VIRT_BASE) >> PAGE_SHIFT; }
#endif

static void wait_for(uint32_t want)
{
    while (mailbox[0] != want)
        barrier();
}

static int in_round(int i, int r) { return i != HYPERVISOR_PAGE && i % (r + 2) == 0; }

static void store(int i, int r)
{
    uint32_t *w = (uint32_t *)pages[i];
    uint32_t v = 0xd1e70000u | (uint32_t)(r << 8) | (uint32_t)i;
    /* a read first: the TLB entry it fills (PTE D already set) would carry a write tag, so the
     * store below takes the TLB fast path unless the hypervisor held the tag back */
    (void)((volatile uint32_t *)w)[3];
    switch (i / (r + 2) % 5) {
    case 0:                                  /* plain dword stores */
        for (int k = 0; k < 16; k++)
            w[k * 64] = v + (uint32_t)k;
        break;
    case 1:                                  /* byte stores */
        for (int k = 0; k < 16; k++)
            ((volatile uint8_t *)w)[k * 200 + 1] = (uint8_t)(v + (uint32_t)k);
        break;
    case 2: {                                /* rep stosl over the second half */
        void *dst = w + 512;
        uint32_t n = 512;
        __asm__ volatile("cld; rep stosl" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
        break;
    }
    case 3:                                  /* a locked read-modify-write */
        __asm__ volatile("lock incl %0" : "+m"(w[7]) : : "memory");
        break;
    default: {                               /* xchg with memory (implicitly locked) */
        uint32_t x = v;
        __asm__ volatile("xchgl %0, %1" : "+r"(x), "+m"(w[9]) : : "memory");
        break;
    }
    }
}

static void check(int i, int rounds)
{
    const volatile uint32_t *w = (const volatile uint32_t *)pages[i];
    for (int r = rounds; r >= 1; r--) {      /* the last round that wrote the page */
        if (!in_round(i, r))
            continue;
        uint32_t v = 0xd1e70000u | (uint32_t)(r << 8) | (uint32_t)i;
        switch (i / (r + 2) % 5) {
        case 0: CHECK(w[64] == v + 1, "page %d round %d: dword store lost", i, r); break;
        case 1: CHECK(((const volatile uint8_t *)w)[201] == (uint8_t)(v + 1), "page %d round %d: byte store lost", i, r); break;
        case 2: CHECK(w[1023] == v, "page %d round %d: rep stosl lost", i, r); break;
        default: break;                      /* lock inc and xchg are checked by the bitmap only */
        }
        break;
    }
}

void guest_main(void)
{
    int rounds = (int)cmdline_u32("rounds", 2);
    CHECK(rounds >= 1 && rounds <= 6, "rounds=%d out of range 1..6", rounds);
#ifdef GUEST_NATIVE
    /* as an HVM domain, xen_version goes through the hypercall page Xen's MSR fills */
    struct xenhvm_info xi;
    CHECK(xenhvm_detect(&xi) == 0, "no Xen signature in CPUID 0x40000000..");
    CHECK(xenhvm_init_hypercalls(&xi) == 0, "the hypercall page was not filled");
#endif
    for (int i = 0; i < NPAGES; i++)
        pages[i][0] = (uint8_t)i;             /* A and D set in every PTE before round 1 */
    mailbox[0] = 0;
    printf("logdirty: pages pfn=%#x n=%d mailbox pfn=%#x\n", pfn_of(pages[0]), NPAGES, pfn_of(mailbox));
    char version[16];
    for (int r = 1; r <= rounds; r++) {
        printf("logdirty: round %d ready\n", r);
        mailbox[0] = MBOX(READY, r);
        wait_for(MBOX(GO, r));
        uint32_t sp;
        __asm__ volatile("movl %%esp, %0" : "=r"(sp));
        mailbox[1] = pfn_of((void *)sp);
        mailbox[2] = pfn_of((void *)(sp - 512));
        for (int i = 0; i < NPAGES; i++)
            if (in_round(i, r))
                store(i, r);
        if (r == 1)
            HYPERVISOR_xen_version(XENVER_extraversion, pages[HYPERVISOR_PAGE] + 64);
        mailbox[0] = MBOX(DONE, r);
        wait_for(MBOX(NEXT, r));
        if (r == 1) {
            memcpy(version, pages[HYPERVISOR_PAGE] + 64, sizeof version);
            version[15] = 0;
            printf("logdirty: extraversion \"%s\" written by the hypervisor\n", version);
        }
        printf("logdirty: round %d done\n", r);
    }
    for (int i = 0; i < NPAGES; i++)
        check(i, rounds);
    pass();
}
