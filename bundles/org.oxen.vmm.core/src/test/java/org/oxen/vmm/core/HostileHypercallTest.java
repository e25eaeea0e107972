package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.vmm.abi.Errno.EACCES;
import static org.oxen.vmm.abi.Errno.EBUSY;
import static org.oxen.vmm.abi.Errno.EFAULT;
import static org.oxen.vmm.abi.Errno.EINVAL;
import static org.oxen.vmm.abi.Errno.ENOSYS;
import static org.oxen.vmm.abi.Errno.EOPNOTSUPP;
import static org.oxen.vmm.abi.Errno.EPERM;
import static org.oxen.vmm.abi.Errno.ESRCH;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Callback;
import org.oxen.vmm.abi.GrantTable;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Memory;
import org.oxen.vmm.abi.Physdev;
import org.oxen.vmm.abi.Sched;
import org.oxen.vmm.abi.Version;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Hostile arguments for every hypercall oxen implements, made on the vcpu of a paused domain
 * (before its kernel ran) through the real hypercall table: each gives the errno Xen gives,
 * never an exception in the hypervisor. Afterwards the domain boots normally and its
 * neighbour, running all along, finishes too.
 */
class HostileHypercallTest {

    static final int NOT_RAM = 0xFFFFF;

    Vmm vmm;
    DomainImpl victim;
    DomainImpl neighbour;
    VcpuImpl v;
    GuestMemory g;
    FramePool pool;
    int cr3;
    int scratch;
    long freeAtStart;

    @BeforeEach
    void setUp() throws Exception {
        vmm = new Vmm(64L << 20, 1);
        freeAtStart = vmm.freeFrames();
        neighbour = (DomainImpl) vmm.create(DomainConfig.builder("neighbour")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "cpubench")).memoryMiB(8)
                .cmdline("loop=300000 mix=3").build());
        victim = (DomainImpl) vmm.create(DomainConfig.builder("victim")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).cmdline("expect_mem_mib=8")
                .startPaused(true).build());
        v = victim.vcpu(0);
        g = vmm.guest();
        pool = vmm.pool();
        cr3 = v.cpu().cr(3);
        // free memory of the start-of-day region: 64 KiB above the boot stack (512 KiB padding follows it)
        scratch = v.cpu().gpr(X86Cpu.ESP) + 0x10000;
    }

    @AfterEach
    void tearDown() {
        vmm.shutdown();
    }

    /** One hypercall on the victim's vcpu, its registers restored afterwards (continuations move EIP). */
    long call(int nr, int... a) {
        return VictimHypercalls.call(vmm, v, nr, a);
    }

    int mfn(DomainImpl d, int pfn) {
        return d.memory().p2m(pfn);
    }

    int freeFrame() {
        for (int f = pool.xenFrames(); f < pool.nrFrames(); f++) {
            if (pool.owner(f) == FramePool.OWNER_FREE) return f;
        }
        throw new AssertionError("no free frame");
    }

    /** A request buffer of mmu_update entries at scratch. */
    int mmuReq(long ptr, long val) {
        g.write64(cr3, scratch, ptr);
        g.write64(cr3, scratch + 8, val);
        return scratch;
    }

    long mmuUpdate(long ptr, long val) {
        return call(Hypercall.MMU_UPDATE, mmuReq(ptr, val), 1, 0, Xen.DOMID_SELF);
    }

    long mmuext(int cmd, int arg1, int arg2) {
        g.write32(cr3, scratch, cmd);
        g.write32(cr3, scratch + 4, arg1);
        g.write32(cr3, scratch + 8, arg2);
        return call(Hypercall.MMUEXT_OP, scratch, 1, 0, Xen.DOMID_SELF);
    }

    long uvm(int va, long pte, int flags) {
        return call(Hypercall.UPDATE_VA_MAPPING, va, (int) pte, (int) (pte >>> 32), flags);
    }

    /** Machine address of the L1 entry that maps va in the victim's boot tables. */
    long l1eMa(int va) {
        return l1eMaOf(vmm, v, va);
    }

    static long l1eMaOf(Vmm vmm, VcpuImpl v, int va) {
        FramePool pool = vmm.pool();
        long l3e = pool.ram().read64(((long) PvVcpu.of(v).baseL3() << 12) + ((va >>> 30) << 3));
        long l2e = pool.ram().read64((l3e & Xen.PTE_ADDR_MASK) + (((va >>> 21) & 511) << 3));
        return (l2e & Xen.PTE_ADDR_MASK) + (((va >>> 12) & 511) << 3);
    }

    long l2eMa(int va) {
        long l3e = pool.ram().read64(((long) PvVcpu.of(v).baseL3() << 12) + ((va >>> 30) << 3));
        return (l3e & Xen.PTE_ADDR_MASK) + (((va >>> 21) & 511) << 3);
    }

    static final long RW = Xen.PTE_P | Xen.PTE_RW | Xen.PTE_A | Xen.PTE_D;

    @Test
    void everyHypercallRefusesHostileArguments() throws Exception {
        int bad = 0x00001000;             // unmapped (below the kernel)
        int hole = Xen.HYPERVISOR_VIRT_START;
        int ptBase = g.read32(cr3, v.cpu().gpr(X86Cpu.ESI) + 60);  // start_info.pt_base: read-only L3 mapping
        int ownData = mfn(victim, 0);
        int ownL3 = PvVcpu.of(v).baseL3();
        int foreign = mfn(neighbour, 5);
        int xenFrame = pool.m2pFirstFrame();
        int free = freeFrame();

        // ---- unknown numbers ----
        for (int nr : new int[] {11, 25, 40, 63, 64, -1, 0x7FFFFFFF, Hypercall.DOMCTL}) {
            assertEquals(-ENOSYS, call(nr), "hypercall " + nr);
        }

        // ---- grant_table_op: the array checks of do_grant_table_op ----
        assertEquals(-EFAULT, call(Hypercall.GRANT_TABLE_OP, GrantTable.OP_MAP_GRANT_REF, bad, 1));
        assertEquals(-EFAULT, call(Hypercall.GRANT_TABLE_OP, GrantTable.OP_COPY, hole, 1));
        assertEquals(-EFAULT, call(Hypercall.GRANT_TABLE_OP, GrantTable.OP_UNMAP_GRANT_REF, 0xFFFFF000, 0x10000000));
        assertEquals(-EINVAL, call(Hypercall.GRANT_TABLE_OP, GrantTable.OP_MAP_GRANT_REF, bad, -1));
        assertEquals(-EINVAL, call(Hypercall.GRANT_TABLE_OP, GrantTable.OP_MAP_GRANT_REF | 0x1000, bad, 1));
        assertEquals(-EINVAL, call(Hypercall.GRANT_TABLE_OP, GrantTable.OP_SETUP_TABLE, bad, 2));
        assertEquals(-EFAULT, call(Hypercall.GRANT_TABLE_OP, GrantTable.OP_SETUP_TABLE, hole, 1));
        assertEquals(-ENOSYS, call(Hypercall.GRANT_TABLE_OP, GrantTable.OP_DUMP_TABLE, bad, 1));
        assertEquals(-ENOSYS, call(Hypercall.GRANT_TABLE_OP, 13, bad, 1));
        assertEquals(0, call(Hypercall.GRANT_TABLE_OP, GrantTable.OP_MAP_GRANT_REF, bad, 0), "no elements, no access");

        // ---- console_io ----
        assertEquals(-EFAULT, call(Hypercall.CONSOLE_IO, Xen.CONSOLEIO_WRITE, 10, bad));
        assertEquals(-EFAULT, call(Hypercall.CONSOLE_IO, Xen.CONSOLEIO_WRITE, 10, hole));
        assertEquals(-EFAULT, call(Hypercall.CONSOLE_IO, Xen.CONSOLEIO_WRITE, 0x7FFFFFFF, 0xFFFFF000));
        assertEquals(-ENOSYS, call(Hypercall.CONSOLE_IO, 7, 0, 0));
        assertEquals(0, call(Hypercall.CONSOLE_IO, Xen.CONSOLEIO_READ, 16, scratch));

        // ---- xen_version ----
        assertEquals(4 << 16 | 1, call(Hypercall.XEN_VERSION, 0, 0));
        assertEquals(-EFAULT, call(Hypercall.XEN_VERSION, Version.XENVER_EXTRAVERSION, bad));
        assertEquals(-EFAULT, call(Hypercall.XEN_VERSION, Version.XENVER_CAPABILITIES, ptBase)); // read-only
        assertEquals(-EFAULT, call(Hypercall.XEN_VERSION, Version.XENVER_COMPILE_INFO, hole));
        g.write32(cr3, scratch, 1);
        assertEquals(-EINVAL, call(Hypercall.XEN_VERSION, Version.XENVER_GET_FEATURES, scratch));
        assertEquals(-ENOSYS, call(Hypercall.XEN_VERSION, 99, scratch));
        assertEquals(0, call(Hypercall.XEN_VERSION, Version.XENVER_CAPABILITIES, scratch));
        assertEquals('x', g.read8(cr3, scratch));

        // ---- memory_op ----
        assertEquals(-EFAULT, call(Hypercall.MEMORY_OP, Memory.XENMEM_CURRENT_RESERVATION, bad));
        g.write16(cr3, scratch, neighbour.id());
        assertEquals(-EPERM, call(Hypercall.MEMORY_OP, Memory.XENMEM_CURRENT_RESERVATION, scratch));
        g.write16(cr3, scratch, 0x1234);
        assertEquals(-ESRCH, call(Hypercall.MEMORY_OP, Memory.XENMEM_MAXIMUM_RESERVATION, scratch));
        g.write16(cr3, scratch, Xen.DOMID_SELF);
        assertEquals(2048, call(Hypercall.MEMORY_OP, Memory.XENMEM_CURRENT_RESERVATION, scratch));
        g.write32(cr3, scratch, 0x7FFFFFFF);   // max_extents: huge
        g.write32(cr3, scratch + 4, bad);      // extent_start: unmapped
        assertEquals(-EFAULT, call(Hypercall.MEMORY_OP, Memory.XENMEM_MACHPHYS_MFN_LIST, scratch));
        g.write32(cr3, scratch, 4);
        g.write32(cr3, scratch + 4, hole);
        assertEquals(-EFAULT, call(Hypercall.MEMORY_OP, Memory.XENMEM_MEMORY_MAP, scratch));
        assertEquals(0, call(Hypercall.MEMORY_OP, Memory.XENMEM_INCREASE_RESERVATION, hole)); // unreadable: start extent
        assertEquals(-ENOSYS, call(Hypercall.MEMORY_OP, 63, scratch));
        assertEquals(pool.maxRamPage(), call(Hypercall.MEMORY_OP, Memory.XENMEM_MAXIMUM_RAM_PAGE, 0));

        // ---- vm_assist ----
        assertEquals(-ENOSYS, call(Hypercall.VM_ASSIST, 7, 0));
        assertEquals(0, call(Hypercall.VM_ASSIST, Xen.VMASST_CMD_ENABLE, Xen.VMASST_TYPE_WRITABLE_PAGETABLES));
        assertEquals(0, call(Hypercall.VM_ASSIST, Xen.VMASST_CMD_DISABLE, Xen.VMASST_TYPE_WRITABLE_PAGETABLES));
        assertEquals(-EINVAL, call(Hypercall.VM_ASSIST, Xen.VMASST_CMD_ENABLE, 99));
        assertEquals(-EINVAL, call(Hypercall.VM_ASSIST, Xen.VMASST_CMD_ENABLE, -1));

        // ---- set_trap_table ----
        assertEquals(-EFAULT, call(Hypercall.SET_TRAP_TABLE, bad));
        assertEquals(-EFAULT, call(Hypercall.SET_TRAP_TABLE, hole));
        // (gate selectors are not checked, as Xen: XenErrnoParityTest)

        // ---- mmu_update ----
        assertEquals(-EFAULT, call(Hypercall.MMU_UPDATE, bad, 1, 0, Xen.DOMID_SELF));
        assertEquals(-EFAULT, call(Hypercall.MMU_UPDATE, hole, 0x7FFFFFFF, 0, Xen.DOMID_SELF));
        assertEquals(-EPERM, call(Hypercall.MMU_UPDATE, mmuReq(l1eMa(scratch), 0), 1, 0, neighbour.id()));
        assertEquals(-ESRCH, call(Hypercall.MMU_UPDATE, mmuReq(l1eMa(scratch), 0), 1, 0, 0x4321));
        assertEquals(-EINVAL, mmuUpdate((long) foreign << 12, 0));              // a neighbour's frame
        assertEquals(-EINVAL, mmuUpdate((long) xenFrame << 12, 0));             // the M2P
        assertEquals(-EINVAL, mmuUpdate((long) free << 12, 0));                 // nobody's frame
        assertEquals(-EINVAL, mmuUpdate((long) NOT_RAM << 12, 0));              // not RAM
        int va = scratch + 0x1000;
        assertEquals(-EBUSY, mmuUpdate(l1eMa(va), (long) ownL3 << 12 | RW));     // page table writable
        assertEquals(-EBUSY, mmuUpdate(l1eMa(va), (long) foreign << 12 | RW));   // foreign frame
        assertEquals(-EBUSY, mmuUpdate(l1eMa(va), (long) foreign << 12 | Xen.PTE_P)); // even read-only
        assertEquals(-EBUSY, mmuUpdate(l1eMa(va), (long) xenFrame << 12 | Xen.PTE_P));
        assertEquals(-EPERM, mmuUpdate(l1eMa(va), (long) NOT_RAM << 12 | RW));   // MMIO without permission
        assertEquals(-EINVAL, mmuUpdate(l1eMa(va), (long) ownData << 12 | RW | 1L << 52)); // reserved bits
        assertEquals(-EPERM, mmuUpdate(l2eMa(Xen.HYPERVISOR_VIRT_START), 0));    // Xen's L2 slots
        assertEquals(-EPERM, mmuUpdate(l2eMa(0xFFE00000), (long) ownData << 12 | RW));
        assertEquals(-EINVAL, mmuUpdate(((long) ownL3 << 12) + 24, pool.ram().read64(((long) ownL3 << 12) + 24)));
        assertEquals(-EINVAL, mmuUpdate(l2eMa(0xE0000000), (long) ownData << 12 | RW | Xen.PTE_PSE)); // superpage
        assertEquals(-EINVAL, mmuUpdate(l2eMa(0xE0000000), (long) foreign << 12 | RW)); // foreign "L1"
        assertEquals(-EINVAL, mmuUpdate(((long) ownL3 << 12) + 8, (long) foreign << 12 | Xen.PTE_P));
        assertEquals(-EINVAL, mmuUpdate(((long) ownL3 << 12) + 8, (long) ownData << 12 | RW)); // L3 reserved bits
        assertEquals(-EINVAL, mmuUpdate(((long) foreign << 12) | Xen.MMU_MACHPHYS_UPDATE, 3));
        assertEquals(-ENOSYS, mmuUpdate(l1eMa(va) | 3, 0));
        assertEquals(0, call(Hypercall.MMU_UPDATE, mmuReq(l1eMa(va), pool.ram().read64(l1eMa(va))), 1, bad,
                Xen.DOMID_SELF));  // an unwritable done pointer is ignored, as Xen's copy_to_guest of it
        // the count stops at the first error; "done" tells how many went through
        g.write64(cr3, scratch + 16, (long) foreign << 12);
        g.write64(cr3, scratch + 24, 0);
        g.write64(cr3, scratch, l1eMa(va));
        g.write64(cr3, scratch + 8, pool.ram().read64(l1eMa(va)));
        assertEquals(-EINVAL, call(Hypercall.MMU_UPDATE, scratch, 5, scratch + 64, Xen.DOMID_SELF));
        assertEquals(1, g.read32(cr3, scratch + 64));

        // ---- update_va_mapping ----
        assertEquals(-EINVAL, uvm(hole, (long) ownData << 12 | Xen.PTE_P, Xen.UVMF_INVLPG));
        assertEquals(-EINVAL, uvm(0xFFFFF000, (long) ownData << 12 | Xen.PTE_P, Xen.UVMF_INVLPG));
        assertEquals(-EINVAL, uvm(0x40000000, (long) ownData << 12 | Xen.PTE_P, 0));   // no L2 there
        assertEquals(-EBUSY, uvm(va, (long) ownL3 << 12 | RW, Xen.UVMF_INVLPG));
        assertEquals(-EBUSY, uvm(va, (long) foreign << 12 | RW, Xen.UVMF_INVLPG));
        assertEquals(-EBUSY, uvm(va, (long) xenFrame << 12 | RW, Xen.UVMF_INVLPG));
        assertEquals(-EBUSY, uvm(va, (long) free << 12 | Xen.PTE_P, Xen.UVMF_INVLPG));
        assertEquals(-EPERM, uvm(va, 0xFEE00000L | RW, Xen.UVMF_INVLPG));
        assertEquals(-EFAULT, uvm(va, (long) ownData << 12 | Xen.PTE_P, bad | Xen.UVMF_INVLPG));
        assertEquals(-EPERM, call(Hypercall.UPDATE_VA_MAPPING_OTHERDOMAIN, va, 0, 0, 0, neighbour.id()));

        // ---- mmuext_op ----
        assertEquals(-EFAULT, call(Hypercall.MMUEXT_OP, bad, 1, 0, Xen.DOMID_SELF));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_PIN_L1_TABLE, foreign, 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_PIN_L2_TABLE, xenFrame, 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_PIN_L1_TABLE, mfn(victim, 0), 0));  // mapped writable
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_PIN_L3_TABLE, ownL3, 0));           // already pinned
        assertEquals(0, mmuext(Xen.MMUEXT_PIN_L4_TABLE, ownL3, 0));                  // ignored for 32-bit guests
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_UNPIN_TABLE, mfn(victim, 0), 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_UNPIN_TABLE, foreign, 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_NEW_BASEPTR, mfn(victim, 0), 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_NEW_BASEPTR, foreign, 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_NEW_BASEPTR, NOT_RAM, 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_NEW_USER_BASEPTR, ownL3, 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_SET_LDT, scratch + 8, 1));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_SET_LDT, scratch, 9000));
        assertEquals(0, mmuext(Xen.MMUEXT_SET_LDT, 0xF57FF000, 1000));               // mapped lazily, as Xen
        assertEquals(0, mmuext(Xen.MMUEXT_SET_LDT, scratch, 16));                   // mapped writable: lazily too
        assertEquals(0, mmuext(Xen.MMUEXT_SET_LDT, 0, 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_CLEAR_PAGE, ownL3, 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_CLEAR_PAGE, foreign, 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_COPY_PAGE, foreign, ownData));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_COPY_PAGE, ownData, foreign));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_TLB_FLUSH_MULTI, 0, bad));           // vcpumask_to_pcpumask
        assertEquals(-EACCES, mmuext(Xen.MMUEXT_FLUSH_CACHE, 0, 0));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0));
        assertEquals(-EOPNOTSUPP, mmuext(Xen.MMUEXT_MARK_SUPER, ownData, 0));
        assertEquals(-ENOSYS, mmuext(99, 0, 0));
        assertEquals(-EPERM, call(Hypercall.MMUEXT_OP, scratch, 1, 0, neighbour.id()));

        // ---- set_gdt / update_descriptor ----
        assertEquals(-EINVAL, call(Hypercall.SET_GDT, scratch, 7169));
        assertEquals(-EFAULT, call(Hypercall.SET_GDT, bad, 16));
        g.write32(cr3, scratch, foreign);
        assertEquals(-EINVAL, call(Hypercall.SET_GDT, scratch, 16));
        g.write32(cr3, scratch, mfn(victim, 0));                 // mapped writable
        assertEquals(-EINVAL, call(Hypercall.SET_GDT, scratch, 16));
        g.write32(cr3, scratch, xenFrame);
        assertEquals(-EINVAL, call(Hypercall.SET_GDT, scratch, 16));
        long code = 0x00CF9A000000FFFFL;
        assertEquals(-EINVAL, call(Hypercall.UPDATE_DESCRIPTOR, (ownData << 12) + 4, 0, (int) code, (int) (code >>> 32)));
        assertEquals(-EINVAL, call(Hypercall.UPDATE_DESCRIPTOR, foreign << 12, 0, (int) code, (int) (code >>> 32)));
        assertEquals(-EINVAL, call(Hypercall.UPDATE_DESCRIPTOR, ownL3 << 12, 0, (int) code, (int) (code >>> 32)));
        long tss = 0x00008900_00000067L;                        // a present TSS: system segments are refused
        assertEquals(-EINVAL, call(Hypercall.UPDATE_DESCRIPTOR, ownData << 12, 0, (int) tss, (int) (tss >>> 32)));

        // ---- callbacks, physdev, sched, multicall ----
        assertEquals(-EFAULT, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_REGISTER, bad));
        g.write32(cr3, scratch, 99);
        assertEquals(-ENOSYS, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_REGISTER, scratch));
        g.write32(cr3, scratch, Callback.CALLBACKTYPE_EVENT);
        assertEquals(-EINVAL, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_UNREGISTER, scratch));
        assertEquals(-EINVAL, call(Hypercall.CALLBACK_OP, 9, scratch));
        assertEquals(-EFAULT, call(Hypercall.PHYSDEV_OP, Physdev.PHYSDEVOP_SET_IOPL, hole));
        g.write32(cr3, scratch, 4);
        assertEquals(-EINVAL, call(Hypercall.PHYSDEV_OP, Physdev.PHYSDEVOP_SET_IOPL, scratch));
        assertEquals(-ENOSYS, call(Hypercall.PHYSDEV_OP, 99, scratch));
        assertEquals(-EFAULT, call(Hypercall.PHYSDEV_OP_COMPAT, bad));
        assertEquals(-EFAULT, call(Hypercall.SCHED_OP, Sched.SCHEDOP_SHUTDOWN, bad));
        // (any shutdown reason is accepted, as Xen: XenErrnoParityTest)
        g.write32(cr3, scratch, neighbour.id());
        g.write32(cr3, scratch + 4, Sched.SHUTDOWN_POWEROFF);
        assertEquals(-EPERM, call(Hypercall.SCHED_OP, Sched.SCHEDOP_REMOTE_SHUTDOWN, scratch));
        assertEquals(-ENOSYS, call(Hypercall.SCHED_OP, 99, 0));
        assertEquals(-EFAULT, call(Hypercall.MULTICALL, bad, 2));
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 8; k++) g.write32(cr3, scratch + i * 32 + k * 4, 0);
        }
        g.write32(cr3, scratch, Hypercall.MULTICALL);           // nesting
        g.write32(cr3, scratch + 32, Hypercall.IRET);           // iret inside a multicall
        g.write32(cr3, scratch + 64, 99);                        // unknown
        assertEquals(0, call(Hypercall.MULTICALL, scratch, 3));
        assertEquals(-EINVAL, g.read32(cr3, scratch + 4));
        assertEquals(-EINVAL, g.read32(cr3, scratch + 36));
        assertEquals(-ENOSYS, g.read32(cr3, scratch + 68));
        assertEquals(-EFAULT, call(Hypercall.MULTICALL, 0xFFFFFFE0, 0x7FFFFFFF));

        assertEquals(0, vmm.internalErrors());
        assertEquals(DomainState.PAUSED, victim.state());

        // ---- the victim and its neighbour keep working ----
        vmm.unpause(victim.id());
        assertTrue(victim.awaitShutdown(60, TimeUnit.SECONDS), victim.consoleOutput());
        assertTrue(victim.consoleOutput().contains("RESULT: PASS"), victim.consoleOutput());
        assertTrue(neighbour.awaitShutdown(120, TimeUnit.SECONDS), neighbour.consoleOutput());
        assertTrue(neighbour.consoleOutput().contains("RESULT: PASS"), neighbour.consoleOutput());
        assertEquals(0, vmm.internalErrors());
        vmm.destroy(victim.id());
        vmm.destroy(neighbour.id());
        assertEquals(freeAtStart, vmm.freeFrames());
    }
}
