/*
 * fuzz_bench.c -- the fuzzer's benchmark mode (bench=N): each common
 * hypercall alone, N times in a row with arguments that succeed, timed by the
 * guest's system time, before the fuzzed mix runs (programs/fuzz.c):
 *
 *   fuzz: bench mmu_update n=N T ns/call R calls/s
 *
 * The calls are what a PV kernel makes all the time: a present PTE rewritten
 * by mmu_update and by update_va_mapping (UVMF_INVLPG and UVMF_NONE), an L1
 * pinned and unpinned, MMUEXT_INVLPG_LOCAL, NEW_BASEPTR to the tables in use,
 * a multicall of four update_va_mappings, an event sent on a masked port, a
 * grant of our own mapped and unmapped and copied from, memory_op's
 * current_reservation, sched_op yield, and xen_version as the null call.
 * Every call must succeed (anything else is FAIL: the figure would be of an
 * error path).  The mode draws nothing from the generator, so a seed's
 * sequence hash is the same with or without it.
 */
#include "fuzz.h"

static uint64_t t_start;

static void begin(void)
{
    t_start = guest_time_ns();
}

static void end(const char *name, uint32_t n)
{
    uint64_t ns = guest_time_ns() - t_start;
    if (ns == 0)
        ns = 1;
    printf("fuzz: bench %s n=%u %u ns/call %u calls/s\n", name, n, (uint32_t)(ns / n),
           (uint32_t)((uint64_t)n * 1000000000ull / ns));
}

#define EXPECT_OK(call, what)                                                     \
    do {                                                                          \
        long rc_ = (call);                                                        \
        if (rc_ != 0)                                                             \
            fail("fuzz: bench %s: rc %ld at call %u", what, rc_, i);              \
    } while (0)

void fuzz_bench(uint32_t n, evtchn_port_t port, evtchn_port_t peer)
{
    /* a sandbox page whose PTE the rewrites keep as it is (a present, writable mapping) */
    uint32_t va = (uint32_t)sandbox[48];
    uint64_t pte = *pv_l1e_ptr(va);
    mmu_update_t u = { pv_l1e_maddr(va), pte };
    uint32_t i;

    begin();
    for (i = 0; i < n; i++)
        EXPECT_OK(HYPERVISOR_xen_version(XENVER_version, NULL) < 0, "xen_version");
    end("xen_version", n);

    begin();
    for (i = 0; i < n; i++)
        EXPECT_OK(HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), "mmu_update");
    end("mmu_update", n);

    begin();
    for (i = 0; i < n; i++)
        EXPECT_OK(HYPERVISOR_update_va_mapping(va, pte, UVMF_INVLPG), "update_va_mapping/invlpg");
    end("update_va_mapping/invlpg", n);

    begin();
    for (i = 0; i < n; i++)
        EXPECT_OK(HYPERVISOR_update_va_mapping(va, pte, UVMF_NONE), "update_va_mapping/none");
    end("update_va_mapping/none", n);

    /* an L1 of zeros, read-only here (an odd sandbox page of zeros): pinned, then unpinned */
    uint32_t l1 = pv_virt_to_mfn(sandbox[49]);
    begin();
    for (i = 0; i < n; i++) {
        EXPECT_OK(pv_mmuext(MMUEXT_PIN_L1_TABLE, l1, 0), "mmuext_op/pin_l1");
        EXPECT_OK(pv_mmuext(MMUEXT_UNPIN_TABLE, l1, 0), "mmuext_op/unpin");
    }
    end("mmuext_op/pin+unpin", 2 * n);

    begin();
    for (i = 0; i < n; i++)
        EXPECT_OK(pv_mmuext(MMUEXT_INVLPG_LOCAL, va, 0), "mmuext_op/invlpg_local");
    end("mmuext_op/invlpg_local", n);

    begin();
    for (i = 0; i < n; i++)
        EXPECT_OK(pv_mmuext(MMUEXT_NEW_BASEPTR, pv_cur_l3_mfn, 0), "mmuext_op/new_baseptr");
    end("mmuext_op/new_baseptr", n);

    /* a multicall of four PTE rewrites without flushes, as a PV kernel's lazy MMU batch */
    static multicall_entry_t mc[4];
    for (unsigned k = 0; k < 4; k++) {
        uint32_t kva = (uint32_t)sandbox[50 + 2 * k];
        uint64_t kpte = *pv_l1e_ptr(kva);
        mc[k] = (multicall_entry_t){ __HYPERVISOR_update_va_mapping, 0,
                                     { kva, (uint32_t)kpte, (uint32_t)(kpte >> 32), UVMF_NONE } };
    }
    begin();
    for (i = 0; i < n; i++) {
        EXPECT_OK(HYPERVISOR_multicall(mc, 4), "multicall");
        for (unsigned k = 0; k < 4; k++)
            if (mc[k].result != 0)
                fail("fuzz: bench multicall: entry %u rc %d at call %u", k, mc[k].result, i);
    }
    end("multicall/4 update_va_mapping", n);

    /* event channel send on our loop pair, its receiving end masked (no upcall per send) */
    evtchn_mask(peer);
    evtchn_send_t s = { port };
    begin();
    for (i = 0; i < n; i++)
        EXPECT_OK(HYPERVISOR_event_channel_op(EVTCHNOP_send, &s), "event_channel_op/send");
    end("event_channel_op/send", n);
    evtchn_clear(peer);
    evtchn_unmask(peer);

    /* a grant of our own (a sandbox frame, to ourselves): mapped and unmapped at a window page,
     * then 64 bytes copied from it into another sandbox frame */
    grant_ref_t ref = gnttab_grant_access(self, pv_virt_to_mfn(sandbox[52]), 0);
    CHECK(ref != GRANT_INVALID_REF, "bench: no free grant reference");
    uint32_t gva = (uint32_t)grant_window[0];
    begin();
    for (i = 0; i < n; i++) {
        struct gnttab_map_grant_ref m = { .host_addr = gva, .flags = GNTMAP_host_map, .ref = ref, .dom = self };
        EXPECT_OK(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), "grant_table_op/map");
        EXPECT_OK(m.status, "grant_table_op/map status");
        struct gnttab_unmap_grant_ref um = { .host_addr = gva, .handle = m.handle };
        EXPECT_OK(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &um, 1), "grant_table_op/unmap");
        EXPECT_OK(um.status, "grant_table_op/unmap status");
    }
    end("grant_table_op/map+unmap", 2 * n);

    struct gnttab_copy cp = { .source = { ref, DOMID_SELF, 0 }, .dest = { pv_virt_to_mfn(sandbox[54]), DOMID_SELF, 0 },
                              .len = 64, .flags = GNTCOPY_source_gref };
    begin();
    for (i = 0; i < n; i++) {
        EXPECT_OK(HYPERVISOR_grant_table_op(GNTTABOP_copy, &cp, 1), "grant_table_op/copy");
        EXPECT_OK(cp.status, "grant_table_op/copy status");
    }
    end("grant_table_op/copy", n);
    CHECK_EQ(gnttab_end_access(ref), 0, "bench: end our grant");

    domid_t me = DOMID_SELF;
    begin();
    for (i = 0; i < n; i++)
        EXPECT_OK(HYPERVISOR_memory_op(XENMEM_current_reservation, &me) <= 0, "memory_op/current_reservation");
    end("memory_op/current_reservation", n);

    begin();
    for (i = 0; i < n; i++)
        EXPECT_OK(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), "sched_op/yield");
    end("sched_op/yield", n);
}
