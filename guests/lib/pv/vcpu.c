/*
 * vcpu.c -- secondary vcpus.  pv_vcpu_initialise() fills a
 * vcpu_guest_context the way a PV kernel does for VCPUOP_initialise: ring-1
 * flat selectors, entry point and kernel stack, the kit's trap table, the
 * trap stack for ring-3 transitions (kernel_ss/kernel_sp), the current page
 * tables (ctrlreg[3] = xen_pfn_to_cr3(L3 mfn)) and the event/failsafe
 * callbacks.  Each vcpu's stacks carry a kstack header with its id.
 */
#include <oxen/pv.h>

/* Not cleared by head.S (link.ld's .bss.noclear): a PV domain's memory comes zeroed from its
 * builder, and a stack of a vcpu never brought up is never touched, so a one-vcpu domain does not
 * commit 1 MiB of host memory for the other 31 vcpus' stacks. */
static uint8_t stacks[MAX_CPUS][KSTACK_SIZE] ALIGNED(KSTACK_SIZE) __attribute__((section(".bss.noclear")));
static uint8_t trap_stacks[MAX_CPUS][KSTACK_SIZE] ALIGNED(KSTACK_SIZE) __attribute__((section(".bss.noclear")));
static vcpu_guest_context_t ctxt;
struct vcpu_info *volatile pv_vcpu_infos[MAX_CPUS];

int pv_register_vcpu_info(unsigned vcpu, struct vcpu_info *where)
{
    if (vcpu >= MAX_CPUS)
        return -XEN_EINVAL;
    uint64_t ma = pv_virt_to_maddr(where);
    struct vcpu_register_vcpu_info r = { ma >> 12, (uint32_t)(ma & 0xfff), 0 };
    uint32_t flags = irq_save();
    long rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, vcpu, &r);
    if (rc == 0)
        pv_vcpu_infos[vcpu] = where;
    irq_restore(flags);
    return (int)rc;
}

int pv_vcpu_initialise(unsigned vcpu, void (*entry)(void))
{
    if (vcpu == 0 || vcpu >= MAX_CPUS)
        return -XEN_EINVAL;
    struct kstack_hdr *h = (struct kstack_hdr *)stacks[vcpu];
    h->cpu = vcpu;
    h->magic = KSTACK_MAGIC;
    h = (struct kstack_hdr *)trap_stacks[vcpu];
    h->cpu = vcpu;
    h->magic = KSTACK_MAGIC;
    uint32_t *sp = (uint32_t *)(stacks[vcpu] + KSTACK_SIZE) - 4;
    sp[0] = 0;                      /* return address: entry never returns */

    memset(&ctxt, 0, sizeof ctxt);
    ctxt.flags = VGCF_IN_KERNEL;
    ctxt.user_regs.cs = FLAT_RING1_CS;
    ctxt.user_regs.ds = ctxt.user_regs.es = FLAT_RING1_DS;
    ctxt.user_regs.fs = ctxt.user_regs.gs = FLAT_RING1_DS;
    ctxt.user_regs.ss = FLAT_RING1_SS;
    ctxt.user_regs.eip = (uint32_t)entry;
    ctxt.user_regs.esp = (uint32_t)sp;
    ctxt.user_regs.eflags = EFLAGS_IF | 0x2;
    pv_fill_trap_ctxt(ctxt.trap_ctxt);
    ctxt.kernel_ss = FLAT_RING1_SS;
    ctxt.kernel_sp = (uint32_t)(trap_stacks[vcpu] + KSTACK_SIZE);
    ctxt.ctrlreg[3] = xen_pfn_to_cr3(pv_cur_l3_mfn);
    ctxt.event_callback_cs = FLAT_RING1_CS;
    ctxt.event_callback_eip = (uint32_t)hypervisor_callback;
    ctxt.failsafe_callback_cs = FLAT_RING1_CS;
    ctxt.failsafe_callback_eip = (uint32_t)failsafe_callback;
    return (int)HYPERVISOR_vcpu_op(VCPUOP_initialise, vcpu, &ctxt);
}
