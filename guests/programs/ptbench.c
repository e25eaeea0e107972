/*
 * ptbench -- a page-table-heavy workload for Figure 3 (the paper's fork/exec
 * rows in miniature), timed from inside the guest: each operation maps one of
 * DATA_PAGES data pages at one of WINDOW_PAGES window addresses, reads and
 * writes it through that mapping, and unmaps it again; every switch=K
 * operations the whole TLB is flushed, as an address-space switch does.
 * Natively (bare CPU, board, HVM domain) the program runs on its own PAE page
 * tables: pg_set stores the L1 entry and INVLPGs, the flush reloads CR3.  As a
 * PV domain pg_set is update_va_mapping(UVMF_INVLPG) and the flush is
 * MMUEXT_TLB_FLUSH_LOCAL: every page-table change is a hypercall.
 *
 * Command line: ops=N (operations, default 200k), switch=K (a full flush
 * every K operations, default 16; 0 = never).  Sizes accept k/m/g (x1000).
 * The checksum folds the word each mapping reads (the data page's tag and
 * what earlier operations wrote to it) and is checked against the same fold
 * computed without mappings, so a stale translation fails the run.
 * Output (one line to compare, as cpubench's):
 *   ptbench: flavor=F ops=N switch=K checksum=0x... insns=0 ns=...
 */
#include <kit.h>
#ifdef GUEST_PV
#include <oxen/pv.h>
#else
#include <oxen/native.h>
#endif

#define WINDOW_PAGES 8
#define DATA_PAGES 32

static uint8_t window[WINDOW_PAGES][PAGE_SIZE] ALIGNED(PAGE_SIZE);
static uint8_t data[DATA_PAGES][PAGE_SIZE] ALIGNED(PAGE_SIZE);
static uint64_t data_pte[DATA_PAGES], window_pte[WINDOW_PAGES];

static void flush_all(void)
{
#ifdef GUEST_PV
    CHECK_EQ(pv_mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0, "MMUEXT_TLB_FLUSH_LOCAL");
#else
    write_cr3(read_cr3());
#endif
}

/* The operations' data page and window page: a fixed pseudo-random walk. */
static uint32_t page_of(uint32_t i) { return (i * 2654435761u) >> 27; }      /* 0..31 */
static uint32_t slot_of(uint32_t i) { return (i * 40503u + (i >> 3)) & 7; }

static uint32_t run(uint32_t ops, uint32_t every)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < ops; i++) {
        uint32_t d = page_of(i), w = slot_of(i);
        volatile uint32_t *p = (volatile uint32_t *)window[w] + (i & 1023);
        CHECK_EQ(pg_set((uint32_t)window[w], data_pte[d]), 0, "map");
        sum = sum * 31 + *p;
        *p = *p + i;
        CHECK_EQ(pg_set((uint32_t)window[w], 0), 0, "unmap");
        if (every && i % every == every - 1)
            flush_all();
    }
    return sum;
}

/* The same fold on a copy of the data's first words, no mappings involved. */
static uint32_t expected(uint32_t ops, const uint32_t *initial)
{
    static uint32_t words[DATA_PAGES][1024];
    for (uint32_t d = 0; d < DATA_PAGES; d++)
        for (uint32_t k = 0; k < 1024; k++)
            words[d][k] = initial[d] ^ k;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < ops; i++) {
        uint32_t *p = &words[page_of(i)][i & 1023];
        sum = sum * 31 + *p;
        *p = *p + i;
    }
    return sum;
}

void guest_main(void)
{
    uint32_t ops = cmdline_u32("ops", 200000);
    uint32_t every = cmdline_u32("switch", 16);
#ifndef GUEST_PV
    CHECK_EQ(pg_enable(PG_MODE_PAE), 0, "PAE paging on");
#endif
    uint32_t tags[DATA_PAGES];
    for (uint32_t d = 0; d < DATA_PAGES; d++) {
        tags[d] = 0x5a000000u | d << 16;
        for (uint32_t k = 0; k < 1024; k++)
            ((uint32_t *)data[d])[k] = tags[d] ^ k;
        data_pte[d] = pg_get((uint32_t)data[d]);
        CHECK(data_pte[d] & PTE_P, "data page %u mapped", d);
    }
    for (uint32_t w = 0; w < WINDOW_PAGES; w++)
        window_pte[w] = pg_get((uint32_t)window[w]);
    uint32_t want = expected(ops, tags);
    if (!time_available())
        printf("ptbench: no clock on this CPU, ns will read 0\n");
    uint64_t t0 = guest_time_ns();
    uint32_t sum = run(ops, every);
    uint64_t t1 = guest_time_ns();
    for (uint32_t w = 0; w < WINDOW_PAGES; w++)
        CHECK_EQ(pg_set((uint32_t)window[w], window_pte[w]), 0, "window page mapped back");
    printf("ptbench: flavor=%s ops=%u switch=%u checksum=0x%08x insns=0 ns=%llu\n",
           guest_flavor(), ops, every, sum, t1 - t0);
    CHECK_EQ(sum, want, "checksum (a stale translation reads the wrong page)");
    pass();
}
