package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.cpu.X86Cpu;

/** set_gdt / update_descriptor (descriptor pages, the GDT in the hole) and fpu_taskswitch. */
class DescriptorTableTest {

    static Vmm vmm;

    @BeforeAll
    static void start() {
        vmm = new Vmm(64L << 20, 1);
    }

    @AfterAll
    static void stop() {
        vmm.shutdown();
    }

    long call(VcpuImpl v, int nr, int... a) {
        return VictimHypercalls.call(vmm, v, nr, a);
    }

    @Test
    void setGdtTypesFramesAndMapsThemInTheHole() throws Exception {
        DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder("gdt").kernel(GuestImages.load(
                GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
        try {
            VcpuImpl v = d.vcpu(0);
            var g = vmm.guest();
            int cr3 = v.cpu().cr(3);
            int va = v.cpu().gpr(X86Cpu.ESP) + 0x20000;
            int list = va + 0x1000;
            long frame = g.translate(cr3, va, false) >>> 12;
            g.write64(cr3, va + 8, 0x00CFBA000000FFFFL);   // ring-1 code, accessed bit clear
            g.write64(cr3, va + 16, 0x00CF92000000FFFFL);  // DPL 0 data: Xen makes it DPL 1
            g.write32(cr3, list, (int) frame);
            assertEquals(-Errno.EINVAL, call(v, Hypercall.SET_GDT, list, 3));       // still writable
            assertEquals(0, call(v, Hypercall.UPDATE_VA_MAPPING, va, (int) (frame << 12) | 0x21, 0, Xen.UVMF_INVLPG));
            assertEquals(0, call(v, Hypercall.SET_GDT, list, 3));
            assertEquals(PageType.SEG_DESC, vmm.pool().type((int) frame) & PageType.TYPE_MASK);
            long code = vmm.pool().ram().read64((frame << 12) + 8);
            long data = vmm.pool().ram().read64((frame << 12) + 16);
            assertEquals(0x00CFBB000000FFFFL, code);          // accessed set
            assertEquals(0x00CFB3000000FFFFL, data);          // DPL 1, accessed
            assertNotNull(PvVcpu.of(v).segmentFor(0x09, true));
            assertNotNull(PvVcpu.of(v).segmentFor(0x11, false));
            // the CPU sees the frame at the vcpu's GDT in the hole, read-only
            assertEquals((frame << 12) + 8, DomainBuilderTest.walkWith(vmm, cr3, DomainMemory.gdtVirt(0) + 8));
            assertEquals(-Errno.EBUSY, call(v, Hypercall.UPDATE_VA_MAPPING, va, (int) (frame << 12) | 0x63, 0,
                    Xen.UVMF_INVLPG));
            long desc = 0x00CFF2000000FFFFL;
            assertEquals(0, call(v, Hypercall.UPDATE_DESCRIPTOR, (int) (frame << 12) + 24, 0, (int) desc,
                    (int) (desc >>> 32)));
            assertEquals(desc | 1L << 40, vmm.pool().ram().read64((frame << 12) + 24));
            assertEquals(0, call(v, Hypercall.SET_GDT, list, 0));
            assertEquals(PageType.NONE, vmm.pool().type((int) frame));
            assertEquals(0, call(v, Hypercall.UPDATE_VA_MAPPING, va, (int) (frame << 12) | 0x63, 0, Xen.UVMF_INVLPG));
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.destroy(d.id());
        }
    }

    @Test
    void fpuTaskswitchGivesTheGuestDeviceNotAvailable() throws Exception {
        int table = MiniGuest.BASE + 0x100;
        MiniGuest m = new MiniGuest()
                .hypercall(Hypercall.SET_TRAP_TABLE, table, 0)
                .hypercall(Hypercall.FPU_TASKSWITCH, 1, 0)
                .bytes(0x9B)                                       // fwait: #NM with CR0.TS|MP
                .shutdown(3)
                .at(0x100).bytes(7, 0, 0x19, 0xE0).imm32(MiniGuest.BASE + 0x200).imm32(0).imm32(0)
                .at(0x200).shutdown(0);
        Domain d = vmm.create(DomainConfig.builder("fpu").kernel(m.image()).memoryMiB(4).build());
        assertTrue(d.awaitShutdown(10, TimeUnit.SECONDS));
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(), d.crashMessage().orElse(""));
        vmm.destroy(d.id());
    }
}
