package org.oxen.vmm.core.arch;

import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;

/**
 * The per-vcpu architecture seam (Xen's arch_vcpu_* hooks and the PV / HVM split of the
 * return-to-guest path): what differs between a paravirtualized vcpu and a fully virtualized
 * one. The shared paths ({@code Vmm}, {@code Pcpu}, the scheduler) call only these hooks.
 *
 * <p>Threading: {@link #create} runs on the toolstack's thread before the vcpu is scheduled;
 * every other hook runs on the pCPU thread running the vcpu.
 */
public interface VcpuArch {

    /**
     * What an architecture keeps per vcpu (Xen's union in struct arch_vcpu: pv or hvm), made by
     * {@link #create} and reached with {@code VcpuImpl.archState()}; each kind gives its own
     * typed accessor (e.g. {@code PvVcpu.of(v)}).
     */
    interface State {
    }

    /** arch_vcpu_create: vcpu {@code id} of {@code d} with its CPU set up for this kind of guest. */
    VcpuImpl create(DomainImpl d, int id);

    /**
     * The vcpu is scheduled in on a pCPU (context switch): deferred work that needs the vcpu
     * off every pCPU (TLB flush, CR3 reload) and the time record refresh.
     */
    void scheduledIn(VcpuImpl v);

    /**
     * Before every resume of guest code (Xen's test_all_events on the way out of the
     * hypervisor, after each exit and before each run of the CPU): deliver what is pending
     * (event upcalls, for PV through the registered callback honouring the upcall mask).
     */
    void beforeResume(VcpuImpl v);

    /** The CPU executed HLT (PV: a guest bug, PV kernels idle with SCHEDOP_block; HVM: block). */
    void halted(VcpuImpl v);

    /**
     * The vcpu left its pCPU (context switch out; blocked, paused or preempted), on that pCPU's
     * thread (HVM: guest time stops while the boot vcpu waits runnable, as Xen's pt_save_timer).
     */
    default void descheduled(VcpuImpl v) {
    }

    /**
     * For a diagnosis, on any thread (the domain best paused): the guest virtual addresses (page
     * addresses) at which the vcpu's current page tables map machine frame {@code mfn}; empty
     * where this kind of guest does not say (HVM: its tables map guest-physical frames).
     */
    default java.util.List<Integer> virtualAddressesOf(VcpuImpl v, long mfn) {
        return java.util.List.of();
    }

    /** arch_domain_destroy: the domain's vcpus are off every pCPU for good (HVM: its devices close). */
    default void domainDestroyed(DomainImpl d) {
    }
}
