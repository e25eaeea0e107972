/*
 * victim -- the isolation oracle's victim domain (PV only).
 *
 *   [pages=N] (256)
 *
 * Fills N pages with a pattern of (page, word) and re-checks them, 16 pages a
 * round (all every N/16 rounds), yielding between rounds, until destroyed;
 * the first changed word is FAIL.  For Domain-0's side of the oracle it
 * publishes, on one line,
 *
 *   victim: ready pages=N index=MFN grant=REF port=P
 *
 * index: a page listing the N pattern pages' machine frames (Domain-0 maps it
 * and each frame, and checks the pattern where the frames are); grant: page 0
 * granted read-only to Domain-0; port: an unbound port for Domain-0, each of
 * whose events the victim answers with one event back (it is alive and its
 * event channels work).  Every 1024 rounds: "victim: round R intact, E events".
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/gnttab.h>

#define MAX_PAGES 1024
static uint32_t pages[MAX_PAGES][PAGE_SIZE / 4] ALIGNED(PAGE_SIZE);
static uint32_t index_page[PAGE_SIZE / 4] ALIGNED(PAGE_SIZE);
static volatile uint32_t events;

/* The pattern; the Java oracle (org.oxen.toolstack.fuzz) computes the same. */
static uint32_t pattern(uint32_t page, uint32_t word)
{
    uint32_t x = page * 0x9E3779B1u ^ word * 0x85EBCA77u ^ 0x6f78656eu;
    return x ^ (x >> 15);
}

static void echo(evtchn_port_t port, void *data)
{
    events++;
    evtchn_send(port);
}

void guest_main(void)
{
    uint32_t n = cmdline_u32("pages", 256);
    CHECK(n >= 16 && n <= MAX_PAGES && n % 16 == 0, "pages=%u: 16..%u, a multiple of 16", n, MAX_PAGES);
    for (uint32_t p = 0; p < n; p++) {
        for (uint32_t w = 0; w < PAGE_SIZE / 4; w++)
            pages[p][w] = pattern(p, w);
        index_page[p] = pv_virt_to_mfn(pages[p]);
    }
    gnttab_init();
    grant_ref_t ref = gnttab_grant_access(0, index_page[0], 1);
    CHECK(ref != GRANT_INVALID_REF, "grant of page 0");
    evtchn_port_t port;
    CHECK_EQ(evtchn_alloc_unbound(0, &port), 0, "a port for Domain-0");
    CHECK_EQ(evtchn_bind_handler(port, 0, echo, NULL), 0, "its handler");
    irq_enable();
    printf("victim: ready pages=%u index=%#x grant=%u port=%u\n", n, pv_virt_to_mfn(index_page), ref, port);
    for (uint32_t round = 1;; round++) {
        uint32_t first = (round * 16) % n;
        for (uint32_t p = first; p < first + 16; p++)
            for (uint32_t w = 0; w < PAGE_SIZE / 4; w++)
                if (pages[p][w] != pattern(p, w))
                    fail("victim: page %u word %u is %#x, not %#x (round %u)", p, w, pages[p][w], pattern(p, w),
                         round);
        if (round % 1024 == 0)
            printf("victim: round %u intact, %u events\n", round, events);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}
