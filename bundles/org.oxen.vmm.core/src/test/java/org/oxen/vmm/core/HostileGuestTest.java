package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.vmm.abi.Errno.EBUSY;
import static org.oxen.vmm.abi.Errno.EFAULT;
import static org.oxen.vmm.abi.Errno.EINVAL;
import static org.oxen.vmm.abi.Errno.ENOSYS;
import static org.oxen.vmm.abi.Errno.EPERM;
import static org.oxen.vmm.abi.Errno.ESRCH;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Callback;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Memory;
import org.oxen.vmm.abi.Physdev;
import org.oxen.vmm.abi.Sched;
import org.oxen.vmm.abi.Version;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * The hostile sequence as real guest code: a kernel assembled here makes each hypercall with
 * int $0x82, stores eax, writes the results to its console and powers off, while a neighbour
 * runs cpubench. (HostileHypercallTest covers more cases through the dispatcher.)
 */
class HostileGuestTest {

    record Call(String what, int expected, int nr, int... args) {
    }

    @Test
    void hostileKernelGetsXensErrorsAndTheNeighbourIsUntouched() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free = vmm.freeFrames();
            DomainImpl neighbour = (DomainImpl) vmm.create(DomainConfig.builder("neighbour").kernel(
                    GuestImages.load(GuestImages.Flavor.PV, "cpubench")).memoryMiB(8).cmdline("loop=300000 mix=3")
                    .build());
            int foreign = neighbour.memory().p2m(7);
            int xen = vmm.pool().m2pFirstFrame();
            int data = MiniGuest.BASE + 0xC00, results = MiniGuest.BASE + 0xE00;
            int reqs = data, pin = data + 0x10, base = data + 0x20, gdt = data + 0x30, remote = data + 0x40,
                    iopl = data + 0x50;
            int rw = (int) (Xen.PTE_P | Xen.PTE_RW | Xen.PTE_A | Xen.PTE_D);
            int page = MiniGuest.BASE + 0x2000;          // first page of the p2m list
            List<Call> calls = List.of(
                new Call("console_io bad", -EFAULT, Hypercall.CONSOLE_IO, Xen.CONSOLEIO_WRITE, 10, 0x1000),
                new Call("console_io hole", -EFAULT, Hypercall.CONSOLE_IO, Xen.CONSOLEIO_WRITE, 10, 0xF5800000),
                new Call("xen_version NULL", -EFAULT, Hypercall.XEN_VERSION, Version.XENVER_EXTRAVERSION, 0),
                new Call("xen_version into the GDT area", -EFAULT, Hypercall.XEN_VERSION, Version.XENVER_CAPABILITIES,
                        0xF6800000),
                new Call("memory_op top page", -EFAULT, Hypercall.MEMORY_OP, Memory.XENMEM_CURRENT_RESERVATION,
                        0xFFFFF000),
                new Call("uvm in the hole", -EINVAL, Hypercall.UPDATE_VA_MAPPING, 0xF5800000, xen << 12 | 1, 0, 2),
                new Call("uvm foreign rw", -EBUSY, Hypercall.UPDATE_VA_MAPPING, page, foreign << 12 | rw, 0, 2),
                new Call("uvm M2P frame", -EBUSY, Hypercall.UPDATE_VA_MAPPING, page, xen << 12 | 1, 0, 2),
                new Call("uvm MMIO", -EPERM, Hypercall.UPDATE_VA_MAPPING, page, 0xFEE00000 | rw, 0, 2),
                new Call("mmu_update foreign table", -EINVAL, Hypercall.MMU_UPDATE, reqs, 1, 0, Xen.DOMID_SELF),
                new Call("mmu_update bad list", -EFAULT, Hypercall.MMU_UPDATE, 0x1000, 1, 0, Xen.DOMID_SELF),
                new Call("mmu_update for the neighbour", -EPERM, Hypercall.MMU_UPDATE, reqs, 1, 0, neighbour.id()),
                new Call("mmu_update huge count (array checked first)", -EFAULT, Hypercall.MMU_UPDATE, reqs,
                        0x7FFFFFFF, 0, 0x4321),
                new Call("mmu_update, no domain", -ESRCH, Hypercall.MMU_UPDATE, reqs, 1, 0, 0x4321),
                new Call("pin a foreign L1", -EINVAL, Hypercall.MMUEXT_OP, pin, 1, 0, Xen.DOMID_SELF),
                new Call("new_baseptr on the M2P", -EINVAL, Hypercall.MMUEXT_OP, base, 1, 0, Xen.DOMID_SELF),
                new Call("set_gdt foreign", -EINVAL, Hypercall.SET_GDT, gdt, 16),
                new Call("set_gdt too many", -EINVAL, Hypercall.SET_GDT, gdt, 8000),
                new Call("update_descriptor foreign", -EINVAL, Hypercall.UPDATE_DESCRIPTOR, foreign << 12, 0, 0xFFFF,
                        0x00CFBA00),
                new Call("set_trap_table hole", -EFAULT, Hypercall.SET_TRAP_TABLE, 0xF5800000),
                new Call("multicall in the GDT area", -EFAULT, Hypercall.MULTICALL, 0xF6800000, 2),
                new Call("shutdown bad", -EFAULT, Hypercall.SCHED_OP, Sched.SCHEDOP_SHUTDOWN, 0x1000),
                new Call("remote_shutdown neighbour", -EPERM, Hypercall.SCHED_OP, Sched.SCHEDOP_REMOTE_SHUTDOWN, remote),
                new Call("callback bad", -EFAULT, Hypercall.CALLBACK_OP, Callback.CALLBACKOP_REGISTER, 0x1000),
                new Call("set_iopl 7", -EINVAL, Hypercall.PHYSDEV_OP, Physdev.PHYSDEVOP_SET_IOPL, iopl),
                new Call("vm_assist type 31", -EINVAL, Hypercall.VM_ASSIST, 0, 31),
                new Call("hypercall 99", -ENOSYS, 99),
                new Call("hypercall 40", -ENOSYS, 40),
                new Call("grant_table_op dump_table", -ENOSYS, Hypercall.GRANT_TABLE_OP, 3, 0, 0),
                new Call("grant map in the hole", -EFAULT, Hypercall.GRANT_TABLE_OP, 0, 0xF5800000, 1),
                new Call("still alive", 4 << 16 | 1, Hypercall.XEN_VERSION, 0, 0));
            MiniGuest m = new MiniGuest();
            for (int i = 0; i < calls.size(); i++) {
                Call c = calls.get(i);
                int[] a = new int[5];
                System.arraycopy(c.args(), 0, a, 0, c.args().length);
                m.movImm(0, c.nr()).movImm(3, a[0]).movImm(1, a[1]).movImm(2, a[2]).movImm(6, a[3]).movImm(7, a[4])
                        .int82().bytes(0xA3).imm32(results + 4 * i);           // mov %eax, results[i]
            }
            m.movImm(0, Hypercall.CONSOLE_IO).movImm(3, Xen.CONSOLEIO_WRITE).movImm(1, 4 * calls.size())
                    .movImm(2, results).int82().shutdown(Sched.SHUTDOWN_POWEROFF);
            if (m.here() > data) throw new AssertionError("code overlaps data");
            m.at(0xC00).imm32(foreign << 12).imm32(0).imm32(0).imm32(0)            // mmu_update request
                    .imm32(Xen.MMUEXT_PIN_L1_TABLE).imm32(foreign).imm32(0).imm32(0)
                    .imm32(Xen.MMUEXT_NEW_BASEPTR).imm32(xen).imm32(0).imm32(0)
                    .imm32(foreign).imm32(0).imm32(0).imm32(0)                      // GDT frame list
                    .imm32(neighbour.id()).imm32(Sched.SHUTDOWN_POWEROFF).imm32(0).imm32(0)
                    .imm32(7).imm32(0).imm32(0).imm32(0)
                    .at(0xE00);
            Domain h = vmm.create(DomainConfig.builder("hostile").kernel(m.image()).memoryMiB(4).build());
            assertTrue(h.awaitShutdown(30, TimeUnit.SECONDS), h.crashMessage().orElse(""));
            assertEquals(ShutdownReason.POWEROFF, h.shutdownReason().orElseThrow(), h.crashMessage().orElse(""));
            String out = h.consoleOutput();
            assertEquals(4 * calls.size(), out.length());
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < calls.size(); i++) {
                int rc = out.charAt(4 * i) | out.charAt(4 * i + 1) << 8 | out.charAt(4 * i + 2) << 16
                        | out.charAt(4 * i + 3) << 24;
                if (rc != calls.get(i).expected()) wrong.add(calls.get(i).what() + ": " + rc);
            }
            assertTrue(wrong.isEmpty(), wrong.toString());
            assertTrue(neighbour.awaitShutdown(120, TimeUnit.SECONDS));
            assertTrue(neighbour.consoleOutput().contains("RESULT: PASS"), neighbour.consoleOutput());
            assertEquals(0, vmm.internalErrors());
            vmm.destroy(h.id());
            vmm.destroy(neighbour.id());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }
}
