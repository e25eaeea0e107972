package org.oxen.vmm.core.arch.hvm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Hvm;
import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.hvm.HvmTestSupport;

/**
 * A lost wake-up in an HVM vcpu's HLT (seen once in CI as XlHvmDomainTest's xenhvm never
 * getting xenstored's answer): with the GSI or PCI INTx callback via, an event another thread
 * makes pending between the vcpu's last resume hook and its HLT set vcpu 0's upcall_pending and
 * kicked a vcpu that was not blocked yet; the line rises only in the next resume hook, and HLT's
 * check looked at INTR alone, so the vcpu blocked with the event undelivered. Xen raises the
 * line in the sender (hvm_assert_evtchn_irq); oxen's HLT check counts the pending upcall the
 * line does not show yet. The state of that window is set up directly on a paused domain.
 */
class HltAfterEventRaceTest {

    @Test
    void anUpcallPendingBehindALowCallbackLineKeepsAHaltedVcpuAwake() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 1);
        try {
            DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder("hlt-race").type(DomainType.HVM)
                    .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hello")).memoryMiB(16).startPaused(true).build());
            VcpuImpl v = d.vcpu(0);
            HvmVcpuArch arch = (HvmVcpuArch) v.arch();
            HvmPlatform platform = arch.platform();
            assertTrue(d.sharedInfoMfn() >= 0, "an HVM domain has its shared_info from creation");
            for (long via : new long[] {(long) Hvm.HVM_PARAM_CALLBACK_TYPE_GSI << Hvm.CALLBACK_TYPE_SHIFT | 11,
                    (long) Hvm.HVM_PARAM_CALLBACK_TYPE_VECTOR << Hvm.CALLBACK_TYPE_SHIFT | 0x2b}) {
                platform.enter(0);
                try {
                    platform.callbackVia().set(via);
                } finally {
                    platform.exit();
                }
                // the window: upcall_pending set by a sender, the line not raised yet, IF=1, HLT
                d.ram().write8(v.vcpuInfoAddress() + SharedInfo.VI_UPCALL_PENDING, 1);
                v.cpu().setEflags(v.cpu().eflags() | 0x200);
                assertFalse(platform.callbackVia().asserted(), "the line is still low");
                arch.halted(v);
                assertFalse(v.blocked(), "HLT blocked with an upcall pending (via " + Long.toHexString(via) + ")");
                assertTrue(v.online());
            }
            // nothing pending: HLT blocks
            d.ram().write8(v.vcpuInfoAddress() + SharedInfo.VI_UPCALL_PENDING, 0);
            arch.halted(v);
            assertTrue(v.blocked(), "HLT with nothing pending blocks");
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * The other lost wake-up in HLT (Linux with two vcpus hung with both halted after a
     * reschedule IPI; with one, a timer interrupt): the router raised INTR between the vcpu's
     * HLT check (nothing pending) and its blocking, saw a vcpu not blocked yet and did not wake
     * it, so it slept with INTR high. Here the raise happens inside the check, on another thread:
     * the vcpu must not stay blocked.
     */
    @Test
    void anInterruptRaisedBetweenTheHltCheckAndBlockingWakesTheVcpu() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 1);
        try {
            DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder("hlt-intr").type(DomainType.HVM)
                    .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hello")).memoryMiB(16).startPaused(true).build());
            VcpuImpl v = d.vcpu(0);
            HvmVcpuArch arch = (HvmVcpuArch) v.arch();
            HvmPlatform platform = arch.platform();
            Thread router = new Thread(() -> {
                platform.enter(0);
                try {
                    arch.intrPin(0).set(true);
                } finally {
                    platform.exit();
                }
            }, "router");
            boolean blocked = v.blockUnless(() -> {
                // HLT's check has found nothing pending; now the interrupt comes, on its own thread
                router.start();
                while (router.getState() != Thread.State.TERMINATED && router.getState() != Thread.State.BLOCKED) {
                    Thread.onSpinWait();
                }
                return false;
            });
            assertTrue(blocked, "the check saw nothing pending");
            router.join(10_000);
            assertFalse(router.isAlive());
            assertFalse(v.blocked(), "the vcpu sleeps with INTR high: a lost wake-up");
        } finally {
            vmm.shutdown();
        }
    }
}
