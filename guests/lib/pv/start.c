/*
 * start.c -- PV flavor start-of-day and machine services.
 *
 * pv_start(si), called from head.S on the cpu-0 stack:
 *   1. remember start_info, copy the command line;
 *   2. vm_assist(enable, pae_extended_cr3) (we understand the folded CR3);
 *   3. pv_mm_init: p2m list, boot L3 (pt_base), size of the 1:1 boot region;
 *   4. map shared_info (start_info gives its machine address) with
 *      update_va_mapping over a page of our .bss, then mask every event
 *      channel until a handler is bound;
 *   5. set_trap_table, register the event and failsafe callbacks
 *      (callback_op, or set_callbacks if that is -ENOSYS), stack_switch to
 *      the cpu-0 trap stack for ring 3 -> ring 1 transitions;
 *   6. guest_main().
 * Failures of 4-5 are fatal: there is no way to report traps without them.
 * guest_exit() is SCHEDOP_shutdown: poweroff on PASS, crash on FAIL.
 */
#include <oxen/pv.h>

void pv_console_init(void);

const start_info_t *pv_start_info;
struct shared_info *pv_shared_info;
volatile int pv_shared_info_mapped;
long pv_boot_status[4];
static uint8_t shared_info_page[PAGE_SIZE] ALIGNED(PAGE_SIZE);
static uint8_t trap_stack[KSTACK_SIZE] ALIGNED(KSTACK_SIZE);
static char cmdline[MAX_GUEST_CMDLINE];

extern char vector_0[], vector_1[], vector_3[], vector_4[], vector_5[], vector_6[],
    vector_7[], vector_10[], vector_11[], vector_12[], vector_13[], vector_14[],
    vector_16[], vector_17[], vector_19[], vector_128[];

#define TRAP(vec, dpl, fn) { vec, dpl, FLAT_RING1_CS, (uint32_t)fn }
const trap_info_t pv_trap_table[] = {
    TRAP(VEC_DE, 0, vector_0),
    TRAP(VEC_DB, 0, vector_1),
    TRAP(VEC_BP, 3, vector_3),      /* int3 allowed from ring 3 */
    TRAP(VEC_OF, 3, vector_4),
    TRAP(VEC_BR, 0, vector_5),
    TRAP(VEC_UD, 0, vector_6),
    TRAP(VEC_NM, 0, vector_7),
    TRAP(VEC_TS, 0, vector_10),
    TRAP(VEC_NP, 0, vector_11),
    TRAP(VEC_SS, 0, vector_12),
    TRAP(VEC_GP, 0, vector_13),
    TRAP(VEC_PF, 0, vector_14),
    TRAP(VEC_MF, 0, vector_16),
    TRAP(VEC_AC, 0, vector_17),
    TRAP(VEC_XM, 0, vector_19),
    TRAP(VEC_SYSCALL, 3, vector_128),
    { 0, 0, 0, 0 },
};

void pv_fill_trap_ctxt(trap_info_t ctxt[256])
{
    memset(ctxt, 0, 256 * sizeof ctxt[0]);
    for (const trap_info_t *t = pv_trap_table; t->address; t++)
        ctxt[t->vector] = *t;
}

/* ---- identity --------------------------------------------------------- */
const char *guest_flavor(void) { return "pv"; }
const char *guest_cmdline(void) { return cmdline; }
uint64_t guest_mem_bytes(void) { return (uint64_t)pv_start_info->nr_pages * PAGE_SIZE; }

void guest_exit(int passed)
{
    struct sched_shutdown r = { passed ? SHUTDOWN_poweroff : SHUTDOWN_crash };
    HYPERVISOR_sched_op(SCHEDOP_shutdown, &r);
    for (;;)                        /* not expected: shutdown does not return */
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* ---- "interrupts" = the vcpu's event upcall mask ---------------------- */
static void force_evtchn_callback(void)
{
    /* Any hypercall return delivers pending, unmasked events. */
    HYPERVISOR_xen_version(XENVER_version, NULL);
}

uint32_t irq_save(void)
{
    struct vcpu_info *vi = pv_vcpu_info(smp_cpu_id());
    uint8_t old = vi->evtchn_upcall_mask;
    vi->evtchn_upcall_mask = 1;
    barrier();
    return !old;
}

void irq_enable(void)
{
    struct vcpu_info *vi = pv_vcpu_info(smp_cpu_id());
    vi->evtchn_upcall_mask = 0;
    barrier();
    if (vi->evtchn_upcall_pending)
        force_evtchn_callback();
}

void irq_disable(void)
{
    pv_vcpu_info(smp_cpu_id())->evtchn_upcall_mask = 1;
    barrier();
}

void irq_restore(uint32_t state)
{
    if (state)
        irq_enable();
    else
        irq_disable();
}

void cpu_idle(void)
{
    /* SCHEDOP_block unmasks events atomically and returns once one was
     * delivered (the upcall runs on the way out of the hypercall). */
    HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    irq_disable();
}

int arch_trap_early(struct trap_frame *f)
{
    if (f->vector != VEC_EVENT)
        return 0;
    evtchn_do_upcall();
    return 1;
}

uint32_t arch_read_cr2(void)
{
    return pv_vcpu_info(smp_cpu_id())->arch.cr2;
}

void pv_failsafe(void)
{
    fail("failsafe callback: the hypervisor could not load a segment register");
}

/* ---- save/restore: shared_info's mapping (lib/pv/suspend.c) ----------- */
long pv_unmap_shared_info(void)
{
    pv_shared_info_mapped = 0;
    long rc = HYPERVISOR_update_va_mapping((uint32_t)shared_info_page, 0, UVMF_INVLPG | UVMF_LOCAL);
    pv_shared_info_mapped = rc != 0;
    return rc;
}

long pv_map_shared_info(void)
{
    long rc = HYPERVISOR_update_va_mapping((uint32_t)shared_info_page,
                                           (uint64_t)pv_start_info->shared_info | PTE_P | PTE_RW | PTE_A | PTE_D,
                                           UVMF_INVLPG | UVMF_LOCAL);
    pv_shared_info_mapped = rc == 0;
    return rc;
}

/* ---- start ------------------------------------------------------------ */
static void boot_fail(const char *what, long rc)
{
    /* console_io needs no setup; it is the only output this early. */
    char buf[120];
    snprintf(buf, sizeof buf, "RESULT: FAIL boot: %s returned %ld\n", what, rc);
    HYPERVISOR_console_io(CONSOLEIO_write, strlen(buf), buf);
    guest_exit(0);
}

/* The trap table, the event and failsafe callbacks and the ring-1 trap stack, as at boot:
 * 0, or the first failing call's -errno in *what (a program that fuzzes these calls puts
 * them back with it). */
long pv_install_entry_points(const char **what)
{
    long rc = pv_boot_status[1] = HYPERVISOR_set_trap_table(pv_trap_table);
    if (rc) {
        *what = "set_trap_table";
        return rc;
    }
    struct callback_register event = {
        CALLBACKTYPE_event, 0, { FLAT_RING1_CS, (uint32_t)hypervisor_callback } };
    struct callback_register failsafe = {
        CALLBACKTYPE_failsafe, CALLBACKF_mask_events, { FLAT_RING1_CS, (uint32_t)failsafe_callback } };
    rc = HYPERVISOR_callback_op(CALLBACKOP_register, &event);
    if (rc == 0)
        rc = HYPERVISOR_callback_op(CALLBACKOP_register, &failsafe);
    if (rc == -XEN_ENOSYS)
        rc = HYPERVISOR_set_callbacks(FLAT_RING1_CS, (uint32_t)hypervisor_callback,
                                      FLAT_RING1_CS, (uint32_t)failsafe_callback);
    pv_boot_status[2] = rc;
    if (rc) {
        *what = "callback registration";
        return rc;
    }
    rc = pv_boot_status[3] = HYPERVISOR_stack_switch(FLAT_RING1_SS, (uint32_t)trap_stack + KSTACK_SIZE);
    if (rc)
        *what = "stack_switch";
    return rc;
}

void pv_start(const start_info_t *si)
{
    long rc;

    pv_start_info = si;
    strlcpy(cmdline, si->cmd_line, sizeof cmdline);
    pv_boot_status[0] = HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3);
    pv_mm_init(si);

    rc = HYPERVISOR_update_va_mapping((uint32_t)shared_info_page,
                                      (uint64_t)si->shared_info | PTE_P | PTE_RW | PTE_A | PTE_D,
                                      UVMF_INVLPG | UVMF_LOCAL);
    if (rc)
        boot_fail("update_va_mapping(shared_info)", rc);
    pv_shared_info = (struct shared_info *)shared_info_page;
    pv_shared_info_mapped = 1;
    evtchn_mask_all();
    /* A backend may have signalled a port before this mask-all (the console backend's connect
     * notification races with the boot), leaving vcpu 0's selector and upcall flag set for an
     * event no handler wants: the first SCHEDOP_block would return at once with nothing to do.
     * Drop them; the pending bits stay, and EVTCHNOP_unmask raises a pending port again when a
     * handler is bound. */
    pv_shared_info->vcpu_info[0].evtchn_pending_sel = 0;
    wmb();
    pv_shared_info->vcpu_info[0].evtchn_upcall_pending = 0;
    pv_publish_p2m();
    pv_console_init();

    struct kstack_hdr *h = (struct kstack_hdr *)trap_stack;
    h->cpu = 0;
    h->magic = KSTACK_MAGIC;

    const char *what = "";
    rc = pv_install_entry_points(&what);
    if (rc)
        boot_fail(what, rc);

    guest_main();
    fail("guest_main returned without a result");
}
