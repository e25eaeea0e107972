/*
 * hello -- the smallest guest: prints its flavor, command line and memory
 * size, and checks they make sense.  Both flavors.
 *
 * Command line: anything; "expect_mem_mib=N" makes it check the memory size
 * (rounded up to whole MiB); PV "wait_shutdown=1" makes it stay until the
 * toolstack asks it to shut down or reboot through control/shutdown (xl
 * shutdown / xl reboot), which it answers with a clean poweroff or reboot.
 * PV expectations: see README.md ("hello").
 */
#include <kit.h>
#ifdef GUEST_PV
#include <oxen/pv.h>
#include <oxen/xenstore.h>
#endif

void guest_main(void)
{
    uint64_t mem = guest_mem_bytes();

    printf("hello: flavor=%s\n", guest_flavor());
    printf("hello: cmdline=\"%s\"\n", guest_cmdline());
    printf("hello: memory=%llu KiB (%llu MiB)\n", mem >> 10, mem >> 20);
#ifdef GUEST_PV
    const start_info_t *si = pv_start_info;
    printf("hello: start_info magic=\"%s\" nr_pages=%u flags=%#x pt_base=%#x nr_pt_frames=%u\n",
           si->magic, si->nr_pages, si->flags, si->pt_base, si->nr_pt_frames);
    printf("hello: shared_info mfn=%#x console mfn=%#x evtchn=%u store mfn=%#x evtchn=%u\n",
           si->shared_info >> 12, si->console.domU.mfn, si->console.domU.evtchn,
           si->store_mfn, si->store_evtchn);
    CHECK(strncmp(si->magic, "xen-3.0-x86_32p", 15) == 0, "start_info magic is \"%.31s\"", si->magic);
#endif
    CHECK(strcmp(guest_flavor(), "native") == 0 || strcmp(guest_flavor(), "pv") == 0,
          "unknown flavor %s", guest_flavor());
    CHECK(mem > 0, "memory size unknown");
    /* Firmware keeps a little at the top (QEMU: 128 KiB of ACPI tables),
     * so compare whole MiB rounded up. */
    uint32_t want = cmdline_u32("expect_mem_mib", 0);
    if (want)
        CHECK_EQ((mem + (1u << 20) - 1) >> 20, want, "memory size in MiB (rounded up)");
#ifdef GUEST_PV
    if (cmdline_u32("wait_shutdown", 0)) {
        irq_disable();
        xs_init();
        shutdown_watch_init();
        printf("hello: waiting for xl shutdown or xl reboot\n");
        int reason;
        while ((reason = shutdown_poll(1000000000ull)) < 0)
            ;
        shutdown_clean(reason);
    }
#endif
    pass();
}
