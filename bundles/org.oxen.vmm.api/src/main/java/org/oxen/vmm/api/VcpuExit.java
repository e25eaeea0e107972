package org.oxen.vmm.api;

/**
 * Why a vcpu left guest code for the hypervisor (1.10), as the CPU reports it: a PV hypercall is
 * a {@link #SOFTWARE_INTERRUPT} ({@code int $0x82}), an HVM one a {@link #VMCALL}, a fault or trap the guest's trap table gets
 * an {@link #EXCEPTION}; the others are the instructions the hypervisor emulates.
 */
public enum VcpuExit {
    SOFTWARE_INTERRUPT, EXCEPTION, HLT, IO, CR_ACCESS, MSR_ACCESS, VMCALL
}
