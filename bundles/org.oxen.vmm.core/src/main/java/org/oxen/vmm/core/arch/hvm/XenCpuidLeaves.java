package org.oxen.vmm.core.arch.hvm;

import org.oxen.vmm.abi.Hvm;
import org.oxen.x86.cpu.CpuidModel;

/**
 * Xen's hypervisor CPUID leaves as an HVM vcpu sees them (xen/arch/x86/cpuid.c,
 * cpuid_hypervisor_leaves, no Viridian so the base is 0x40000000): leaf 0 the largest leaf and
 * "XenVMMXenVMM", leaf 1 the version, leaf 2 one hypercall page and the MSR that fills it,
 * leaf 3 the time leaf (the guest's TSC: 1 GHz, not virtualized), leaf 4 the HVM leaf (vcpu id
 * and domain id present; no APIC or x2APIC virtualization, no IOMMU, no per-vcpu upcall vector),
 * leaf 5 the PV leaf (zero for HVM). Leaves above the largest read zero.
 */
final class XenCpuidLeaves implements CpuidModel.HypervisorLeaves {

    /** The guest TSC's rate: oxen's RDTSC counts nanoseconds of the domain's time. */
    static final int TSC_KHZ = 1_000_000;
    /** vtsc_to_ns of a 1 GHz TSC as Xen's set_time_scale computes it (ns = ((tsc << 1) * 2^31) >> 32). */
    private static final int TSC_MUL_FRAC = 0x80000000, TSC_SHIFT = 1;
    /** Time leaf subleaf 0, EAX bit 1: the TSC is reliable (constant rate, never goes back). */
    private static final int TSC_RELIABLE = 1 << 1;

    private final int version;
    private final int domid;
    private final int vcpuId;

    /** @param version xen_version's (major << 16 | minor) */
    XenCpuidLeaves(int version, int domid, int vcpuId) {
        this.version = version;
        this.domid = domid;
        this.vcpuId = vcpuId;
    }

    @Override
    public void query(int leaf, int subleaf, int[] out) {
        int idx = leaf - Hvm.XEN_CPUID_FIRST_LEAF;
        if (idx < 0 || idx > Hvm.XEN_CPUID_MAX_NUM_LEAVES) return;
        switch (idx) {
            case 0 -> {
                out[0] = Hvm.XEN_CPUID_FIRST_LEAF + Hvm.XEN_CPUID_MAX_NUM_LEAVES;
                out[1] = Hvm.XEN_CPUID_SIGNATURE_EBX;
                out[2] = Hvm.XEN_CPUID_SIGNATURE_ECX;
                out[3] = Hvm.XEN_CPUID_SIGNATURE_EDX;
            }
            case 1 -> out[0] = version;
            case 2 -> {
                out[0] = 1; // hypercall transfer pages
                out[1] = Hvm.HYPERCALL_PAGE_MSR;
            }
            case 3 -> {
                if (subleaf == 0) {
                    out[0] = TSC_RELIABLE; // no vtsc, no RDTSCP
                    out[2] = TSC_KHZ; // tsc_mode 0 (default) in EBX, incarnation 0 in EDX
                } else if (subleaf == 1) {
                    out[2] = TSC_MUL_FRAC; // offset 0 in EAX:EBX
                    out[3] = TSC_SHIFT;
                } else if (subleaf == 2) {
                    out[0] = TSC_KHZ;
                }
            }
            case 4 -> {
                if (subleaf != 0) return;
                out[0] = Hvm.XEN_HVM_CPUID_VCPU_ID_PRESENT | Hvm.XEN_HVM_CPUID_DOMID_PRESENT;
                out[1] = vcpuId;
                out[2] = domid;
            }
            default -> {
                // leaf 5: PV-specific parameters, nothing for an HVM domain
            }
        }
    }
}
