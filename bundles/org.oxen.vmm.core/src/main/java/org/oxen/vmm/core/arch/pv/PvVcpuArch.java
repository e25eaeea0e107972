package org.oxen.vmm.core.arch.pv;

import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.arch.VcpuArch;
import org.oxen.vmm.core.build.DomainBuilder;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.time.DeterministicTime;
import org.oxen.vmm.core.time.SystemTime;
import org.oxen.vmm.core.trap.PvExitHandler;
import org.oxen.vmm.core.trap.TrapBouncer;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.SegmentState;
import org.oxen.x86.cpu.X86Cpu;

/**
 * A paravirtualized vcpu (Xen's arch/x86/pv): the guest kernel in ring 1 with IOPL 0, an empty
 * IDT and no I/O bitmap, so every exception and INT n exits to {@link PvExitHandler}; GDT/LDT
 * in the per-domain area; event upcalls bounced to the registered event callback
 * ({@link #beforeResume}). Stateless apart from the hypervisor's shared parts: one instance
 * serves every PV vcpu.
 */
public final class PvVcpuArch implements VcpuArch {

    private static final IoPortDevice NO_IO = new IoPortDevice() {
        @Override
        public int read8(int offset) {
            return 0xFF;
        }

        @Override
        public void write8(int offset, int value) {
        }
    };

    private final Ram ram;
    private final TrapBouncer bouncer;
    private final GuestMemory guest;
    private final PvExitHandler.Hypercalls hypercalls;
    private final PvExitHandler.PvCpuid cpuid;
    private final SystemTime time;
    private volatile org.oxen.x86.cpu.CpuOptions cpuOptions = org.oxen.x86.cpu.CpuOptions.DEFAULT;

    public PvVcpuArch(Ram ram, TrapBouncer bouncer, GuestMemory guest, PvExitHandler.Hypercalls hypercalls,
            PvExitHandler.PvCpuid cpuid, SystemTime time) {
        this.ram = ram;
        this.bouncer = bouncer;
        this.guest = guest;
        this.hypercalls = hypercalls;
        this.cpuid = cpuid;
        this.time = time;
    }

    /** How vcpus created from now on execute. */
    public void setCpuOptions(org.oxen.x86.cpu.CpuOptions options) {
        cpuOptions = options;
    }

    @Override
    public VcpuImpl create(DomainImpl d, int i) {
        X86Cpu cpu = X86Cpu.create(ram, NO_IO, cpuOptions);
        VcpuImpl v = new VcpuImpl(d, i, cpu, this, PvVcpu::new);
        cpu.setExitHandler(new PvExitHandler(v, bouncer, guest, hypercalls, cpuid));
        for (int vec = 0; vec < 32; vec++) {
            cpu.setExceptionExit(vec, true);
        }
        for (int n = 0; n < 256; n++) {
            cpu.setSoftwareInterruptExit(n, true);
        }
        cpu.setClock(d.guestClock(i));
        cpu.setCpuidModel(cpuid.model());
        cpu.setCr(4, VcpuImpl.CR4_PAE | VcpuImpl.CR4_OSFXSR);
        // CR0.AM as Xen runs (boot/trampoline.S): ring 3 with EFLAGS.AC gets #AC, bounced to the guest
        cpu.setCr(0, VcpuImpl.CR0_PE | VcpuImpl.CR0_MP | VcpuImpl.CR0_ET | VcpuImpl.CR0_NE | VcpuImpl.CR0_WP
                | VcpuImpl.CR0_AM | VcpuImpl.CR0_PG);
        try {
            cpu.setMsr(0xC0000080, 0x800); // EFER.NXE: PV guests may use NX
        } catch (IllegalArgumentException e) {
            // a CPU without EFER: no NX
        }
        cpu.setGdt(DomainMemory.gdtVirt(i), (Xen.FIRST_RESERVED_GDT_PAGE + 1) * Xen.PAGE_SIZE - 1);
        cpu.setIdt(0, 0);
        cpu.setLdtr(new SegmentState(0, 0, 0, SegmentState.UNUSABLE));
        // A TSS too short for an I/O bitmap: IN/OUT at CPL 1 (IOPL 0) are #GP(0), bounced to the guest.
        cpu.setTr(new SegmentState(0, 0, 0, 0x8B));
        DomainBuilder.enterKernelMode(cpu);
        return v;
    }

    @Override
    public void scheduledIn(VcpuImpl v) {
        v.flushIfRequested();
        PvVcpu.of(v).reloadCr3IfRequested();
        DeterministicTime det = v.domain().deterministicTime();
        if (det == null) {
            time.updateVcpuTime(ram, v.vcpuInfoAddress() + SharedInfo.VI_TIME);
            if (v.id() == 0) {
                time.updateWallclock(ram, (long) v.domain().sharedInfoMfn() << 12);
            }
        } else {
            // instruction time: the TSC is the domain's time exactly, so one record stays true
            long ti = v.vcpuInfoAddress() + SharedInfo.VI_TIME;
            if (det.timeRecordNeeded(v.id(), ti)) SystemTime.writeVcpuTime(ram, ti, det.clockOf(v.id()).nanos());
        }
        int area = v.runstateArea();
        if (area != 0) {
            // update_runstate_area: the guest's copy, through its own page tables; a fault is ignored
            try {
                v.writeRunstate(guest, v.cpu().cr(3), area);
            } catch (org.oxen.vmm.core.guest.GuestFault f) {
                // nothing: Xen ignores an unwritable runstate area too
            }
        }
    }

    /**
     * Xen's test_all_events for a PV vcpu: pending TLB work, the time record if it is a second
     * old (with the wall clock on vcpu 0), then, if evtchn_upcall_pending is
     * set and evtchn_upcall_mask clear, a bounce frame to the event callback with events masked
     * (the guest's iret unmasks them). Without a registered callback nothing is delivered (the
     * event stays pending, as in Xen, which would crash such a domain only on a real upcall).
     */
    @Override
    public void beforeResume(VcpuImpl v) {
        v.flushIfRequested();
        PvVcpu pv = PvVcpu.of(v);
        pv.reloadCr3IfRequested();
        // Xen's periodic time calibration: a vcpu that keeps its pCPU sees fresh time too
        // (a deterministic domain's record never goes stale: its TSC is its time)
        if (v.domain().deterministicTime() == null && time.refreshVcpuTime(ram, v.vcpuInfoAddress() + SharedInfo.VI_TIME) && v.id() == 0) {
            time.updateWallclock(ram, (long) v.domain().sharedInfoMfn() << 12);
        }
        if (pv.eventEip() != 0 && v.eventsNeedDelivery() && !v.domain().isStopped()) {
            bouncer.deliver(v, pv.eventCs(), pv.eventEip(), true, -1, v.cpu().eip(), "event upcall");
            v.counters.upcall();
            if (v.domain().trace.on(org.oxen.vmm.abi.Trace.TRC_OXEN_EVTCHN)) {
                v.domain().trace.trace2(org.oxen.vmm.abi.Trace.TRC_OXEN_EVTCHN_UPCALL, v.domain().id(), v.id());
            }
        }
    }

    /**
     * The PAE walk the CPU makes from its CR3 (the L3's four entries, each L2's entries below
     * the hypervisor hole, each L1), in reverse: every present L1 entry naming {@code mfn}.
     */
    @Override
    public java.util.List<Integer> virtualAddressesOf(VcpuImpl v, long mfn) {
        java.util.List<Integer> vas = new java.util.ArrayList<>();
        long l3 = v.cpu().cr(3) & 0xFFFFFFE0L;
        for (int s = 0; s < 4; s++) {
            long l3e = ram.read64(l3 + s * 8L);
            if ((l3e & Xen.PTE_P) == 0) continue;
            long l2 = l3e & Xen.PTE_ADDR_MASK;
            for (int i = 0; i < 512; i++) {
                int va2 = s << 30 | i << 21;
                if (Integer.compareUnsigned(va2, Xen.HYPERVISOR_VIRT_START) >= 0) break;
                long l2e = ram.read64(l2 + i * 8L);
                if ((l2e & Xen.PTE_P) == 0 || (l2e & Xen.PTE_PSE) != 0) continue; // a PV L2 never maps 2 MiB
                long l1 = l2e & Xen.PTE_ADDR_MASK;
                for (int k = 0; k < 512; k++) {
                    long l1e = ram.read64(l1 + k * 8L);
                    if ((l1e & Xen.PTE_P) != 0 && (l1e & Xen.PTE_ADDR_MASK) >>> 12 == mfn) vas.add(va2 | k << 12);
                }
            }
        }
        return vas;
    }

    @Override
    public void halted(VcpuImpl v) {
        v.domain().crash("vcpu " + v.id() + " halted in the CPU (a PV guest idles with SCHEDOP_block)");
    }
}
