package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Callback;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Memory;
import org.oxen.vmm.abi.Physdev;
import org.oxen.vmm.abi.Version;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.cpu.X86Cpu;

/** What the hypercalls return when used as intended (the hostile side is HostileHypercallTest). */
class HypercallTest {

    Vmm vmm;
    DomainImpl d;
    VcpuImpl v;
    GuestMemory g;
    int cr3;
    int scratch;

    @BeforeEach
    void setUp() throws Exception {
        vmm = new Vmm(64L << 20, 1);
        d = (DomainImpl) vmm.create(DomainConfig.builder("ok").kernel(GuestImages.load(GuestImages.Flavor.PV,
                "hello")).memoryMiB(8).startPaused(true).build());
        v = d.vcpu(0);
        g = vmm.guest();
        cr3 = v.cpu().cr(3);
        scratch = v.cpu().gpr(X86Cpu.ESP) + 0x10000;
    }

    @AfterEach
    void tearDown() {
        assertEquals(0, vmm.internalErrors());
        vmm.shutdown();
    }

    /** One hypercall as a guest makes it, continued to its end: {@link VictimHypercalls}. */
    long call(int nr, int... a) {
        return VictimHypercalls.call(vmm, v, nr, a);
    }

    String str(int va, int max) {
        byte[] b = new byte[max];
        g.read(cr3, va, b, 0, max);
        int n = 0;
        while (n < max && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }

    @Test
    void xenVersion() {
        assertEquals(0x40001, call(Hypercall.XEN_VERSION, Version.XENVER_VERSION, 0));
        assertEquals(0, call(Hypercall.XEN_VERSION, Version.XENVER_EXTRAVERSION, scratch));
        assertEquals(".0-oxen", str(scratch, 16));
        assertEquals(0, call(Hypercall.XEN_VERSION, Version.XENVER_CAPABILITIES, scratch));
        assertEquals("xen-3.0-x86_32p", str(scratch, 1024));
        assertEquals(0, call(Hypercall.XEN_VERSION, Version.XENVER_COMPILE_INFO, scratch));
        assertTrue(str(scratch, 64).startsWith("javac"));
        assertEquals(0, call(Hypercall.XEN_VERSION, Version.XENVER_CHANGESET, scratch));
        assertEquals(0, call(Hypercall.XEN_VERSION, Version.XENVER_PLATFORM_PARAMETERS, scratch));
        assertEquals(Xen.HYPERVISOR_VIRT_START, g.read32(cr3, scratch));
        g.write32(cr3, scratch, 0);
        assertEquals(0, call(Hypercall.XEN_VERSION, Version.XENVER_GET_FEATURES, scratch));
        assertEquals(1 << Version.XENFEAT_PAE_PGDIR_ABOVE_4GB | 1 << Version.XENFEAT_MMU_PT_UPDATE_PRESERVE_AD,
                g.read32(cr3, scratch + 4));
        assertEquals(4096, call(Hypercall.XEN_VERSION, Version.XENVER_PAGESIZE, 0));
        assertEquals(0, call(Hypercall.XEN_VERSION, Version.XENVER_GUEST_HANDLE, scratch));
        assertEquals(0, call(Hypercall.XEN_VERSION, Version.XENVER_COMMANDLINE, scratch));
    }

    @Test
    void memoryOp() {
        assertEquals(vmm.pool().maxRamPage(), call(Hypercall.MEMORY_OP, Memory.XENMEM_MAXIMUM_RAM_PAGE, 0));
        g.write16(cr3, scratch, d.id());
        assertEquals(2048, call(Hypercall.MEMORY_OP, Memory.XENMEM_CURRENT_RESERVATION, scratch));
        assertEquals(2048, call(Hypercall.MEMORY_OP, Memory.XENMEM_MAXIMUM_RESERVATION, scratch));
        assertEquals(2047, call(Hypercall.MEMORY_OP, Memory.XENMEM_MAXIMUM_GPFN, 0));
        g.write32(cr3, scratch, 8);
        g.write32(cr3, scratch + 4, scratch + 64);
        assertEquals(0, call(Hypercall.MEMORY_OP, Memory.XENMEM_MACHPHYS_MFN_LIST, scratch));
        assertEquals(1, g.read32(cr3, scratch + 8));
        assertEquals(vmm.pool().m2pFirstFrame(), g.read32(cr3, scratch + 64));
        g.write32(cr3, scratch, 4);
        assertEquals(0, call(Hypercall.MEMORY_OP, Memory.XENMEM_MEMORY_MAP, scratch));
        assertEquals(1, g.read32(cr3, scratch));
        assertEquals(0L, g.read64(cr3, scratch + 64));
        assertEquals(8L << 20, g.read64(cr3, scratch + 72));
        assertEquals(Memory.E820_RAM, g.read32(cr3, scratch + 80));
    }

    @Test
    void callbacksPhysdevVmAssistTrapsStack() {
        g.write16(cr3, scratch, Callback.CALLBACKTYPE_EVENT);
        g.write16(cr3, scratch + 2, 0);
        g.write32(cr3, scratch + 4, 0xe018);           // RPL 0 becomes 1
        g.write32(cr3, scratch + 8, 0xC0001234);
        assertEquals(0, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_REGISTER, scratch));
        assertEquals(0xe019, PvVcpu.of(v).eventCs());
        assertEquals(0xC0001234, PvVcpu.of(v).eventEip());
        g.write16(cr3, scratch, Callback.CALLBACKTYPE_FAILSAFE);
        g.write16(cr3, scratch + 2, Callback.CALLBACKF_MASK_EVENTS);
        assertEquals(0, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_REGISTER, scratch));
        assertEquals(Callback.CALLBACKF_MASK_EVENTS, PvVcpu.of(v).failsafeFlags());
        g.write16(cr3, scratch, Callback.CALLBACKTYPE_NMI);
        assertEquals(0, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_REGISTER, scratch));
        assertEquals(0, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_UNREGISTER, scratch));
        assertEquals(0, call(Hypercall.SET_CALLBACKS, 0xe019, 0xC0000010, 0xe019, 0xC0000020));
        assertEquals(0xC0000020, PvVcpu.of(v).failsafeEip());
        g.write32(cr3, scratch, 3);
        assertEquals(0, call(Hypercall.PHYSDEV_OP, Physdev.PHYSDEVOP_SET_IOPL, scratch));
        assertEquals(3, PvVcpu.of(v).iopl());
        g.write32(cr3, scratch, Physdev.PHYSDEVOP_SET_IOPL);
        g.write32(cr3, scratch + 4, 1);
        assertEquals(0, call(Hypercall.PHYSDEV_OP_COMPAT, scratch));
        assertEquals(1, PvVcpu.of(v).iopl());
        assertEquals(0, call(Hypercall.VM_ASSIST, Xen.VMASST_CMD_ENABLE, Xen.VMASST_TYPE_PAE_EXTENDED_CR3));
        assertEquals(1 << 3, d.vmAssist);
        assertEquals(0, call(Hypercall.VM_ASSIST, Xen.VMASST_CMD_DISABLE, Xen.VMASST_TYPE_PAE_EXTENDED_CR3));
        assertEquals(0, d.vmAssist);
        assertEquals(0, call(Hypercall.STACK_SWITCH, 0xe020, 0xC0009000));
        assertEquals(0xe021, PvVcpu.of(v).kernelSs());
        // a trap table of two entries, then NULL clears it
        g.write32(cr3, scratch, 14 | 0 << 8 | 0xe019 << 16);
        g.write32(cr3, scratch + 4, 0xC0000100);
        g.write32(cr3, scratch + 8, 0x80 | 3 << 8 | 0xe019 << 16);
        g.write32(cr3, scratch + 12, 0xC0000200);
        g.write64(cr3, scratch + 16, 0);
        assertEquals(0, call(Hypercall.SET_TRAP_TABLE, scratch));
        assertEquals(0xC0000100, PvVcpu.of(v).trap(14).address());
        assertEquals(3, PvVcpu.of(v).trap(0x80).dpl());
        assertEquals(0, call(Hypercall.SET_TRAP_TABLE, 0));
        assertTrue(PvVcpu.of(v).trap(14) == null);
    }

    @Test
    void mmuPreserveAdMachphysMulticallAndLdt() {
        int va = scratch + 0x1000;
        long l1e = vmm.guest().translate(cr3, va, true);   // sets A and D in the entry
        assertTrue(l1e > 0);
        long pteMa = HostileHypercallTest.l1eMaOf(vmm, v, va);
        long old = vmm.pool().ram().read64(pteMa);
        assertEquals(Xen.PTE_A | Xen.PTE_D, old & (Xen.PTE_A | Xen.PTE_D));
        long cleared = old & ~(Xen.PTE_A | Xen.PTE_D | Xen.PTE_RW);
        g.write64(cr3, scratch, pteMa | Xen.MMU_PT_UPDATE_PRESERVE_AD);
        g.write64(cr3, scratch + 8, cleared);
        assertEquals(0, call(Hypercall.MMU_UPDATE, scratch, 1, scratch + 32, Xen.DOMID_SELF));
        assertEquals(1, g.read32(cr3, scratch + 32));
        assertEquals(cleared | Xen.PTE_A | Xen.PTE_D, vmm.pool().ram().read64(pteMa), "A and D preserved");
        // the page is read-only now: it can hold an LDT
        int ldtFrame = (int) (old >>> 12) & 0xFFFFFF;
        assertEquals(0, mmuext(Xen.MMUEXT_SET_LDT, va, 16));
        assertEquals(PageType.SEG_DESC, vmm.pool().type(ldtFrame) & PageType.TYPE_MASK);
        assertEquals(16 * 8 - 1, v.cpu().ldtr().limit);
        assertEquals(0, mmuext(Xen.MMUEXT_SET_LDT, 0, 0));
        assertEquals(PageType.NONE, vmm.pool().type(ldtFrame));
        // M2P update keeps the hypervisor's P2M in step
        int mfn = d.memory().p2m(100);
        g.write64(cr3, scratch, ((long) mfn << 12) | Xen.MMU_MACHPHYS_UPDATE);
        g.write64(cr3, scratch + 8, 100);
        assertEquals(0, call(Hypercall.MMU_UPDATE, scratch, 1, 0, Xen.DOMID_SELF));
        assertEquals(100, vmm.pool().m2pGet(mfn));
        assertEquals(mfn, d.memory().p2m(100));
        // multicall: two xen_version calls
        for (int i = 0; i < 64; i += 4) g.write32(cr3, scratch + i, 0);
        g.write32(cr3, scratch, Hypercall.XEN_VERSION);
        g.write32(cr3, scratch + 32, Hypercall.XEN_VERSION);
        g.write32(cr3, scratch + 40, Version.XENVER_PAGESIZE);
        assertEquals(0, call(Hypercall.MULTICALL, scratch, 2));
        assertEquals(0x40001, g.read32(cr3, scratch + 4));
        assertEquals(4096, g.read32(cr3, scratch + 36));
    }

    /** mmuext_op with one op in scratch + 0x800. */
    long mmuext(int cmd, int a1, int a2) {
        int p = scratch + 0x800;
        g.write32(cr3, p, cmd);
        g.write32(cr3, p + 4, a1);
        g.write32(cr3, p + 8, a2);
        return call(Hypercall.MMUEXT_OP, p, 1, 0, Xen.DOMID_SELF);
    }
}
