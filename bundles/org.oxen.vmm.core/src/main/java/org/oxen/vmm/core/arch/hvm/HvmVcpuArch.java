package org.oxen.vmm.core.arch.hvm;

import org.oxen.vmm.abi.Hvm;
import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.arch.VcpuArch;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.x86.api.InterruptController;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.LocalApic;
import org.oxen.x86.bus.PcMemory;
import org.oxen.x86.cpu.CpuExit;
import org.oxen.x86.cpu.ExitAction;
import org.oxen.x86.cpu.ExitReason;
import org.oxen.x86.cpu.SegmentState;
import org.oxen.x86.cpu.TranslationListener;
import org.oxen.x86.cpu.X86Cpu;

/**
 * A fully virtualized vcpu (Xen's arch/x86/hvm): an unmodified kernel in ring 0 on its own
 * CPU, whose physical address space is the domain's {@link HvmPlatform} (its pseudo-physical
 * RAM through the P2M, its device windows) and whose ports are the domain's port bus. Nothing
 * of the guest exits to the hypervisor but HLT (the vcpu blocks until an interrupt), the
 * local-APIC base MSR (the platform's local APIC), device accesses (under the domain's device
 * lock), and Xen's HVM platform interface: VMCALL/VMMCALL hypercalls, the hypercall-page MSR,
 * #BP/#DB while a debugger is attached; its CPUID shows Xen's leaves ({@link XenCpuidLeaves}).
 * Exceptions and interrupts go through the guest's own IDT; the event-channel upcall arrives as
 * the interrupt HVM_PARAM_CALLBACK_IRQ names ({@link CallbackVia}).
 *
 * <p>One instance per HVM domain (it holds the domain's platform and each vcpu's wiring).
 * Design: each vcpu's CPU sees the domain's devices through a {@link PcMemory#view gated view}
 * and a gated port bus, so device accesses from vcpus on different pCPUs are serialized and
 * the devices know which vcpu accesses them (the local APIC page). INTR is pushed by the
 * platform's interrupt router into the CPU's pin; a raised pin also wakes the vcpu if it is
 * blocked in HLT. Device timers and local-APIC events (INIT, STARTUP, NMI) are delivered in
 * {@link #beforeResume} on the vcpu's own pCPU thread, so only that thread changes its CPU.
 * Application processors wait offline for INIT-STARTUP, as on the bare machine.
 *
 * <p>Locking: the per-vcpu flags are volatile; state changes of a vcpu's blocked flag happen
 * under its monitor ({@link VcpuImpl#blockUnless}), a wake-up sets the flag it checks first,
 * so no interrupt is lost between the check and the block. Lock order: the
 * {@link org.oxen.vmm.core} package documentation.
 */
public final class HvmVcpuArch implements VcpuArch {

    /** What the arch needs of the hypervisor. */
    public interface Host {
        /** The vcpu stopped being runnable (blocked, offline): the scheduler hears it. */
        void blocked(VcpuImpl v);

        /** The vcpu may be runnable again. */
        void woken(VcpuImpl v);

        /** A hypercall the vcpu made with VMCALL/VMMCALL (EIP after the instruction; the result goes to EAX). */
        void hypercall(VcpuImpl v);

        /** Where hypercalls copy from and to guest memory (each vcpu registers its address space). */
        GuestMemory guestMemory();

        /** Xen's version as xen_version reports it (major << 16 | minor): CPUID leaf 0x40000001. */
        int versionNumber();
    }

    private static final int IA32_APIC_BASE = 0x1B;
    private static final int EFLAGS_IF = 0x200;
    private static final int VMCALL_LENGTH = 3;

    /** One vcpu's wiring. */
    private final class Wiring implements PcMemory.Gate, InterruptLine, IoPortDevice {
        final int index;
        VcpuImpl vcpu;
        /** The INTR level the router drives (read by the HLT check). */
        volatile boolean intr;
        /** A local-APIC event (INIT, STARTUP, NMI) waits for the resume hook. */
        volatile boolean apicEvent;
        /** The callback via's vector form has an upcall pending for this vcpu: INTR is high for it. */
        volatile boolean upcallVector;
        /**
         * What ends an HLT: INTR, a local-APIC event, an upcall the vector form will deliver, or
         * an upcall the GSI or PCI INTx form's line does not show yet (Xen's
         * hvm_local_events_need_delivery; Xen raises that line in the sender, oxen in the next
         * resume hook, so an event set between the last resume hook and this check must keep the
         * vcpu from blocking: the resume hook that follows raises the line). One object, no
         * allocation per HLT.
         */
        final java.util.function.BooleanSupplier pending = () -> intr || apicEvent || upcallVector
                || upcallNotYetDelivered(vcpu);
        /** Waiting for INIT-STARTUP (an application processor before its start, or after INIT). */
        volatile boolean waitForSipi;
        /** Tests: hypervisor work for the next resume hook ({@link #hypervisorWorkAtNextResume}). */
        volatile Runnable workForTests;
        /** This vcpu's address space as hypercalls name it (GuestMemory's handle). */
        int linearSpace;

        Wiring(int index) {
            this.index = index;
        }

        // gate: every device access of this vcpu's CPU
        @Override
        public void enter() {
            platform.enter(index);
            // the guest may have taken its event upcall since it last left guest code: a device
            // access (an EOI among them) sees the via's line as Xen's next VM entry would
            // (hvm_maybe_deassert_evtchn_irq), so a level-triggered controller does not interrupt again
            CallbackVia via = platform.callbackVia();
            if (via.asserted() && !upcallPending(vcpu.domain().vcpu(0))) via.level(false);
        }

        @Override
        public void exit() {
            platform.exit();
        }

        // the CPU's INTR pin, as the router drives it (under the device lock). A rising INTR
        // always goes through wake (unblock under the vcpu's monitor, which HLT's check holds):
        // testing blocked() first raced with a vcpu between HLT's check and its blocking, which
        // then slept with INTR high (a lost wake-up: Linux SMP's reschedule IPIs, timer ticks)
        @Override
        public void set(boolean high) {
            intr = high;
            vcpu.cpu().intr().set(high || upcallVector);
            if (high) {
                if (vcpu.blocked()) platform.vcpuWoken(index); // its time: WALL -> FROZEN only
                if (vcpu.unblock()) host.woken(vcpu); // not wake(): INTR does not start an AP waiting for STARTUP
            }
        }

        /** Trace point of a port access: TRC_HVM_IOPORT_READ/WRITE {port, size, data}. */
        private void traceIo(int event, int port, int size, int data) {
            org.oxen.vmm.core.trace.TraceBuffers t = vcpu.domain().trace;
            if (t.on(org.oxen.vmm.abi.Trace.TRC_HVM)) t.trace3(event, port, size, data);
        }

        // the CPU's port space
        @Override
        public int read8(int port) {
            enter();
            try {
                int v = platform.io().read8(port);
                traceIo(org.oxen.vmm.abi.Trace.TRC_HVM_IOPORT_READ, port, 1, v);
                return v;
            } finally {
                exit();
            }
        }

        @Override
        public void write8(int port, int value) {
            enter();
            try {
                platform.io().write8(port, value);
                traceIo(org.oxen.vmm.abi.Trace.TRC_HVM_IOPORT_WRITE, port, 1, value);
            } finally {
                exit();
            }
        }

        @Override
        public int read16(int port) {
            enter();
            try {
                int v = platform.io().read16(port);
                traceIo(org.oxen.vmm.abi.Trace.TRC_HVM_IOPORT_READ, port, 2, v);
                return v;
            } finally {
                exit();
            }
        }

        @Override
        public int read32(int port) {
            enter();
            try {
                int v = platform.io().read32(port);
                traceIo(org.oxen.vmm.abi.Trace.TRC_HVM_IOPORT_READ, port, 4, v);
                return v;
            } finally {
                exit();
            }
        }

        @Override
        public void write16(int port, int value) {
            enter();
            try {
                platform.io().write16(port, value);
                traceIo(org.oxen.vmm.abi.Trace.TRC_HVM_IOPORT_WRITE, port, 2, value);
            } finally {
                exit();
            }
        }

        @Override
        public void write32(int port, int value) {
            enter();
            try {
                platform.io().write32(port, value);
                traceIo(org.oxen.vmm.abi.Trace.TRC_HVM_IOPORT_WRITE, port, 4, value);
            } finally {
                exit();
            }
        }

        /** The INTA cycle: the callback vector first (Xen's hvm_intsrc_vector), else the controller's. */
        int acknowledge() {
            if (upcallVector) {
                // one injection per entry into guest code, as Xen injects at VM entry: the INTA
                // takes it, and the resume hook raises it again while upcall_pending stays set
                upcallVector = false;
                vcpu.cpu().intr().set(intr);
                int vec = platform.callbackVia().vector();
                if (vec >= 0) return vec;
            }
            enter();
            try {
                InterruptController c = platform.router().controllerFor(index);
                return c == null ? 0xFF : c.acknowledge();
            } finally {
                exit();
            }
        }

        /**
         * Exits: hypercalls (VMCALL/VMMCALL), the hypercall-page MSR, the local APIC's base MSR;
         * everything else is the CPU's own.
         */
        ExitAction onExit(X86Cpu cpu, CpuExit exit) {
            vcpu.counters.exit(exit.reason());
            if (exit.reason() == ExitReason.VMCALL) {
                cpu.setEip(exit.nextEip());
                vcpu.hypercallInsnLength = VMCALL_LENGTH;
                // hypervisor code from here, as PvExitHandler's: a TLB shootdown under the mm lock
                // (flushBeforeRelease when a hypercall frees a frame) does not wait for this vcpu
                vcpu.leaveGuest();
                try {
                    host.hypercall(vcpu);
                } finally {
                    vcpu.enterGuest();
                }
                return afterHypercall(vcpu);
            }
            if (exit.reason() == ExitReason.EXCEPTION && (exit.vector() == 1 || exit.vector() == 3)) {
                // #DB/#BP exit only while a debugger is attached (xl debug): its breakpoint or step
                // stops the domain; anything else is the guest's, through its own IDT
                org.oxen.vmm.core.domain.DomainDebugger dbg = vcpu.domain().debugger();
                if (dbg != null && dbg.onDebugException(vcpu, cpu, exit)) {
                    vcpu.endSlice = true;
                    return ExitAction.STOP;
                }
                return ExitAction.DELIVER;
            }
            if (exit.reason() == ExitReason.MSR_ACCESS && exit.index() == Hvm.HYPERCALL_PAGE_MSR) {
                return exit.write() && writeHypercallPage(vcpu, exit.value()) ? ExitAction.COMPLETE : ExitAction.DELIVER;
            }
            if (exit.reason() != ExitReason.MSR_ACCESS || exit.index() != IA32_APIC_BASE) {
                return ExitAction.DELIVER;
            }
            enter();
            try {
                LocalApic apic = platform.router().localApic(index);
                if (apic == null) return ExitAction.DELIVER;
                if (exit.write()) {
                    apic.writeBaseMsr(exit.value());
                } else {
                    exit.setValue(apic.baseMsr());
                }
                return ExitAction.COMPLETE;
            } finally {
                exit();
            }
        }
    }

    private final HvmPlatform platform;
    private final Host host;
    private final Wiring[] wiring;

    public HvmVcpuArch(HvmPlatform platform, Host host, int nrVcpus) {
        this.platform = platform;
        this.host = host;
        this.wiring = new Wiring[nrVcpus];
    }

    public HvmPlatform platform() {
        return platform;
    }

    /** An HVM vcpu keeps its architectural state in its CPU and {@link Wiring}: no PV-style state object. */
    private static final VcpuArch.State NO_STATE = new VcpuArch.State() {
    };

    @Override
    public VcpuImpl create(DomainImpl d, int i) {
        Wiring w = new Wiring(i);
        wiring[i] = w;
        X86Cpu cpu = X86Cpu.create(platform.memory().view(w), w);
        VcpuImpl v = new VcpuImpl(d, i, cpu, this, vcpu -> NO_STATE);
        w.vcpu = v;
        cpu.setClock(platform.vcpuClock(i)); // its TSC on its own time
        cpu.setTranslationListener(new TranslationHold(i)); // translating its code is not its time
        // Xen's HVM platform interface: its CPUID leaves, the hypercall instructions, the hypercall-page MSR
        cpu.cpuidModel().setHypervisorLeaves(new XenCpuidLeaves(host.versionNumber(), d.id(), i));
        cpu.setVmcallExit(true);
        cpu.setMsrExit(Hvm.HYPERCALL_PAGE_MSR, true);
        GuestMemory g = host.guestMemory();
        w.linearSpace = g.register((va, write) -> machineAddress(v, va, write));
        v.linearSpace = w.linearSpace;
        cpu.setInterruptController(w::acknowledge);
        cpu.setExitHandler(w::onExit);
        platform.enter(i);
        try {
            platform.router().connectCpu(i, w);
            LocalApic apic = platform.router().localApic(i);
            if (apic != null) {
                cpu.setMsrExit(IA32_APIC_BASE, true);
                // as on the bare machine: the APIC and its ID, the TSC's rate and the APIC timer's
                // clock in CPUID, so a kernel calibrates neither against the PIT; and all the
                // domain's vcpus in one package (a second vcpu's delay loop from its sibling)
                cpu.cpuidModel().setLocalApic(apic.id()).setTscFrequency(X86Cpu.TSC_HZ, apic.timerHz())
                        .setPackageCpus(wiring.length);
                apic.setEventListener(() -> {
                    w.apicEvent = true;
                    wake(v, true);
                });
            }
        } finally {
            platform.exit();
        }
        // application processors wait for INIT-STARTUP (vcpu 0 is started by the builder)
        w.waitForSipi = i != 0;
        return v;
    }

    /**
     * An event for a vcpu that may be blocked in HLT or offline waiting for STARTUP: it becomes
     * runnable (its resume hook looks at the event); a running one leaves guest code at once
     * when {@code interruptRunning}. The caller set the flag the vcpu checks before this.
     */
    private void wake(VcpuImpl v, boolean interruptRunning) {
        boolean changed = false;
        synchronized (v) {
            if (wiring[v.id()].waitForSipi && !v.online()) {
                v.setOnline(true);
                changed = true;
            }
        }
        if (v.unblock()) changed = true;
        if (changed) {
            platform.vcpuWoken(v.id()); // its time waits for it to run
            host.woken(v);
        }
        if (interruptRunning && v.running()) v.cpu().requestStop();
    }

    /**
     * The translator working on vcpu {@code cpu}'s own thread is hypervisor work
     * ({@link #hypervisorWork}): the vcpu's time stands still from its begin to its end.
     */
    private final class TranslationHold implements TranslationListener {
        private final int cpu;
        private boolean held;

        TranslationHold(int cpu) {
            this.cpu = cpu;
        }

        @Override
        public void translationBegins() {
            held = platform.hypervisorWork(cpu, true);
        }

        @Override
        public void translationEnds() {
            if (held) platform.hypervisorWork(cpu, false);
            held = false;
        }
    }

    /**
     * Runs {@code work}, hypervisor work on running vcpu {@code v}'s own pCPU thread that is not
     * the guest's (translating its code; a save's or a migration round's records made there):
     * the vcpu's time stands still meanwhile, so its timers do not run through it
     * ({@link GuestTime}). On another thread the work just runs.
     */
    public void hypervisorWork(VcpuImpl v, Runnable work) {
        boolean held = platform.hypervisorWork(v.id(), true);
        try {
            work.run();
        } finally {
            if (held) platform.hypervisorWork(v.id(), false);
        }
    }

    /**
     * Tests: {@code work} runs once as hypervisor work ({@link #hypervisorWork}) in vcpu
     * {@code cpu}'s next resume hook (a large translation charged to its thread).
     */
    void hypervisorWorkAtNextResume(int cpu, Runnable work) {
        wiring[cpu].workForTests = work;
    }

    /** Vcpu {@code i}'s INTR pin as the interrupt router drives it (tests: the wake-up races). */
    InterruptLine intrPin(int i) {
        return wiring[i];
    }

    /** The vcpu's time goes on (nothing else is deferred: the P2M of an HVM domain never changes). */
    @Override
    public void scheduledIn(VcpuImpl v) {
        platform.vcpuScheduledIn(v.id());
    }

    /** Preempted or paused (not blocked, not down): the vcpu's time stops until it runs; else it follows the host's. */
    @Override
    public void descheduled(VcpuImpl v) {
        platform.vcpuDescheduled(v.id(), v.online() && !v.blocked() && !v.domain().isStopped());
    }

    /**
     * On the vcpu's pCPU before its CPU runs: due device timers, then local-APIC events (INIT
     * resets the CPU, STARTUP starts a waiting one in real mode at the vector's page, NMI); a
     * vcpu still waiting for STARTUP goes (back) offline.
     */
    @Override
    public void beforeResume(VcpuImpl v) {
        v.flushIfRequested(); // the P2M changed (add_to_physmap)
        if (platform.timersDue(v.id())) {
            platform.runTimers(v.id());
        }
        Wiring w = wiring[v.id()];
        Runnable work = w.workForTests;
        if (work != null) {
            w.workForTests = null;
            hypervisorWork(v, work);
        }
        deliverUpcall(v, w);
        if (w.apicEvent) {
            apicEvents(v, w);
        }
        if (w.waitForSipi && v.online()) {
            synchronized (v) {
                if (w.apicEvent) return; // another event came in: look again
                v.setOnline(false);
            }
            host.blocked(v);
        }
    }

    private void apicEvents(VcpuImpl v, Wiring w) {
        int ev;
        int vector;
        platform.enter(v.id());
        try {
            w.apicEvent = false;
            LocalApic apic = platform.router().localApic(v.id());
            if (apic == null) return;
            ev = apic.takeEvents();
            vector = apic.startupVector() & 0xFF;
        } finally {
            platform.exit();
        }
        X86Cpu cpu = v.cpu();
        if ((ev & LocalApic.EVENT_INIT) != 0) {
            cpu.reset();
            w.waitForSipi = v.id() != 0;
        }
        if ((ev & LocalApic.EVENT_STARTUP) != 0 && w.waitForSipi) {
            cpu.reset();
            cpu.setSegment(X86Cpu.CS, new SegmentState(vector << 8, vector << 12, 0xFFFF, 0x9B));
            cpu.setEip(0);
            w.waitForSipi = false;
            platform.vcpuStarted(v.id());
            v.setInitialised();
        }
        if ((ev & LocalApic.EVENT_NMI) != 0 && !w.waitForSipi) {
            cpu.nmi();
        }
    }

    /**
     * HLT: with interrupts enabled the vcpu blocks until its INTR rises or a local-APIC event
     * comes (Xen's hvm_hlt); with interrupts disabled it goes down, and when every vcpu is down
     * the domain powers off (hvm_vcpu_down: "All CPUs offline -- powering off").
     */
    @Override
    public void halted(VcpuImpl v) {
        Wiring w = wiring[v.id()];
        if ((v.cpu().eflags() & EFLAGS_IF) == 0) {
            v.setOnline(false);
            host.blocked(v);
            DomainImpl d = v.domain();
            for (int i = 0; i < d.vcpuCount(); i++) {
                if (d.vcpu(i).online()) return;
            }
            d.log("all vcpus halted with interrupts disabled (offline): powering off");
            d.shutdown(ShutdownReason.POWEROFF);
            return;
        }
        if (v.blockUnless(w.pending)) {
            host.blocked(v);
        }
    }

    @Override
    public void domainDestroyed(DomainImpl d) {
        platform.close();
        for (Wiring w : wiring) {
            if (w != null && w.linearSpace != 0) {
                host.guestMemory().unregister(w.linearSpace);
                w.linearSpace = 0;
            }
        }
    }

    // ---- save and restore ----

    /** Vcpu {@code v}'s state (the domain paused: its CPU between instructions). */
    public HvmCpuRecord saveVcpu(VcpuImpl v) {
        Wiring w = wiring[v.id()];
        int flags = (v.online() ? HvmCpuRecord.FLAG_ONLINE : 0) | (v.initialised() ? HvmCpuRecord.FLAG_INITIALISED : 0)
                | (w.waitForSipi ? HvmCpuRecord.FLAG_WAIT_SIPI : 0);
        return HvmCpuRecord.capture(v.cpu(), flags);
    }

    /**
     * Sets a restored vcpu from its record (the domain's memory and devices loaded); the
     * vcpu comes online, initialised or waiting for STARTUP as saved.
     *
     * @throws IllegalArgumentException naming the vcpu and field the record gets wrong
     */
    public void loadVcpu(VcpuImpl v, HvmCpuRecord r) {
        r.apply(v.cpu(), v.toString());
        int flags = r.flags();
        Wiring w = wiring[v.id()];
        w.waitForSipi = (flags & HvmCpuRecord.FLAG_WAIT_SIPI) != 0;
        if ((flags & HvmCpuRecord.FLAG_INITIALISED) != 0) v.setInitialised();
        v.setOnline((flags & HvmCpuRecord.FLAG_ONLINE) != 0);
        v.cpu().flushTlb();
    }

    // ---- Xen's HVM platform interface ----

    /**
     * A guest-linear address of the vcpu as its kernel would access it (its paging mode, CR0.WP)
     * to a machine address through the P2M; -1 if the access would fault or the page has no
     * frame (a device window, a hole); {@link GuestMemory#DISCARD_WRITE} for a store to a read-only
     * grant mapping. On the vcpu's own pCPU (a hypercall of its own).
     */
    private long machineAddress(VcpuImpl v, int va, boolean write) {
        long pa = v.cpu().translateLinear(va, write, false);
        if (pa < 0 || pa >= 1L << 32) return -1;
        DomainMemory dm = v.domain().memory();
        int gfn = (int) (pa >>> 12);
        int mfn = dm.p2m(gfn);
        if (mfn < 0) return -1;
        // a read-only grant mapping: __hvm_copy drops the store (p2m_is_discard_write)
        if (write && dm.isReadOnlyGfn(gfn)) return GuestMemory.DISCARD_WRITE;
        return ((long) mfn << 12) | (pa & 0xFFF);
    }

    /**
     * WRMSR of the hypercall-page MSR (Xen's guest_wrmsr_xen): the guest page the value names
     * (page index 0, a page of the domain) becomes the hypercall page; anything else is #GP.
     */
    private boolean writeHypercallPage(VcpuImpl v, long value) {
        if ((value & 0xFFF) != 0 || (value >>> 12) >= 1L << 20) return false;
        int gpfn = (int) (value >>> 12);
        DomainImpl d = v.domain();
        int mfn = d.memory().p2m(gpfn);
        if (mfn < 0) {
            d.log(String.format("wrmsr hypercall page: bad GMFN %#x", gpfn));
            return false;
        }
        synchronized (d.pool()) {
            if (d.pool().owner(mfn) != d.id()) return false;
            HvmHypercallPage.fill(d.ram(), (long) mfn << 12);
        }
        v.cpu().invalidateCode((long) gpfn << 12, 4096);
        return true;
    }

    /** After a hypercall: as after a PV one, the slice may end; else events are looked at before the guest runs on. */
    private ExitAction afterHypercall(VcpuImpl v) {
        if (v.endSlice || v.preemptPoint || v.domain().isStopped()) return ExitAction.STOP;
        beforeResume(v);
        return v.domain().isStopped() ? ExitAction.STOP : ExitAction.RESUME;
    }

    /**
     * Whether an upcall is pending that the callback via has not delivered yet: the vector form
     * with {@code v}'s upcall_pending set, or the GSI / PCI INTx form with vcpu 0's set and the
     * line still low (it rises in {@link #deliverUpcall}).
     */
    private boolean upcallNotYetDelivered(VcpuImpl v) {
        CallbackVia via = platform.callbackVia();
        return switch (via.type()) {
            case VECTOR -> upcallPending(v);
            case GSI, PCI_INTX -> !via.asserted() && upcallPending(v.domain().vcpu(0));
            case NONE -> false;
        };
    }

    /** Whether {@code v}'s vcpu_info has evtchn_upcall_pending (false before the domain has a shared_info). */
    private static boolean upcallPending(VcpuImpl v) {
        DomainImpl d = v.domain();
        if (d.sharedInfoMfn() < 0) return false;
        return d.ram().read8(v.vcpuInfoAddress() + SharedInfo.VI_UPCALL_PENDING) != 0;
    }

    /**
     * The event-channel upcall on the way into guest code (Xen's hvm_assert_evtchn_irq and
     * hvm_maybe_deassert_evtchn_irq): the GSI and PCI INTx forms drive their line with vcpu 0's
     * upcall_pending, the vector form raises this vcpu's INTR while its own is set.
     */
    private void deliverUpcall(VcpuImpl v, Wiring w) {
        CallbackVia via = platform.callbackVia();
        CallbackVia.Type t = via.type();
        boolean vec = t == CallbackVia.Type.VECTOR && upcallPending(v);
        if (vec != w.upcallVector) {
            w.upcallVector = vec;
            v.cpu().intr().set(w.intr || vec);
        }
        if (t == CallbackVia.Type.GSI || t == CallbackVia.Type.PCI_INTX) {
            boolean p0 = upcallPending(v.domain().vcpu(0));
            if (p0 != via.asserted()) platform.evtchnLevel(p0);
        }
    }
}
