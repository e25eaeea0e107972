package org.oxen.vmm.core.arch.hvm;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.core.domain.VcpuImpl;

/**
 * Test support: an IPI sent through an HVM domain's local APICs as one of its vcpus sends it
 * (the sender's ICR written on the domain's device bus as that vcpu's access), e.g. into a
 * paused domain, where it stays pending in the destination's IRR.
 */
public final class ApicIpis {

    private static final long ICR_LOW = 0xFEE0_0300L, ICR_HIGH = 0xFEE0_0310L;
    private static final int FIXED_ASSERT = 1 << 14;

    private ApicIpis() {
    }

    /** A fixed, edge-triggered IPI of {@code vector} from vcpu {@code from} to the APIC with ID {@code destApicId}. */
    public static void send(Domain d, int from, int destApicId, int vector) {
        HvmPlatform p = ((HvmVcpuArch) ((VcpuImpl) d.vcpus().get(from)).arch()).platform();
        p.enter(from);
        try {
            p.memory().write32(ICR_HIGH, destApicId << 24);
            p.memory().write32(ICR_LOW, FIXED_ASSERT | vector & 0xFF);
        } finally {
            p.exit();
        }
    }
}
