package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.vmm.abi.Errno.EFAULT;
import static org.oxen.vmm.abi.Errno.EINVAL;
import static org.oxen.vmm.abi.Errno.ENOSYS;
import static org.oxen.vmm.abi.Errno.EPERM;
import static org.oxen.vmm.abi.Errno.ESRCH;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Callback;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Sched;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Issue 24's table of errno and behaviour differences from Xen, one test per row, each made
 * through the real hypercall table on the vcpu of a paused domain and checked against what
 * Xen's own code does (the Javadoc names the function).
 */
class XenErrnoParityTest {

    Vmm vmm;
    DomainImpl d;
    DomainImpl other;
    VcpuImpl v;
    GuestMemory g;
    int cr3;
    int scratch;
    /**
     * An ordinary data page of the domain, mapped writable by the builder: inside the kit
     * kernel's 1 MiB of vcpu stacks in .bss (pfns 12..267), well before the start-of-day
     * structures that follow the kernel (pfn 300 was BSS only while the image was larger).
     */
    static final int DATA_PFN = 100;

    @BeforeEach
    void setUp() throws Exception {
        vmm = new Vmm(64L << 20, 1);
        other = (DomainImpl) vmm.create(DomainConfig.builder("other")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
        d = (DomainImpl) vmm.create(DomainConfig.builder("caller")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
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

    long call(int nr, int... a) {
        return VictimHypercalls.call(vmm, v, nr, a);
    }

    long mmuext(int cmd, int arg1, int arg2, int foreigndom) {
        g.write32(cr3, scratch, cmd);
        g.write32(cr3, scratch + 4, arg1);
        g.write32(cr3, scratch + 8, arg2);
        return call(Hypercall.MMUEXT_OP, scratch, 1, 0, foreigndom);
    }

    long updateDescriptor(long desc) {
        long ma = (long) d.memory().p2m(DATA_PFN) << 12; // an ordinary page of the domain
        return call(Hypercall.UPDATE_DESCRIPTOR, (int) ma, 0, (int) desc, (int) (desc >>> 32));
    }

    /** compat_set_trap_table: only fixup_guest_code_selector, no check of the selector. */
    @Test
    void setTrapTableTakesAnyGateSelector_errnoRow1() {
        int[] selectors = {0xE008, 0, 0xFFFF, 0x0800 /* GDT entry 256: the guest has no GDT */};
        for (int i = 0; i < selectors.length; i++) {
            g.write32(cr3, scratch + i * 8, (20 + i) | selectors[i] << 16);
            g.write32(cr3, scratch + i * 8 + 4, 0xC0001000);
        }
        g.write64(cr3, scratch + selectors.length * 8, 0);
        assertEquals(0, call(Hypercall.SET_TRAP_TABLE, scratch));
        assertEquals(0xE009, PvVcpu.of(v).trap(20).cs());
        assertEquals(0x0001, PvVcpu.of(v).trap(21).cs());
        assertEquals(0xFFFF, PvVcpu.of(v).trap(22).cs());
        assertEquals(0x0801, PvVcpu.of(v).trap(23).cs());
    }

    /**
     * What such a gate then does (compat_create_bounce_frame, compat_failsafe_callback): the
     * kit's hostile program installs #UD gates at 0xe008, 0xFFFF and 0x0800; each #UD gets its
     * frame written and enters the failsafe callback with the handler's eip, selector (RPL
     * fixed) and eflags, as Xen's faulting return to the handler does.
     */
    @Test
    void aGateWithAnUnusableSelectorEntersTheFailsafeCallback_errnoRow1() throws Exception {
        String out = IsolationTest.run(vmm, "bad-gate", "attack=bad_gate");
        assertTrue(out.contains("set_trap_table(#UD at e008:"), out);
        assertTrue(out.contains("every unusable gate selector entered the failsafe callback"), out);
    }

    /** compat_register/unregister_guest_callback: unknown types -ENOSYS; compat_callback_op: unknown cmd -EINVAL. */
    @Test
    void callbackOpUnknownTypeIsEnosys_errnoRow2() {
        g.write64(cr3, scratch + 4, 0);
        for (int type : new int[] {Callback.CALLBACKTYPE_SYSCALL, Callback.CALLBACKTYPE_SYSENTER_DEPRECATED, 6, 99}) {
            g.write32(cr3, scratch, type);
            assertEquals(-ENOSYS, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_REGISTER, scratch), "register " + type);
            assertEquals(-ENOSYS, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_UNREGISTER, scratch), "unregister " + type);
        }
        for (int type : new int[] {Callback.CALLBACKTYPE_SYSENTER, Callback.CALLBACKTYPE_SYSCALL32}) {
            g.write32(cr3, scratch, type);
            assertEquals(0, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_REGISTER, scratch), "register " + type);
            assertEquals(-EINVAL, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_UNREGISTER, scratch));
        }
        g.write32(cr3, scratch, Callback.CALLBACKTYPE_FAILSAFE);
        assertEquals(-EINVAL, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_UNREGISTER, scratch));
        g.write32(cr3, scratch, Callback.CALLBACKTYPE_NMI);
        assertEquals(0, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_UNREGISTER, scratch));
        assertEquals(-EINVAL, call(Hypercall.CALLBACK_OP, 2, scratch));
        // copy_from_guest of the whole struct first: {type, _unused} across into an unmapped page
        int end = scratch & ~0xFFF;
        while (mapped(end)) end += 0x1000;
        g.write16(cr3, end - 2, Callback.CALLBACKTYPE_NMI);
        assertEquals(-EFAULT, call(Hypercall.CALLBACK_OP, Callback.CALLBACKOP_UNREGISTER, end - 2));
    }

    boolean mapped(int va) {
        try {
            g.read8(cr3, va);
            return true;
        } catch (org.oxen.vmm.core.guest.GuestFault f) {
            return false;
        }
    }

    /** do_mmuext_op: MMUEXT_PIN_L4_TABLE breaks out with rc 0 for a 32-bit pg_owner. */
    @Test
    void pinL4IsIgnoredForA32BitGuest_errnoRow3() {
        int frame = d.memory().p2m(DATA_PFN);
        assertEquals(0, mmuext(Xen.MMUEXT_PIN_L4_TABLE, frame, 0, Xen.DOMID_SELF));
        assertEquals(0, mmuext(Xen.MMUEXT_PIN_L4_TABLE, 0x7FFFFFFF, 0, Xen.DOMID_SELF));
        synchronized (vmm.pool()) {
            assertFalse(vmm.pool().isPinned(frame));
            assertEquals(PageType.WRITABLE, vmm.pool().type(frame) & PageType.TYPE_MASK, "still the guest's data page");
        }
    }

    /**
     * MMUEXT_SET_LDT: only alignment, __addr_ok and 8192 entries are checked; the pages are
     * mapped lazily (pv_map_ldt_shadow_page on the first fault).
     */
    @Test
    void setLdtOnAnUnmappedOrWritablePageSucceeds_errnoRow4a() {
        int writable = scratch & ~0xFFF;
        int unmapped = 0x00400000;
        assertEquals(0, mmuext(Xen.MMUEXT_SET_LDT, writable, 16, Xen.DOMID_SELF));
        assertEquals(-1, PvVcpu.of(v).ldtFrame(0), "a writable page is not typed as an LDT page");
        assertEquals(16 * 8 - 1, v.cpu().ldtr().limit);
        assertEquals(0, mmuext(Xen.MMUEXT_SET_LDT, unmapped, 1000, Xen.DOMID_SELF));
        assertEquals(0, mmuext(Xen.MMUEXT_SET_LDT, 0xF57FF000, 8192, Xen.DOMID_SELF));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_SET_LDT, writable + 8, 1, Xen.DOMID_SELF));
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_SET_LDT, writable, 8193, Xen.DOMID_SELF));
        assertEquals(0, mmuext(Xen.MMUEXT_SET_LDT, writable + 8, 0, Xen.DOMID_SELF), "no entries: base ignored");
        assertEquals(0, PvVcpu.of(v).ldtEntries());
    }

    /**
     * The lazy LDT as a guest sees it (handle_gdt_ldt_mapping_fault): a selector from an LDT
     * page that cannot be a descriptor page faults with CR2 = the guest's LDT address; once the
     * page is read-only the same load maps it and works.
     */
    @Test
    void setLdtMapsThePageOnFirstUse_errnoRow4b() throws Exception {
        String out = IsolationTest.run(vmm, "ldt", "attack=ldt");
        assertTrue(out.contains("mapped on first use"), out);
    }

    /** check_descriptor: "Invalid type 0 is harmless. It is used for 2nd half of a call gate." */
    @Test
    void updateDescriptorTakesAPresentType0SystemDescriptor_errnoRow5() {
        assertEquals(0, updateDescriptor(0x0000_8000_0000_0000L));
        assertEquals(0, updateDescriptor(0x1234_E000_5678_9ABCL));
        assertEquals(-EINVAL, updateDescriptor(0x0000_8900_0000_0067L), "a present TSS is still refused");
    }

    /** check_descriptor: a call gate's reserved bits 5..7 must be zero for a 32-bit guest. */
    @Test
    void updateDescriptorRefusesACallGateWithReservedBits_errnoRow6() {
        long gate = 0x0000_EC00_0000_0000L | (long) Xen.FLAT_RING1_CS << 16 | 0x1000; // DPL 3, target e019:1000
        for (int bit = 5; bit <= 7; bit++) {
            assertEquals(-EINVAL, updateDescriptor(gate | 1L << (32 + bit)), "reserved bit " + bit);
        }
        assertEquals(0, updateDescriptor(gate));
        long stored = vmm.pool().ram().read64((long) d.memory().p2m(DATA_PFN) << 12);
        assertEquals(0, (stored >>> 45) & 3, "stored with DPL 0, as Xen");
        assertEquals((Xen.FLAT_RING1_CS & ~3) | 3, (int) (stored >>> 16) & 0xFFFF, "original DPL in the RPL");
        assertEquals(-EINVAL, updateDescriptor(0x0000_EC00_0000_0000L | (long) 0xE018 << 16), "Xen selector");
    }

    /** SCHEDOP_shutdown / sched_op_compat: domain_shutdown(d, (u8)reason), no range check. */
    @Test
    void shutdownWithAReasonAbove5IsAccepted_errnoRow7() throws Exception {
        g.write32(cr3, scratch, 200);
        assertEquals(0, call(Hypercall.SCHED_OP, Sched.SCHEDOP_SHUTDOWN_CODE, scratch));
        g.write32(cr3, scratch, 6);
        assertEquals(0, call(Hypercall.SCHED_OP, Sched.SCHEDOP_SHUTDOWN, scratch));
        assertTrue(d.awaitShutdown(5, TimeUnit.SECONDS));
        assertEquals(200, d.shutdownCode(), "the code set first wins, as d->shutdown_code");
        assertEquals(Optional.empty(), d.shutdownReason());
        assertEquals(0, call(Hypercall.SCHED_OP_COMPAT, Sched.SCHEDOP_SHUTDOWN, 0x105), "a second shutdown is a no-op");
        DomainImpl e = (DomainImpl) vmm.create(DomainConfig.builder("compat")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
        v = e.vcpu(0);
        assertEquals(0, call(Hypercall.SCHED_OP_COMPAT, Sched.SCHEDOP_SHUTDOWN, 0x103));
        assertEquals(ShutdownReason.CRASH, e.shutdownReason().orElseThrow(), "(u8)0x103 = SHUTDOWN_crash");
    }

    /**
     * SCHEDOP_remote_shutdown from a guest (found on the way, not a row of the issue):
     * rcu_lock_domain_by_id finds no DOMID_SELF (-ESRCH), and xsm_schedop_shutdown(XSM_DM_PRIV)
     * refuses a guest every domain it finds, itself and Domain-0 included (-EPERM); nothing shuts
     * down. oxen answered -EINVAL for DOMID_SELF and its own id.
     */
    @Test
    void remoteShutdownOfItselfIsEsrchByDomidSelfAndEpermById() {
        int[][] cases = {{Xen.DOMID_SELF, -ESRCH}, {d.id(), -EPERM}, {other.id(), -EPERM}, {0, -EPERM}, {0x7000, -ESRCH}};
        for (int[] c : cases) {
            g.write32(cr3, scratch, c[0]);
            g.write32(cr3, scratch + 4, Sched.SHUTDOWN_POWEROFF);
            assertEquals(c[1], call(Hypercall.SCHED_OP, Sched.SCHEDOP_REMOTE_SHUTDOWN, scratch), "domid " + c[0]);
        }
        assertFalse(d.isStopped(), "the caller shut down");
        assertFalse(other.isStopped(), "the other domain shut down");
    }

    /**
     * __do_update_va_mapping: mod_l1_entry first, then the flush, whose vcpumask_to_pcpumask
     * result (-EFAULT for an unreadable mask) becomes the return value.
     */
    @Test
    void updateVaMappingWritesThePteBeforeReadingTheMask_errnoRow8() {
        int va = scratch + 0x1000;
        long pteMa = HostileHypercallTest.l1eMaOf(vmm, v, va);
        long old = vmm.pool().ram().read64(pteMa);
        long ro = old & ~Xen.PTE_RW;
        int unreadable = 0x00001000;
        assertEquals(-EFAULT, call(Hypercall.UPDATE_VA_MAPPING, va, (int) ro, (int) (ro >>> 32),
                unreadable | Xen.UVMF_INVLPG));
        assertEquals(ro, vmm.pool().ram().read64(pteMa), "the PTE was written");
        g.write32(cr3, scratch, 1);
        assertEquals(0, call(Hypercall.UPDATE_VA_MAPPING, va, (int) old, (int) (old >>> 32),
                scratch | Xen.UVMF_TLB_FLUSH));
        assertEquals(old, vmm.pool().ram().read64(pteMa));
        assertEquals(0, call(Hypercall.UPDATE_VA_MAPPING, va, (int) old, (int) (old >>> 32), unreadable),
                "UVMF_NONE: no mask read");
    }

    /** get_pg_owner: "Cannot specify itself as foreign domain" -ESRCH; another domain -EPERM. */
    @Test
    void mmuOpsWithTheCallersOwnDomidAreEsrch_errnoRow9() {
        long pteMa = HostileHypercallTest.l1eMaOf(vmm, v, scratch + 0x1000);
        g.write64(cr3, scratch + 64, pteMa);
        g.write64(cr3, scratch + 72, vmm.pool().ram().read64(pteMa));
        assertEquals(-ESRCH, call(Hypercall.MMU_UPDATE, scratch + 64, 1, 0, d.id()));
        assertEquals(0, call(Hypercall.MMU_UPDATE, scratch + 64, 1, 0, Xen.DOMID_SELF));
        assertEquals(-EPERM, call(Hypercall.MMU_UPDATE, scratch + 64, 1, 0, other.id()));
        assertEquals(-ESRCH, mmuext(Xen.MMUEXT_TLB_FLUSH_LOCAL, 0, 0, d.id()));
        assertEquals(0, mmuext(Xen.MMUEXT_TLB_FLUSH_LOCAL, 0, 0, Xen.DOMID_SELF));
        assertEquals(-EPERM, mmuext(Xen.MMUEXT_TLB_FLUSH_LOCAL, 0, 0, Xen.DOMID_IO));
        assertEquals(-ESRCH, call(Hypercall.UPDATE_VA_MAPPING_OTHERDOMAIN, scratch, 0, 0, 0, d.id()));
    }

    /**
     * do_mmu_update's foreign page tables (foreigndom's high half names domid + 1): the caller's
     * own id is itself; an unknown domain -ESRCH with nothing written to done; another domain
     * (Domain-0 too) passes get_pg_owner but every request meets xsm_mmu_update: -EPERM, the
     * entry unchanged; an unknown command is -ENOSYS first; no request, no refusal.
     */
    @Test
    void mmuUpdateOnAnotherDomainsTablesIsEperm_errnoRow9b() {
        long pteMa = HostileHypercallTest.l1eMaOf(vmm, v, scratch + 0x1000);
        long pte = vmm.pool().ram().read64(pteMa);
        long ro = pte & ~Xen.PTE_RW;
        g.write64(cr3, scratch + 64, pteMa);
        g.write64(cr3, scratch + 72, ro);
        int done = scratch + 96;
        g.write32(cr3, done, 77);
        assertEquals(-EPERM, call(Hypercall.MMU_UPDATE, scratch + 64, 1, done, (other.id() + 1) << 16 | Xen.DOMID_SELF));
        assertEquals(pte, vmm.pool().ram().read64(pteMa), "another domain's tables: nothing written");
        assertEquals(0, g.read32(cr3, done));
        assertEquals(-EPERM, call(Hypercall.MMU_UPDATE, scratch + 64, 1, 0, 1 << 16 | Xen.DOMID_SELF), "Domain-0's");
        assertEquals(0, call(Hypercall.MMU_UPDATE, scratch + 64, 0, 0, (other.id() + 1) << 16 | Xen.DOMID_SELF));
        g.write32(cr3, done, 77);
        assertEquals(-ESRCH, call(Hypercall.MMU_UPDATE, scratch + 64, 1, done, 1000 << 16 | Xen.DOMID_SELF));
        assertEquals(77, g.read32(cr3, done), "-ESRCH for the tables' owner returns before done is written");
        g.write64(cr3, scratch + 64, pteMa | 5);
        assertEquals(-ENOSYS, call(Hypercall.MMU_UPDATE, scratch + 64, 1, 0, (other.id() + 1) << 16 | Xen.DOMID_SELF));
        g.write64(cr3, scratch + 64, pteMa);
        assertEquals(0, call(Hypercall.MMU_UPDATE, scratch + 64, 1, 0, (d.id() + 1) << 16 | Xen.DOMID_SELF), "its own");
        assertEquals(ro, vmm.pool().ram().read64(pteMa));
        g.write64(cr3, scratch + 72, pte);
        assertEquals(0, call(Hypercall.MMU_UPDATE, scratch + 64, 1, 0, Xen.DOMID_SELF));
        assertEquals(pte, vmm.pool().ram().read64(pteMa));
    }

    /**
     * do_mmuext_op refuses a page owner that is not PV before its XSM check (-EINVAL), where
     * mmu_update and update_va_mapping_otherdomain meet XSM (-EPERM); Domain-0 is -EPERM for all.
     */
    @Test
    void mmuextOpWithAnHvmPageOwnerIsEinval_errnoRow9c() throws Exception {
        org.oxen.vmm.core.hvm.HvmTestSupport.withDevices(vmm);
        DomainImpl hvm = (DomainImpl) vmm.create(DomainConfig.builder("hvm").type(org.oxen.vmm.api.DomainType.HVM)
                .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "hello")).memoryMiB(8).startPaused(true).build());
        assertEquals(-EINVAL, mmuext(Xen.MMUEXT_TLB_FLUSH_LOCAL, 0, 0, hvm.id()));
        assertEquals(-EPERM, mmuext(Xen.MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 0), "Domain-0");
        long pteMa = HostileHypercallTest.l1eMaOf(vmm, v, scratch + 0x1000);
        g.write64(cr3, scratch + 64, pteMa);
        g.write64(cr3, scratch + 72, vmm.pool().ram().read64(pteMa));
        assertEquals(-EPERM, call(Hypercall.MMU_UPDATE, scratch + 64, 1, 0, hvm.id()));
        assertEquals(-EPERM, call(Hypercall.MMU_UPDATE, scratch + 64, 1, 0, 0), "Domain-0");
        assertEquals(-EPERM, call(Hypercall.UPDATE_VA_MAPPING_OTHERDOMAIN, scratch, 0, 0, 0, hvm.id()));
        vmm.destroy(hvm.id());
    }
}
