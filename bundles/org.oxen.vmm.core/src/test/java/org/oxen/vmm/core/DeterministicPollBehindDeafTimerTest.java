package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Sched;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.GuestClock;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.time.DeterministicTime;
import org.oxen.x86.cpu.X86Cpu;

/**
 * The fuzzer's hang on the deterministic clock (issue 22; session 10's generator, seed 22 x
 * 5,000 calls, {@code -Doxen.fuzz.clock=instructions}): its vcpu armed its single-shot timer
 * (events masked, so its VIRQ wakes nobody), then polled with a later timeout. When the vcpu
 * blocked, {@link DeterministicTime#idle} jumped the domain's time to the earliest timer (the
 * single-shot), fired it, and stopped: nothing woke, so nothing ran and nothing called
 * {@code idle} again; the poll's timeout, still armed, never came and the domain sat blocked for
 * ever. On the host's clock the poll times out. Here the same two hypercalls on a paused
 * deterministic domain's vcpu, then what the pCPU does when a vcpu blocks ({@code idle}): the
 * poll must time out at its deadline.
 */
class DeterministicPollBehindDeafTimerTest {

    Vmm vmm;

    @AfterEach
    void tearDown() {
        vmm.shutdown();
    }

    @Test
    void aPollTimesOutBehindATimerThatWakesNoOne() throws Exception {
        vmm = new Vmm(64L << 20, 1);
        DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder("poller")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8)
                .clock(GuestClock.INSTRUCTIONS).startPaused(true).build());
        VcpuImpl v = d.vcpu(0);
        DeterministicTime det = d.deterministicTime();
        GuestMemory g = vmm.guest();
        int cr3 = v.cpu().cr(3);
        int poll = v.cpu().gpr(X86Cpu.ESP) + 0x10000;
        long now = det.now();
        long singleshot = now + 1_000_000, timeout = now + 2_000_000;

        assertEquals(0, VictimHypercalls.call(vmm, v, Hypercall.SET_TIMER_OP, (int) singleshot, (int) (singleshot >>> 32)));
        // struct sched_poll: no ports, the timeout; the vcpu blocks polling
        g.write32(cr3, poll, poll + 0x100);
        g.write32(cr3, poll + 4, 0);
        g.write64(cr3, poll + 8, timeout);
        assertEquals(0, VictimHypercalls.call(vmm, v, Hypercall.SCHED_OP, Sched.SCHEDOP_POLL, poll));
        assertTrue(v.blocked(), "the poll did not block");
        assertFalse(v.eventsNeedDelivery(), "an event is deliverable: the single-shot's VIRQ would wake the vcpu");

        det.idle(); // the pCPU's end of the slice in which the vcpu blocked

        assertFalse(v.timers().singleshotActive(), "the single-shot timer did not fire");
        assertFalse(v.blocked(), "the poll never timed out: time stopped at " + det.now() + " with its deadline at "
                + timeout + " (the single-shot's at " + singleshot + ")");
        assertEquals(timeout, det.now(), "the domain's time is the poll's deadline");
        assertEquals(0, vmm.internalErrors());
    }
}
