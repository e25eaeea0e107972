/*
 * cpubench -- the x86bench integer workload (programs/cpubench_workload.c),
 * timed from inside the guest, for native-vs-PV-vs-emulator comparisons.
 *
 * Command line: loop=N (register loop iterations, default 10M), mix=R
 * (rounds of CRC32 + sieve + 24x24 matmul + DIV hash, default 10),
 * expect=0xCHECKSUM (optional: fail unless the checksum matches),
 * repeat=K (run the whole job K times, default 1; 0 = until the domain is
 * destroyed -- the long-running guest of the hot-swap tests).  Each repeat
 * after the first prints "cpubench: round=K checksum=0x..." and fails unless
 * its checksum equals the first run's. xenstore=1 (PV): answer control/shutdown
 * while computing -- suspend (xl save, xl migrate: the run goes on in the new
 * domain from the instruction it was interrupted at), poweroff and reboot --
 * from the store port's event upcall (lib/pv/shutdown.c shutdown_watch_async).
 * Sizes accept k/m/g suffixes (x1000).
 *
 * Before the timed run it checks the workload against checksums computed on
 * Linux from the same object file (loop(1000), mix(1)), so a CPU bug shows
 * up as FAIL, not as a wrong benchmark.  Instruction counts are the
 * callgrind-measured formulas (README.md):
 *   loop(N) = 6N + 7 (N > 0),  mix(R) = 16918 + 1461543 R (R > 0)
 * Time: native = TSC calibrated against the PIT; PV = Xen system time.
 * Output (one line to compare): cpubench: loop=N mix=R checksum=0x... insns=... ns=...
 */
#include <kit.h>
#ifdef GUEST_PV
#include <oxen/xenstore.h>
#endif

uint32_t workload_loop(uint32_t iters);
uint32_t workload_mix(uint32_t rounds);

static uint64_t loop_insns(uint32_t n) { return n ? 6ull * n + 7 : 5; }
static uint64_t mix_insns(uint32_t r) { return r ? 16918ull + 1461543ull * r : 16914; }

static void report(const char *what, uint32_t size, uint32_t result, uint64_t insns, uint64_t ns)
{
    uint64_t mips = ns ? insns * 1000 / ns : 0;
    printf("cpubench: %s(%u) result=0x%08x insns=%llu ns=%llu mips=%llu\n",
           what, size, result, insns, ns, mips);
}

void guest_main(void)
{
    uint32_t loop = cmdline_u32("loop", 10000000);
    uint32_t mix = cmdline_u32("mix", 10);

    if (cmdline_u32("xenstore", 0)) {
#ifdef GUEST_PV
        irq_disable();
        xs_init();
        shutdown_watch_init();
        shutdown_watch_async(1);
        irq_enable();
        printf("cpubench: answering control/shutdown while it computes\n");
#else
        fail("xenstore=1: a PV program's option");
#endif
    }

    CHECK_EQ(workload_loop(1000), 0x3ff49dceu, "self-check loop(1000)");
    CHECK_EQ(workload_mix(1), 0x53ea25b4u, "self-check mix(1)");
    if (!time_available())
        printf("cpubench: no clock on this CPU, ns will read 0\n");

    uint64_t t0 = guest_time_ns();
    uint32_t l = workload_loop(loop);
    uint64_t t1 = guest_time_ns();
    uint32_t m = workload_mix(mix);
    uint64_t t2 = guest_time_ns();

    report("loop", loop, l, loop_insns(loop), t1 - t0);
    report("mix", mix, m, mix_insns(mix), t2 - t1);
    uint32_t checksum = l ^ m;
    uint64_t insns = loop_insns(loop) + mix_insns(mix);
    printf("cpubench: flavor=%s loop=%u mix=%u checksum=0x%08x insns=%llu ns=%llu\n",
           guest_flavor(), loop, mix, checksum, insns, t2 - t0);

    char expect[24];
    if (cmdline_get("expect", expect, sizeof expect))
        CHECK_EQ(checksum, (uint32_t)strtoull_kit(expect, NULL), "checksum");

    uint32_t repeat = cmdline_u32("repeat", 1);
    for (uint32_t round = 2; repeat == 0 || round <= repeat; round++) {
        uint32_t again = workload_loop(loop) ^ workload_mix(mix);
        printf("cpubench: round=%u checksum=0x%08x\n", round, again);
        CHECK_EQ(again, checksum, "checksum of a repeated round");
    }
    pass();
}
