/*
 * counter -- counts in a loop, printing every number, and survives save,
 * restore and migration: the lines of the domain it started in and of every
 * domain it continued in are, one after the other, 1, 2, 3, ... with no gap
 * and no repeat. PV only.
 *
 * Command line:
 *   count=N       stop after N (0: count until shut down; default 200)
 *   spin=S        busy iterations between two numbers (default 20000)
 *   suspend_at=M  suspend itself after printing M (the hypervisor's path
 *                 without a toolstack: a test saves and restores it then)
 *   xenstore=1    answer control/shutdown: poweroff and reboot, and suspend
 *                 (xl save, xl migrate), between two numbers
 *   dirty=P       write one word into each of P pages of a 2 MiB buffer per
 *                 number (a busy domain for migration benchmarks; 0..512)
 *   grants=1      set up a grant table first and grant a page of its own to
 *                 Domain-0 (the table's frames are unmapped before each suspend
 *                 and set up again after: lib/pv/gnttab.c); after a resume in a
 *                 new domain it grants again and prints the new reference
 *   vcpuinfo=1    move vcpu 0's vcpu_info into its own memory first
 *                 (VCPUOP_register_vcpu_info); after a resume in a new domain
 *                 (where the kit registers it again) a one-shot timer must
 *                 reach its handler through it
 *   ldt=1         install an LDT (MMUEXT_SET_LDT) with a flat data segment and
 *                 load %fs from it (selector 0x0005); after a resume in a new
 *                 domain %fs still reads through it and reloading the selector
 *                 works (no #GP: the LDT came with the vcpu)
 *   iobitmap=1    allow port 0x80 through an I/O bitmap (PHYSDEVOP_set_iobitmap,
 *                 IOPL 0); after a resume in a new domain inb $0x80 still works
 *                 (without the bitmap it is #GP)
 *   vcpus=N       bring up vcpus 1..N-1 (the domain needs N): each spins reading
 *                 its vcpu_info's time, arms its own one-shot timer (VIRQ_TIMER
 *                 bound on it) every 2 ms and answers
 *                 vcpu 0's IPI, which vcpu 0 sends it after every number; their
 *                 bindings are resumable, and with vcpuinfo=1 their vcpu_infos
 *                 move too; after a resume in a new domain every vcpu's timer
 *                 must tick and every IPI come back
 * The word at the address it prints first ("suspend flag at 0x...") asks it to
 * suspend when Domain-0 sets it (benchmarks and tests without xenstore).
 * After each suspend it prints "counter: resumed after M (new domain)" or
 * "(cancelled)"; at the end "counter: done N" and RESULT: PASS.
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/xenstore.h>
#include <oxen/gnttab.h>

#define PHYSDEVOP_SET_IOBITMAP 7
#define LDT_SEL 0x0005u                 /* LDT entry 0, RPL 1 */

static volatile uint32_t sink;
static uint64_t ldt_page[512] ALIGNED(PAGE_SIZE);
static uint8_t iobitmap[8192] ALIGNED(PAGE_SIZE);
static volatile uint32_t ldt_probe = 0x1d7f00d5;

/* ---- secondary vcpus (vcpus=N) ---- */
#define SECOND 1000000000ull
static unsigned nvcpus = 1;
static evtchn_port_t to_ap[MAX_CPUS], to_bsp[MAX_CPUS], ap_timer[MAX_CPUS];
static volatile uint32_t ap_alive[MAX_CPUS], ap_ticks[MAX_CPUS], pings[MAX_CPUS], pongs[MAX_CPUS];
static struct vcpu_info moved_infos[MAX_CPUS] ALIGNED(64);

static void ap_tick(evtchn_port_t port, void *data)
{
    (void)port;
    ap_ticks[(unsigned)data]++;
}

static void ap_ping(evtchn_port_t port, void *data)
{
    (void)port;
    unsigned c = (unsigned)data;
    pings[c]++;
    evtchn_send(to_bsp[c]);
}

static void bsp_pong(evtchn_port_t port, void *data)
{
    (void)port;
    pongs[(unsigned)data]++;
}

/* A secondary vcpu: busy (it reads its vcpu_info's time without pause, events on), its own
 * one-shot timer every 2 ms; pings are answered in the upcall. */
static void ap_main(void)
{
    unsigned c = smp_cpu_id();
    ap_alive[c] = 1;
    irq_enable();
    for (;;) {
        uint32_t t = ap_ticks[c];
        uint64_t deadline = guest_time_ns() + 2000000ull;
        HYPERVISOR_set_timer_op(deadline);
        while (ap_ticks[c] == t && guest_time_ns() < deadline + SECOND / 10)
            cpu_relax();            /* a one-shot lost in a suspend is armed again */
    }
}

/* Waits (yielding, events on: a pong arrives in vcpu 0's upcall) until *v reaches want; fails after a second. */
static void await_count(volatile uint32_t *v, uint32_t want, const char *what, unsigned c)
{
    uint32_t flags = irq_save();
    irq_enable();
    uint64_t end = guest_time_ns() + SECOND;
    while (*v < want) {
        CHECK(guest_time_ns() < end, "vcpu %u: %s: %u of %u within 1 s", c, what, *v, want);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    irq_restore(flags);
}

static void start_secondaries(int move_infos)
{
    for (unsigned c = 1; c < nvcpus; c++) {
        CHECK(HYPERVISOR_vcpu_op(VCPUOP_is_up, c, NULL) == 0, "vcpus=%u: the domain has no vcpu %u", nvcpus, c);
        CHECK(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, c, NULL) == 0, "stop vcpu %u's periodic timer", c);
        CHECK(evtchn_bind_virq_resumable(VIRQ_TIMER, c, ap_tick, (void *)c, &ap_timer[c]) == 0, "vcpu %u's timer", c);
        CHECK(evtchn_bind_ipi_resumable(c, ap_ping, (void *)c, &to_ap[c]) == 0, "IPI to vcpu %u", c);
        CHECK(evtchn_bind_ipi_resumable(0, bsp_pong, (void *)c, &to_bsp[c]) == 0, "IPI from vcpu %u", c);
        if (move_infos)
            CHECK(pv_register_vcpu_info(c, &moved_infos[c]) == 0, "register vcpu %u's vcpu_info", c);
        CHECK(pv_vcpu_initialise(c, ap_main) == 0, "VCPUOP_initialise(%u)", c);
        CHECK(HYPERVISOR_vcpu_op(VCPUOP_up, c, NULL) == 0, "VCPUOP_up(%u)", c);
        await_count(&ap_alive[c], 1, "start", c);
    }
    if (nvcpus > 1)
        printf("counter: %u vcpus up\n", nvcpus);
}

/* Every secondary answers an IPI, and (after_resume) its timer ticks three more times. */
static void check_secondaries(int after_resume)
{
    for (unsigned c = 1; c < nvcpus; c++) {
        uint32_t want = pongs[c] + 1;
        CHECK(evtchn_send(to_ap[c]) == 0, "send to vcpu %u", c);
        await_count(&pongs[c], want, "IPI round trip", c);
        if (after_resume) {
            await_count(&ap_ticks[c], ap_ticks[c] + 3, "timer ticks after the resume", c);
            CHECK(!pv_vcpu_infos[c] || pv_vcpu_info(c) == &moved_infos[c], "vcpu %u's vcpu_info registered again", c);
            printf("counter: vcpu %u: its timer ticks and its IPIs come back after the resume%s\n", c,
                   pv_vcpu_infos[c] ? " (vcpu_info moved)" : "");
        }
    }
}

/* The word at ldt_probe read through %fs, which must hold the LDT's selector. */
static void check_ldt(const char *when)
{
    uint32_t sel, v;
    __asm__ volatile("mov %%fs,%0" : "=r"(sel));
    CHECK(sel == LDT_SEL, "%s: %%fs is %#x, not the LDT selector", when, sel);
    __asm__ volatile("movl %%fs:(%1),%0" : "=r"(v) : "r"(&ldt_probe));
    CHECK(v == ldt_probe, "%s: %%fs:ldt_probe read %#x", when, v);
    __asm__ volatile("mov %0,%%fs" : : "r"(LDT_SEL));  /* #GP without the LDT */
    __asm__ volatile("movl %%fs:(%1),%0" : "=r"(v) : "r"(&ldt_probe));
    CHECK(v == ldt_probe, "%s: reloaded %%fs read %#x", when, v);
    printf("counter: %s: %%fs %#x reads %#x through the LDT\n", when, sel, v);
}

/* inb $0x80, which IOPL 0 allows only through the I/O bitmap (#GP otherwise). */
static void check_iobitmap(const char *when)
{
    uint8_t v;
    __asm__ volatile("inb $0x80,%0" : "=a"(v));
    printf("counter: %s: inb $0x80 read %#x through the I/O bitmap\n", when, v);
}
static volatile uint32_t suspend_flag;
#define DIRTY_PAGES 512
static volatile uint32_t dirty_buf[DIRTY_PAGES][PAGE_SIZE / 4] ALIGNED(PAGE_SIZE);

void guest_main(void)
{
    uint32_t count = cmdline_u32("count", 200);
    uint32_t spin = cmdline_u32("spin", 20000);
    uint32_t suspend_at = cmdline_u32("suspend_at", 0);
    int xs = cmdline_u32("xenstore", 0) != 0;
    uint32_t dirty = cmdline_u32("dirty", 0);
    CHECK(dirty <= DIRTY_PAGES, "dirty=%u (at most %u pages)", dirty, DIRTY_PAGES);

    if (xs) {
        irq_disable();
        xs_init();
        shutdown_watch_init();
    }
    int grants = cmdline_u32("grants", 0) != 0;
    int vcpuinfo = cmdline_u32("vcpuinfo", 0) != 0;
    static struct vcpu_info moved_info ALIGNED(64);
    if (vcpuinfo) {
        CHECK_EQ(pv_register_vcpu_info(0, &moved_info), 0, "register_vcpu_info(0)");
        CHECK_EQ(timer_init(), 0, "timer");
        printf("counter: vcpu_info moved to %#x\n", (uint32_t)&moved_info);
    }
    static uint8_t granted[PAGE_SIZE] ALIGNED(PAGE_SIZE);
    if (grants) {
        gnttab_init();
        grant_ref_t ref = gnttab_grant_access(0, pv_virt_to_mfn(granted), 1);
        CHECK(ref != GRANT_INVALID_REF, "grant a page");
        printf("counter: granted ref %u\n", ref);
    }
    int ldt = cmdline_u32("ldt", 0) != 0;
    if (ldt) {
        ldt_page[0] = 0x00CFB2000000FFFFull;    /* flat data, DPL 1, present */
        CHECK_EQ(pv_set_page_writable(ldt_page, 0), 0, "LDT page read-only");
        CHECK_EQ(pv_mmuext(MMUEXT_SET_LDT, (uint32_t)ldt_page, 1), 0, "MMUEXT_SET_LDT");
        __asm__ volatile("mov %0,%%fs" : : "r"(LDT_SEL));
        check_ldt("before");
    }
    int iobmp = cmdline_u32("iobitmap", 0) != 0;
    if (iobmp) {
        memset(iobitmap, 0xff, sizeof iobitmap);
        iobitmap[0x80 / 8] &= ~(1u << (0x80 % 8));
        struct { uint32_t bitmap, nr_ports; } op = { (uint32_t)iobitmap, 0x100 };
        CHECK_EQ(_hypercall2(33, PHYSDEVOP_SET_IOBITMAP, &op), 0, "set_iobitmap");
        check_iobitmap("before");
    }
    nvcpus = cmdline_u32("vcpus", 1);
    CHECK(nvcpus >= 1 && nvcpus <= MAX_CPUS, "vcpus=%u (1..%u)", nvcpus, MAX_CPUS);
    start_secondaries(vcpuinfo);
    printf("counter: counting to %u\n", count);
    printf("counter: suspend flag at %#x\n", (uint32_t)&suspend_flag);
    for (uint32_t i = 1; count == 0 || i <= count; i++) {
        printf("counter: %u\n", i);
        for (uint32_t k = 0; k < spin; k++)
            sink += k;
        for (uint32_t p = 0; p < dirty; p++)
            dirty_buf[(i * 7 + p) % DIRTY_PAGES][(i + p) % (PAGE_SIZE / 4)] = i;
        check_secondaries(0);
        if (suspend_flag || i == suspend_at) {
            suspend_flag = 0;
            int cancelled = pv_suspend();
            printf("counter: resumed after %u (%s)\n", i, cancelled ? "cancelled" : "new domain");
            if (vcpuinfo && !cancelled) {
                uint32_t ticks = timer_ticks;
                uint64_t deadline = guest_time_ns() + 1000000ull;
                timer_oneshot(deadline);
                while (timer_ticks == ticks && guest_time_ns() < deadline + 1000000000ull)
                    cpu_idle();
                CHECK(timer_ticks != ticks, "the one-shot timer's event did not reach its handler");
                CHECK(pv_vcpu_info(0) == &moved_info, "vcpu_info registered again");
                printf("counter: the timer ticks through the moved vcpu_info\n");
            }
            if (!cancelled)
                check_secondaries(1);
            if (ldt)
                check_ldt("after the resume");
            if (iobmp)
                check_iobitmap("after the resume");
            if (grants && !cancelled) {
                grant_ref_t ref = gnttab_grant_access(0, pv_virt_to_mfn(granted), 1);
                CHECK(ref != GRANT_INVALID_REF, "grant a page again");
                CHECK(gnttab_entry(ref)->flags & GTF_permit_access, "the new table holds the grant");
                printf("counter: granted ref %u\n", ref);
            }
        }
        if (xs) {
            int reason = shutdown_poll(0);
            if (reason >= 0)
                shutdown_clean(reason);
        }
    }
    printf("counter: done %u\n", count);
    pass();
}
