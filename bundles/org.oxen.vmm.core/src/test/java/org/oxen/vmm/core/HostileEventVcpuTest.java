package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.vmm.abi.Errno.EACCES;
import static org.oxen.vmm.abi.Errno.EBUSY;
import static org.oxen.vmm.abi.Errno.EEXIST;
import static org.oxen.vmm.abi.Errno.EFAULT;
import static org.oxen.vmm.abi.Errno.EINVAL;
import static org.oxen.vmm.abi.Errno.ENOENT;
import static org.oxen.vmm.abi.Errno.ENOSYS;
import static org.oxen.vmm.abi.Errno.ENXIO;
import static org.oxen.vmm.abi.Errno.EPERM;
import static org.oxen.vmm.abi.Errno.ESRCH;
import static org.oxen.vmm.abi.Errno.ETIME;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Callback;
import org.oxen.vmm.abi.EventChannel;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Physdev;
import org.oxen.vmm.abi.VcpuGuestContext;
import org.oxen.vmm.abi.VcpuOp;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Hostile arguments for event_channel_op(_compat), vcpu_op and set_timer_op, made on vcpu 0 of
 * a paused two-vcpu domain through the real hypercall table: Xen's errno every time, never an
 * exception in the hypervisor; afterwards the domain boots normally and its neighbour, running
 * all along, finishes too.
 */
class HostileEventVcpuTest {

    Vmm vmm;
    DomainImpl victim;
    DomainImpl neighbour;
    VcpuImpl v;
    GuestMemory g;
    int cr3;
    int scratch;
    int bad = 0xF5800000; // the hypervisor hole: never guest-accessible
    long freeAtStart;

    @BeforeEach
    void setUp() throws Exception {
        vmm = new Vmm(64L << 20, 1);
        freeAtStart = vmm.freeFrames();
        neighbour = (DomainImpl) vmm.create(DomainConfig.builder("neighbour")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "cpubench")).memoryMiB(8)
                .cmdline("loop=300000 mix=3").build());
        victim = (DomainImpl) vmm.create(DomainConfig.builder("victim")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).vcpus(2)
                .cmdline("expect_mem_mib=8").startPaused(true).build());
        v = victim.vcpu(0);
        g = vmm.guest();
        cr3 = v.cpu().cr(3);
        scratch = v.cpu().gpr(X86Cpu.ESP) + 0x10000;
    }

    @AfterEach
    void tearDown() {
        vmm.shutdown();
    }

    long call(int nr, int... a) {
        return VictimHypercalls.call(vmm, v, nr, a);
    }

    long evtchn(int cmd, int... words) {
        for (int i = 0; i < words.length; i++) g.write32(cr3, scratch + 4 * i, words[i]);
        return call(Hypercall.EVENT_CHANNEL_OP, cmd, scratch);
    }

    long status(int dom, int port) {
        return evtchn(EventChannel.OP_STATUS, dom, port, 0, 0, 0, 0);
    }

    @Test
    void eventChannelOpRefusals() {
        int self = Xen.DOMID_SELF;
        assertEquals(-EFAULT, call(Hypercall.EVENT_CHANNEL_OP, EventChannel.OP_ALLOC_UNBOUND, bad));
        assertEquals(-EPERM, evtchn(EventChannel.OP_ALLOC_UNBOUND, neighbour.id() | self << 16, 0));
        assertEquals(-ESRCH, evtchn(EventChannel.OP_ALLOC_UNBOUND, 999 | self << 16, 0));
        // bind_interdomain: no such domain, a port out of range, a port of another domain not
        // unbound for us (allocated for someone else), a closed port
        assertEquals(-ESRCH, evtchn(EventChannel.OP_BIND_INTERDOMAIN, 999, 1, 0));
        int theirs = neighbour.events().allocUnbound(999, null);
        assertTrue(theirs > 0);
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_INTERDOMAIN, neighbour.id(), theirs, 0));
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_INTERDOMAIN, neighbour.id(), 5000, 0));
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_INTERDOMAIN, neighbour.id(), -1, 0));
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_INTERDOMAIN, neighbour.id(), theirs + 1, 0));
        // bind_virq: out of range, global on vcpu 1, vcpu out of range, twice
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_VIRQ, EventChannel.NR_VIRQS, 0, 0));
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_VIRQ, -1, 0, 0));
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_VIRQ, EventChannel.VIRQ_CONSOLE, 1, 0));
        assertEquals(-ENOENT, evtchn(EventChannel.OP_BIND_VIRQ, EventChannel.VIRQ_TIMER, 2, 0));
        assertEquals(-ENOENT, evtchn(EventChannel.OP_BIND_VIRQ, EventChannel.VIRQ_TIMER, -1, 0));
        assertEquals(0, evtchn(EventChannel.OP_BIND_VIRQ, EventChannel.VIRQ_TIMER, 1, 0));
        int virqPort = g.read32(cr3, scratch + 8);
        assertEquals(-EEXIST, evtchn(EventChannel.OP_BIND_VIRQ, EventChannel.VIRQ_TIMER, 1, 0));
        // bind_ipi / bind_vcpu
        assertEquals(-ENOENT, evtchn(EventChannel.OP_BIND_IPI, 2, 0));
        assertEquals(-ENOENT, evtchn(EventChannel.OP_BIND_IPI, 0x80000000, 0));
        assertEquals(0, evtchn(EventChannel.OP_BIND_IPI, 1, 0));
        int ipi = g.read32(cr3, scratch + 4);
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_VCPU, ipi, 0));
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_VCPU, virqPort, 0)); // per-vcpu VIRQ
        assertEquals(-ENOENT, evtchn(EventChannel.OP_BIND_VCPU, ipi, 7));
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_VCPU, 4095, 0));
        // ports out of range, reserved, closed
        for (int p : new int[] {0, 63, 1023, 1024, 4095, -1}) {
            assertEquals(-EINVAL, evtchn(EventChannel.OP_SEND, p), "send " + p);
            assertEquals(-EINVAL, evtchn(EventChannel.OP_CLOSE, p), "close " + p);
        }
        for (int p : new int[] {1024, 4095, -1, 64}) {
            assertEquals(-EINVAL, evtchn(EventChannel.OP_UNMASK, p), "unmask " + p);
            assertEquals(-EINVAL, status(self, p), "status " + p);
        }
        // another domain's ports: status -EPERM (-EINVAL first for a port out of range), none -ESRCH
        assertEquals(-EPERM, status(neighbour.id(), theirs));
        assertEquals(-EINVAL, status(neighbour.id(), 5000));
        assertEquals(-ESRCH, status(999, 1));
        assertEquals(-EPERM, evtchn(EventChannel.OP_RESET, neighbour.id()));
        assertEquals(-ESRCH, evtchn(EventChannel.OP_RESET, 999));
        // no FIFO ABI, no physical IRQs
        assertEquals(-ENOSYS, evtchn(EventChannel.OP_INIT_CONTROL, 0, 0, 0, 0));
        assertEquals(-ENOSYS, evtchn(EventChannel.OP_EXPAND_ARRAY, 0, 0));
        assertEquals(-ENOSYS, evtchn(EventChannel.OP_SET_PRIORITY, 1, 0));
        assertEquals(-ENOSYS, evtchn(99));
        assertEquals(-EPERM, evtchn(EventChannel.OP_BIND_PIRQ, 1, 0, 0));
        assertEquals(-EINVAL, evtchn(EventChannel.OP_BIND_PIRQ, 4096, 0, 0));
        // the compat form: a bad pointer, then a working alloc_unbound through it
        assertEquals(-EFAULT, call(Hypercall.EVENT_CHANNEL_OP_COMPAT, bad));
        g.write32(cr3, scratch, EventChannel.OP_ALLOC_UNBOUND);
        g.write32(cr3, scratch + 4, self | self << 16);
        assertEquals(0, call(Hypercall.EVENT_CHANNEL_OP_COMPAT, scratch));
        int compatPort = g.read32(cr3, scratch + 8);
        assertEquals(0, status(self, compatPort));
        assertEquals(EventChannel.STAT_UNBOUND, g.read32(cr3, scratch + EventChannel.STATUS_STATUS));
        assertEquals(victim.id(), g.read32(cr3, scratch + EventChannel.STATUS_U));
        // reset closes everything of ours, nothing of the neighbour's
        assertEquals(0, evtchn(EventChannel.OP_RESET, self));
        assertEquals(0, status(self, compatPort));
        assertEquals(EventChannel.STAT_CLOSED, g.read32(cr3, scratch + EventChannel.STATUS_STATUS));
        assertEquals(EventChannel.STAT_UNBOUND, neighbour.events().status(theirs)[0]);
        survivors();
    }

    /** Writes a context that would start vcpu 1 at the victim's entry on its boot page tables. */
    void context(int cs, int ss, int cr3Value) {
        for (int i = 0; i < VcpuGuestContext.SIZE; i += 4) g.write32(cr3, scratch + i, 0);
        int r = scratch + VcpuGuestContext.USER_REGS;
        g.write32(cr3, scratch + VcpuGuestContext.FLAGS, VcpuGuestContext.VGCF_IN_KERNEL);
        g.write16(cr3, r + VcpuGuestContext.REG_CS, cs);
        g.write16(cr3, r + VcpuGuestContext.REG_SS, ss);
        g.write16(cr3, r + VcpuGuestContext.REG_DS, ss);
        g.write32(cr3, r + VcpuGuestContext.REG_EIP, v.cpu().eip());
        g.write32(cr3, r + VcpuGuestContext.REG_ESP, scratch - 64);
        g.write32(cr3, r + VcpuGuestContext.REG_EFLAGS, 0x3002); // IOPL 3: kept virtual, never real
        g.write32(cr3, scratch + VcpuGuestContext.KERNEL_SS, ss);
        g.write32(cr3, scratch + VcpuGuestContext.CTRLREG + 12, cr3Value);
    }

    static int xenPfnToCr3(int pfn) {
        return pfn << 12 | pfn >>> 20;
    }

    long vcpuOp(int cmd, int vcpu, int arg) {
        return call(Hypercall.VCPU_OP, cmd, vcpu, arg);
    }

    @Test
    void vcpuOpRefusals() {
        int l3 = PvVcpu.of(v).baseL3();
        for (int id : new int[] {2, 16, 32, -1}) {
            assertEquals(-ENOENT, vcpuOp(VcpuOp.IS_UP, id, 0), "vcpu " + id);
            assertEquals(-ENOENT, vcpuOp(VcpuOp.INITIALISE, id, scratch), "vcpu " + id);
        }
        assertEquals(0, vcpuOp(VcpuOp.IS_UP, 1, 0));
        assertEquals(-EINVAL, vcpuOp(VcpuOp.UP, 1, 0));
        assertEquals(-EFAULT, vcpuOp(VcpuOp.INITIALISE, 1, bad));
        // CR3 that is not a validated L3: a data frame of ours, the neighbour's L3, not RAM
        context(Xen.FLAT_RING1_CS, Xen.FLAT_RING1_DS, xenPfnToCr3(victim.memory().p2m(0)));
        assertEquals(-EINVAL, vcpuOp(VcpuOp.INITIALISE, 1, scratch));
        context(Xen.FLAT_RING1_CS, Xen.FLAT_RING1_DS, xenPfnToCr3(PvVcpu.of(neighbour.vcpu(0)).baseL3()));
        assertEquals(-EINVAL, vcpuOp(VcpuOp.INITIALISE, 1, scratch));
        context(Xen.FLAT_RING1_CS, Xen.FLAT_RING1_DS, xenPfnToCr3(0xFFFFF));
        assertEquals(-EINVAL, vcpuOp(VcpuOp.INITIALISE, 1, scratch));
        // LDT / GDT limits
        context(Xen.FLAT_RING1_CS, Xen.FLAT_RING1_DS, xenPfnToCr3(l3));
        g.write32(cr3, scratch + VcpuGuestContext.LDT_ENTS, VcpuGuestContext.MAX_LDT_ENTS + 1);
        assertEquals(-EINVAL, vcpuOp(VcpuOp.INITIALISE, 1, scratch));
        context(Xen.FLAT_RING1_CS, Xen.FLAT_RING1_DS, xenPfnToCr3(l3));
        g.write32(cr3, scratch + VcpuGuestContext.LDT_BASE, 0x1234);
        assertEquals(-EINVAL, vcpuOp(VcpuOp.INITIALISE, 1, scratch));
        context(Xen.FLAT_RING1_CS, Xen.FLAT_RING1_DS, xenPfnToCr3(l3));
        g.write32(cr3, scratch + VcpuGuestContext.GDT_ENTS, Xen.FIRST_RESERVED_GDT_ENTRY + 1);
        assertEquals(-EINVAL, vcpuOp(VcpuOp.INITIALISE, 1, scratch));
        context(Xen.FLAT_RING1_CS, Xen.FLAT_RING1_DS, xenPfnToCr3(l3));
        g.write32(cr3, scratch + VcpuGuestContext.GDT_ENTS, 512);
        g.write32(cr3, scratch + VcpuGuestContext.GDT_FRAMES, neighbour.memory().p2m(0)); // not ours
        assertEquals(-EINVAL, vcpuOp(VcpuOp.INITIALISE, 1, scratch));
        assertEquals(0, vcpuOp(VcpuOp.IS_UP, 1, 0));
        // ring-0 selectors are run at ring 1 (Xen's fixup), IOPL stays virtual
        context(Xen.FLAT_RING1_CS & ~3, Xen.FLAT_RING1_DS & ~3, xenPfnToCr3(l3));
        assertEquals(0, vcpuOp(VcpuOp.INITIALISE, 1, scratch));
        VcpuImpl v1 = victim.vcpu(1);
        assertEquals(Xen.FLAT_RING1_CS, v1.cpu().segment(X86Cpu.CS).selector);
        assertEquals(Xen.FLAT_RING1_DS, v1.cpu().segment(X86Cpu.SS).selector);
        assertEquals(0, v1.cpu().eflags() & 0x3000);
        assertEquals(3, PvVcpu.of(v1).iopl());
        assertEquals(-EEXIST, vcpuOp(VcpuOp.INITIALISE, 1, scratch));
        // timers
        g.write64(cr3, scratch, 100_000);
        assertEquals(-EINVAL, vcpuOp(VcpuOp.SET_PERIODIC_TIMER, 0, scratch));
        g.write64(cr3, scratch, -1);
        assertEquals(-EINVAL, vcpuOp(VcpuOp.SET_PERIODIC_TIMER, 0, scratch));
        assertEquals(-EFAULT, vcpuOp(VcpuOp.SET_PERIODIC_TIMER, 0, bad));
        g.write64(cr3, scratch, 1);
        g.write32(cr3, scratch + 8, VcpuOp.SSHOTTMR_FUTURE);
        assertEquals(-ETIME, vcpuOp(VcpuOp.SET_SINGLESHOT_TIMER, 0, scratch));
        assertEquals(-EINVAL, vcpuOp(VcpuOp.SET_SINGLESHOT_TIMER, 1, scratch)); // not the caller
        assertEquals(-EINVAL, vcpuOp(VcpuOp.STOP_SINGLESHOT_TIMER, 1, 0));
        assertEquals(0, call(Hypercall.SET_TIMER_OP, 0, 0));
        assertEquals(-ENOSYS, vcpuOp(99, 0, 0));
        // runstate: vcpu 1 is initialised but down (offline); an unreadable or hole area is -EFAULT
        assertEquals(0, vcpuOp(VcpuOp.GET_RUNSTATE_INFO, 1, scratch));
        assertEquals(VcpuOp.RUNSTATE_OFFLINE, g.read32(cr3, scratch + VcpuOp.RUNSTATE_STATE));
        assertEquals(-EFAULT, vcpuOp(VcpuOp.GET_RUNSTATE_INFO, 1, bad));
        g.write32(cr3, scratch, 0xFFFFF000);
        assertEquals(-EFAULT, vcpuOp(VcpuOp.REGISTER_RUNSTATE_MEMORY_AREA, 0, scratch));
        g.write32(cr3, scratch, scratch + 64);
        assertEquals(0, vcpuOp(VcpuOp.REGISTER_RUNSTATE_MEMORY_AREA, 0, scratch));
        assertEquals(VcpuOp.RUNSTATE_OFFLINE, g.read32(cr3, scratch + 64)); // paused: not runnable
        survivors();
        // it ran: its runstate shows running time, and the registered copy was kept up to date
        long[] info = v.runstateInfo();
        assertTrue(info[2 + VcpuOp.RUNSTATE_RUNNING] > 0, java.util.Arrays.toString(info));
    }

    long registerVcpuInfo(int vcpu, long mfn, int offset) {
        g.write64(cr3, scratch, mfn);
        g.write32(cr3, scratch + VcpuOp.REGISTER_VCPU_INFO_OFFSET, offset);
        g.write32(cr3, scratch + VcpuOp.REGISTER_VCPU_INFO_RSVD, 0);
        return vcpuOp(VcpuOp.REGISTER_VCPU_INFO, vcpu, scratch);
    }

    @Test
    void registerVcpuInfoIobitmapAndVmAssistRefusals() {
        int data = (int) (g.translate(cr3, scratch + 0x1000, true) >>> 12); // a data frame of ours
        int l3 = PvVcpu.of(v).baseL3();
        for (int id : new int[] {2, 32, -1}) {
            assertEquals(-ENOENT, registerVcpuInfo(id, data, 0), "vcpu " + id);
        }
        assertEquals(-EFAULT, vcpuOp(VcpuOp.REGISTER_VCPU_INFO, 1, bad));
        assertEquals(-EINVAL, registerVcpuInfo(1, neighbour.memory().p2m(0), 0)); // the neighbour's frame
        assertEquals(-EINVAL, registerVcpuInfo(1, 0xFFFFF, 0)); // not RAM
        assertEquals(-EINVAL, registerVcpuInfo(1, 1, 0)); // Xen's
        assertEquals(-EINVAL, registerVcpuInfo(1, 1L << 52, 0)); // gaddr overflows
        assertEquals(-EINVAL, registerVcpuInfo(1, data, 4096)); // gaddr names the next frame
        assertEquals(-ENXIO, registerVcpuInfo(1, data, 4096 - 32)); // crosses the page
        assertEquals(-ENXIO, registerVcpuInfo(1, data, 6)); // not 4-aligned
        assertEquals(-EACCES, registerVcpuInfo(1, l3, 0)); // a page table
        assertEquals(-1, victim.vcpu(1).vcpuInfoFrame());
        int refs = vmm.pool().refCount(data);
        // vcpu 1 is down: vcpu 0 moves its vcpu_info; the frame holds a writable type from now on
        long legacy = victim.vcpu(1).vcpuInfoAddress();
        vmm.pool().ram().write8(legacy + org.oxen.vmm.abi.SharedInfo.VI_UPCALL_MASK, 1);
        assertEquals(0, registerVcpuInfo(1, data, 64));
        assertEquals(((long) data << 12) + 64, victim.vcpu(1).vcpuInfoAddress());
        assertEquals(data, victim.vcpu(1).vcpuInfoFrame());
        assertEquals(refs + 1, vmm.pool().refCount(data));
        assertEquals(org.oxen.vmm.core.mm.PageType.WRITABLE, vmm.pool().type(data) & org.oxen.vmm.core.mm.PageType.TYPE_MASK);
        long moved = victim.vcpu(1).vcpuInfoAddress();
        var ram = vmm.pool().ram();
        assertEquals(1, ram.read8(moved + org.oxen.vmm.abi.SharedInfo.VI_UPCALL_MASK), "the mask was not carried over");
        assertEquals(1, ram.read8(moved + org.oxen.vmm.abi.SharedInfo.VI_UPCALL_PENDING));
        assertEquals(-1, ram.read32(moved + org.oxen.vmm.abi.SharedInfo.VI_PENDING_SEL));
        assertEquals(-EBUSY, registerVcpuInfo(1, data, 128));
        // the frame can no longer become a page table
        g.write32(cr3, scratch + 0x800, Xen.MMUEXT_PIN_L1_TABLE);
        g.write32(cr3, scratch + 0x804, data);
        assertEquals(-EINVAL, call(Hypercall.MMUEXT_OP, scratch + 0x800, 1, 0, Xen.DOMID_SELF));
        // set_iobitmap: the bitmap must lie below the hole, at most 65536 ports
        g.write32(cr3, scratch, bad);
        g.write32(cr3, scratch + 4, 16);
        assertEquals(-EINVAL, call(Hypercall.PHYSDEV_OP, Physdev.PHYSDEVOP_SET_IOBITMAP, scratch));
        g.write32(cr3, scratch, Xen.HYPERVISOR_VIRT_START - 4096); // 8 KiB would reach into the hole
        assertEquals(-EINVAL, call(Hypercall.PHYSDEV_OP, Physdev.PHYSDEVOP_SET_IOBITMAP, scratch));
        g.write32(cr3, scratch, scratch + 0x1000);
        g.write32(cr3, scratch + 4, 65537);
        assertEquals(-EINVAL, call(Hypercall.PHYSDEV_OP, Physdev.PHYSDEVOP_SET_IOBITMAP, scratch));
        assertEquals(-EFAULT, call(Hypercall.PHYSDEV_OP, Physdev.PHYSDEVOP_SET_IOBITMAP, bad));
        g.write32(cr3, scratch + 4, 65536);
        assertEquals(0, call(Hypercall.PHYSDEV_OP, Physdev.PHYSDEVOP_SET_IOBITMAP, scratch));
        assertEquals(65536, PvVcpu.of(v).iobmpLimit());
        // vm_assist: architectural_iopl is valid for a 32-bit PV guest, type 6 (m2p_strict, 64-bit only) is not
        assertEquals(0, call(Hypercall.VM_ASSIST, Xen.VMASST_CMD_ENABLE, Xen.VMASST_TYPE_ARCHITECTURAL_IOPL));
        assertEquals(0, call(Hypercall.VM_ASSIST, Xen.VMASST_CMD_DISABLE, Xen.VMASST_TYPE_ARCHITECTURAL_IOPL));
        assertEquals(-EINVAL, call(Hypercall.VM_ASSIST, Xen.VMASST_CMD_ENABLE, 6));
        // callbacks: sysenter/syscall32 recorded with their flags (RPL 0 run at 1); an unknown type -ENOSYS
        g.write32(cr3, scratch, Callback.CALLBACKTYPE_SYSENTER | Callback.CALLBACKF_MASK_EVENTS << 16);
        g.write32(cr3, scratch + 4, Xen.FLAT_RING1_CS & ~3);
        g.write32(cr3, scratch + 8, 0xC0001000);
        assertEquals(0, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_REGISTER, scratch));
        assertEquals(Xen.FLAT_RING1_CS, PvVcpu.of(v).sysenterCs());
        assertEquals(Callback.CALLBACKF_MASK_EVENTS, PvVcpu.of(v).sysenterFlags());
        g.write32(cr3, scratch, 9);
        assertEquals(-ENOSYS, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_REGISTER, scratch));
        survivors();
    }

    long poll(int portsVa, int nr, long timeout) {
        int arg = scratch + 256;
        g.write32(cr3, arg, portsVa);
        g.write32(cr3, arg + 4, nr);
        g.write64(cr3, arg + 8, timeout);
        return call(Hypercall.SCHED_OP, org.oxen.vmm.abi.Sched.SCHEDOP_POLL, arg);
    }

    static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, what);
            Thread.sleep(1);
        }
    }

    @Test
    void pollReturnsOnItsPortOrTimeout() throws Exception {
        int self = Xen.DOMID_SELF;
        assertEquals(0, evtchn(EventChannel.OP_ALLOC_UNBOUND, self | self << 16, 0));
        int p1 = g.read32(cr3, scratch + 4);
        assertEquals(0, evtchn(EventChannel.OP_BIND_INTERDOMAIN, self, p1, 0));
        int p2 = g.read32(cr3, scratch + 8);
        // refusals: too many ports, an unreadable array, a port beyond the domain's
        int ports = scratch + 512;
        assertEquals(-EINVAL, poll(ports, 129, 0));
        assertEquals(-EFAULT, poll(bad, 1, 0));
        g.write32(cr3, ports, 5000);
        assertEquals(-EINVAL, poll(ports, 1, 0));
        // p2 is pending (Xen marks it at bind time): poll returns at once, the vcpu does not block
        g.write32(cr3, ports, p2);
        assertEquals(0, poll(ports, 1, 0));
        assertTrue(!v.blocked());
        vmm.pool().ram().write32(((long) victim.sharedInfoMfn() << 12) + org.oxen.vmm.abi.SharedInfo.EVTCHN_PENDING, 0);
        // poll p1 and p2 without timeout: blocks; a send on p1 (to p2) wakes it
        g.write32(cr3, ports + 4, p1);
        assertEquals(0, poll(ports, 2, 0));
        assertTrue(v.blocked());
        assertEquals(1, victim.pollers.get());
        assertEquals(0, evtchn(EventChannel.OP_SEND, p1));
        assertTrue(!v.blocked(), "a send on a polled port wakes the poller");
        assertEquals(0, victim.pollers.get());
        vmm.pool().ram().write32(((long) victim.sharedInfoMfn() << 12) + org.oxen.vmm.abi.SharedInfo.EVTCHN_PENDING, 0);
        // with a timeout a minute away it blocks (and a send still ends it) ...
        assertEquals(0, poll(ports, 1, vmm.clock().nanos() + 60_000_000_000L));
        assertTrue(v.blocked());
        assertEquals(0, evtchn(EventChannel.OP_SEND, p1));
        assertTrue(!v.blocked());
        vmm.pool().ram().write32(((long) victim.sharedInfoMfn() << 12) + org.oxen.vmm.abi.SharedInfo.EVTCHN_PENDING, 0);
        // ... and a timeout 5 ms ahead ends the poll by itself (no timed assertion: only that it ends)
        assertEquals(0, poll(ports, 1, vmm.clock().nanos() + 5_000_000L));
        await(() -> !v.blocked(), "the poll timeout never fired");
        assertEquals(0, victim.pollers.get());
        survivors();
    }

    /**
     * Found by the kit's fuzzer (fuzz seed=1 calls=20000): a poll of the single port 0 with a
     * timeout never ended, the vcpu stayed blocked for good. The vcpu took port 0 as "not
     * polling", so the timeout's wake-up was ignored; Xen keeps the polling state apart from the
     * port (d-&gt;poll_mask) and ends such a poll at its timeout.
     */
    @Test
    void pollOfPortZeroEndsAtItsTimeout() throws Exception {
        int ports = scratch + 512;
        g.write32(cr3, ports, 0);
        // 200 ms: the next line normally runs long before; a loaded host (load 38 once took more
        // than the 5 ms this used to be) may stall this thread past it, when only the end shows
        long deadline = vmm.clock().nanos() + 200_000_000L;
        assertEquals(0, poll(ports, 1, deadline));
        boolean blocked = v.blocked();
        assertTrue(blocked || vmm.clock().nanos() >= deadline, "the poll of port 0 blocks the vcpu until its timeout");
        await(() -> !v.blocked(), "the poll of port 0 never ended at its timeout");
        assertTrue(vmm.clock().nanos() >= deadline, "the poll ended at its timeout, not before it");
        assertEquals(0, victim.pollers.get());
        survivors();
    }

    @Test
    void badSelectorOnIretEntersTheFailsafeCallback() {
        X86Cpu c = v.cpu();
        int[] regs = new int[8];
        for (int i = 0; i < 8; i++) regs[i] = c.gpr(i);
        int eip = c.eip();
        org.oxen.x86.cpu.SegmentState[] segs = new org.oxen.x86.cpu.SegmentState[6];
        for (int s = 0; s < 6; s++) segs[s] = c.segment(s);
        int flags = c.eflags();
        int mask = v.upcallMask();
        PvVcpu.of(v).setFailsafeCallback(Xen.FLAT_RING1_CS, eip + 0x100, org.oxen.vmm.abi.Callback.CALLBACKF_MASK_EVENTS);
        v.setUpcallMask(0);
        // an iret frame to a code selector beyond the GDT: eax, eip, cs, eflags
        int sp = c.gpr(X86Cpu.ESP) - 64;
        c.setGpr(X86Cpu.ESP, sp);
        g.write32(cr3, sp, 0x1234);
        g.write32(cr3, sp + 4, 0xC0001234);
        g.write32(cr3, sp + 8, 0x0FF9);
        g.write32(cr3, sp + 12, 0x202);
        vmm.dispatcher().call(v, Hypercall.IRET, 0, 0, 0, 0, 0, 0, false);
        assertEquals(DomainState.PAUSED, victim.state(), "the domain must not crash: " + victim.crashMessage());
        assertEquals(eip + 0x100, c.eip());
        assertEquals(Xen.FLAT_RING1_CS, c.segment(X86Cpu.CS).selector);
        int fsp = c.gpr(X86Cpu.ESP);
        assertEquals(sp + 16 - 28, fsp); // ds es fs gs eip cs eflags
        assertEquals(Xen.FLAT_RING1_DS, g.read32(cr3, fsp));                // ds
        assertEquals(0xC0001234, g.read32(cr3, fsp + 16));                  // eip
        assertEquals(0x0FF9, g.read32(cr3, fsp + 20) & 0xFFFF);             // cs that failed
        assertEquals(0x202, g.read32(cr3, fsp + 24));                       // eflags, IF = !mask
        assertEquals(0x1234, c.gpr(X86Cpu.EAX));
        assertEquals(1, v.upcallMask(), "CALLBACKF_mask_events");
        assertEquals(0, c.segment(X86Cpu.DS).selector);
        // back to where it was, then it boots normally
        for (int i = 0; i < 8; i++) c.setGpr(i, regs[i]);
        for (int s = 0; s < 6; s++) c.setSegment(s, segs[s]);
        c.setEip(eip);
        c.setEflags(flags);
        v.setUpcallMask(mask);
        PvVcpu.of(v).setFailsafeCallback(0, 0, 0);
        v.endSlice = false;
        survivors();
    }

    void survivors() {
        assertEquals(0, vmm.internalErrors());
        assertEquals(DomainState.PAUSED, victim.state());
        vmm.unpause(victim.id());
        try {
            assertTrue(victim.awaitShutdown(60, TimeUnit.SECONDS), victim.consoleOutput());
            assertTrue(victim.consoleOutput().contains("RESULT: PASS"), victim.consoleOutput());
            assertTrue(neighbour.awaitShutdown(120, TimeUnit.SECONDS), neighbour.consoleOutput());
            assertTrue(neighbour.consoleOutput().contains("RESULT: PASS"), neighbour.consoleOutput());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertEquals(0, vmm.internalErrors());
        vmm.destroy(victim.id());
        vmm.destroy(neighbour.id());
        assertEquals(freeAtStart, vmm.freeFrames());
    }
}
