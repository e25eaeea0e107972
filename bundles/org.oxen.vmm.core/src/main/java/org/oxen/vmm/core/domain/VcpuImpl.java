package org.oxen.vmm.core.domain;

import java.util.function.Function;

import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.VcpuData;
import org.oxen.vmm.api.Vcpu;
import org.oxen.vmm.core.arch.VcpuArch;
import org.oxen.x86.cpu.X86Cpu;

/**
 * A virtual CPU (struct vcpu): its X86Cpu (on machine memory), its scheduling, blocking and
 * runstate, its timers, and the state of its architecture ({@link #archState()}: for a PV vcpu
 * {@code arch.pv.PvVcpu}, the trap table, callbacks, descriptor tables and CR3), which only
 * the {@link VcpuArch} it was created by and the paths of that kind of guest use.
 *
 * <p>Threading: the per-vcpu hypercall state is touched only by the pCPU thread running the
 * vcpu (hypercalls, exits) or while the vcpu is known not to run (builder, destroy). The scheduling flags are
 * volatile and changed under the scheduler's lock; the monitor guards the scheduler pause count
 * (a leaf of the lock order stated in the {@link org.oxen.vmm.core} package documentation).
 */
public final class VcpuImpl implements Vcpu, SchedVcpu {

    public static final int CR0_PE = 1, CR0_MP = 2, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20, CR0_WP = 0x10000, CR0_AM = 0x40000,
            CR0_PG = 0x80000000;
    public static final int CR4_PAE = 0x20, CR4_OSFXSR = 0x200;
    public static final int EFLAGS_IF = 0x200;

    private final DomainImpl domain;
    private final int id;
    private final X86Cpu cpu;

    /** Set by a hypercall or exit that must end the time slice (yield, block, shutdown). */
    public boolean endSlice;
    /**
     * Set by a hypercall continuation: the vcpu leaves guest code for its pCPU's loop, which
     * looks at the slice's budget, due timers and tickles (Xen: the softirqs a preempted
     * hypercall lets run on its way back to the guest) and runs it on if nothing wants the
     * pCPU, so a domain in long hypercalls keeps its share. Cleared by the pCPU.
     */
    public boolean preemptPoint;
    /** System time at which the running hypercall was entered (its preemption check). */
    public long hypercallStartNs;
    /** A hypercall inside a multicall continued itself: its new arguments (a1..a4) for the entry. */
    public boolean mcContinuation;
    public final int[] mcContinuationArgs = new int[4];
    /** Bytes of the instruction that made the running hypercall (int $0x82: 2, VMCALL/VMMCALL: 3): a continuation re-executes it. */
    public int hypercallInsnLength = 2;
    /**
     * The {@code GuestMemory.LinearSpace} handle hypercalls of this vcpu name guest addresses
     * by (an HVM vcpu: its own paging over the P2M), or 0: its CR3 (PV).
     */
    public int linearSpace;
    /** Metrics: hypercalls, exits, upcalls, events sent (single writer: the pCPU running this vcpu). */
    public final VcpuCounters counters;
    /** Set by SCHEDOP_yield: the pCPU calls the scheduler's yield before its next decision. */
    public volatile boolean yieldRequested;

    private volatile boolean online;
    /** Xen's is_initialised: vcpu 0 by the builder, others by VCPUOP_initialise. */
    private volatile boolean initialised;
    private volatile boolean blocked;
    private volatile boolean running;
    private volatile boolean tlbFlushPending;
    /** Whether the vcpu executes guest instructions (not hypervisor code): see {@link #enterGuest}. */
    private volatile boolean inGuest;
    private final java.util.concurrent.atomic.AtomicLong tlbFlushRequests = new java.util.concurrent.atomic.AtomicLong();
    /** VCPUOP_register_vcpu_info: vcpu_info's machine address and frame, -1 for the legacy slot. */
    private volatile long vcpuInfoMa = -1;
    private volatile int vcpuInfoMfn = -1;
    private volatile long cpuTime;
    private volatile int lastPcpu = -1;
    /** Hard affinity (Xen's cpu_hard_affinity); changed only by CpuPools with the domain paused. */
    private volatile CpuMask affinity = CpuMask.all();

    // ---- scheduling (org.oxen.sched.api): changed under the scheduler's lock or the core's sched lock
    /** The scheduler instance and its private data for this vcpu, attached together (one read sees both). */
    private record Slot(Scheduler<?, ?> scheduler, VcpuData data) {
    }

    private static final Slot NO_SLOT = new Slot(null, null);
    private volatile Slot slot = NO_SLOT;
    /** Xen's v->processor. */
    private volatile int processor;
    /** Pauses taken by a scheduler through {@link #pause()} (Credit's cap parking). */
    private int schedPauses;

    private final VcpuArch arch;
    private final VcpuArch.State archState;

    /** A vcpu of {@code domain} whose architecture state {@code state} makes (given this vcpu). */
    public VcpuImpl(DomainImpl domain, int id, X86Cpu cpu, VcpuArch arch, Function<VcpuImpl, VcpuArch.State> state) {
        this.domain = domain;
        this.id = id;
        this.cpu = cpu;
        this.arch = arch;
        this.counters = new VcpuCounters(domain.metrics);
        this.archState = state.apply(this);
    }

    private org.oxen.vmm.core.time.VcpuTimers timers;

    /** The vcpu's single-shot and periodic timers (set once, at creation). */
    public org.oxen.vmm.core.time.VcpuTimers timers() {
        return timers;
    }

    public void setTimers(org.oxen.vmm.core.time.VcpuTimers t) {
        timers = t;
    }

    /** The architecture seam this vcpu runs under (PV today). */
    public VcpuArch arch() {
        return arch;
    }

    /** The architecture's own state of this vcpu (Xen's v-&gt;arch.pv or .hvm): see the arch packages. */
    public VcpuArch.State archState() {
        return archState;
    }

    public DomainImpl domain() {
        return domain;
    }

    public X86Cpu cpu() {
        return cpu;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public boolean online() {
        return online;
    }

    public void setOnline(boolean on) {
        online = on;
    }

    public boolean initialised() {
        return initialised;
    }

    public void setInitialised() {
        initialised = true;
    }

    @Override
    public boolean running() {
        return running;
    }

    public void setRunning(boolean r, int pcpu) {
        running = r;
        if (r) lastPcpu = pcpu;
        updateRunstate();
    }

    // ---- runstate (Xen's vcpu_runstate_change), under the monitor

    private int runstate = org.oxen.vmm.abi.VcpuOp.RUNSTATE_OFFLINE;
    private long runstateEntry;
    private final long[] runstateTime = new long[4];
    /** VCPUOP_register_runstate_memory_area: the guest's copy, 0 for none. */
    private volatile int runstateArea;

    /** The state the vcpu is in now: running, runnable, blocked (on events) or offline (down, paused). */
    private int currentRunstate() {
        if (running) return org.oxen.vmm.abi.VcpuOp.RUNSTATE_RUNNING;
        if (blocked && online) return org.oxen.vmm.abi.VcpuOp.RUNSTATE_BLOCKED;
        return isRunnable() ? org.oxen.vmm.abi.VcpuOp.RUNSTATE_RUNNABLE : org.oxen.vmm.abi.VcpuOp.RUNSTATE_OFFLINE;
    }

    /** Accounts the time spent in the previous state and enters the current one. */
    public void updateRunstate() {
        int s = currentRunstate();
        synchronized (this) {
            if (s == runstate) return;
            long now = domain.clock().nanos();
            runstateTime[runstate] += now - runstateEntry;
            runstate = s;
            runstateEntry = now;
        }
    }

    /** {state, state_entry_time, time[0..3]} with the current state's time counted up to now. */
    public synchronized long[] runstateInfo() {
        long now = domain.clock().nanos();
        long[] r = {runstate, runstateEntry, runstateTime[0], runstateTime[1], runstateTime[2], runstateTime[3]};
        r[2 + runstate] += now - runstateEntry;
        return r;
    }

    /** Writes struct vcpu_runstate_info (i386: 44 bytes, the uint64s 4-aligned) at {@code va} (GuestFault if it cannot). */
    public void writeRunstate(org.oxen.vmm.core.guest.GuestMemory g, int cr3, int va) {
        long[] info = runstateInfo();
        g.write32(cr3, va + org.oxen.vmm.abi.VcpuOp.RUNSTATE_STATE, (int) info[0]);
        g.write64(cr3, va + org.oxen.vmm.abi.VcpuOp.RUNSTATE_ENTRY_TIME, info[1]);
        for (int i = 0; i < 4; i++) {
            g.write64(cr3, va + org.oxen.vmm.abi.VcpuOp.RUNSTATE_TIME + 8 * i, info[2 + i]);
        }
    }

    public int runstateArea() {
        return runstateArea;
    }

    public void setRunstateArea(int va) {
        runstateArea = va;
    }

    // ---- SchedVcpu ----

    public Scheduler<?, ?> scheduler() {
        return slot.scheduler();
    }

    public VcpuData schedData() {
        return slot.data();
    }

    /** Attach the private data of {@code s} (DomainMove step 4, or insertion). */
    public void attach(Scheduler<?, ?> s, VcpuData data) {
        slot = s == null ? NO_SLOT : new Slot(s, data);
    }

    /** The scheduler hears that this vcpu sleeps (no-op if none is attached). */
    public void schedSleep() {
        Slot sl = slot;
        if (sl.scheduler() != null) sl.scheduler().sleep(sl.data());
    }

    /** The scheduler hears that this vcpu woke (no-op if none is attached). */
    public void schedWake() {
        Slot sl = slot;
        if (sl.scheduler() != null) sl.scheduler().wake(sl.data());
    }

    /** Xen's vcpu_runnable: online, not blocked, no scheduler pause, its domain schedulable. */
    @Override
    public boolean isRunnable() {
        synchronized (this) {
            if (schedPauses > 0) return false;
        }
        return runnable() && domain.schedulable();
    }

    @Override
    public int processor() {
        return processor;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public CpuMask affinity() {
        return affinity;
    }

    /** Sets the hard affinity; the caller (CpuPools) has the domain paused and re-picks the pCPU. */
    public void setAffinity(CpuMask mask) {
        affinity = mask;
    }

    @Override
    public void setProcessor(int cpu) {
        if (running && cpu != processor) {
            throw new IllegalStateException(this + " runs on pCPU " + processor + ": cannot move it to " + cpu);
        }
        processor = cpu;
    }

    /** Credit's cap parking: the vcpu stops being runnable; the scheduler hears sleep at once. */
    @Override
    public void pause() {
        boolean was = isRunnable();
        synchronized (this) {
            schedPauses++;
        }
        if (was) {
            schedSleep();
            if (running) cpu.requestStop();
        }
    }

    @Override
    public void unpause() {
        synchronized (this) {
            if (schedPauses == 0) throw new IllegalStateException(this + ": unpause without pause");
            schedPauses--;
        }
        if (isRunnable()) schedWake();
    }

    @Override
    public boolean blocked() {
        return blocked;
    }

    public void setBlocked(boolean b) {
        blocked = b;
    }

    /**
     * Xen's local_events_need_delivery: evtchn_upcall_pending set and evtchn_upcall_mask clear
     * (one volatile read of the vcpu_info dword holding both bytes).
     */
    public boolean eventsNeedDelivery() {
        int w = domain.ram().readVolatile32(vcpuInfoAddress() + org.oxen.vmm.abi.SharedInfo.VI_UPCALL_PENDING);
        return (w & 0xFF) != 0 && (w & 0xFF00) == 0;
    }

    /**
     * do_block's atomic half: marks the vcpu blocked unless an event needs delivery already.
     * The check and the flag change happen under this monitor, and {@link #kick} clears the flag
     * under it after making an event pending, so no wake-up is lost between the two. Returns
     * whether the vcpu blocked (the caller then tells the scheduler it sleeps).
     */
    public boolean blockUnlessEventsPending() {
        synchronized (this) {
            if (eventsNeedDelivery()) return false;
            blocked = true;
        }
        return true;
    }

    /**
     * An HVM vcpu's HLT: marks the vcpu blocked unless {@code pending} (checked under this
     * monitor; a waker sets what it reads first, then {@link #unblock}s under it, so no wake-up
     * is lost). Returns whether the vcpu blocked.
     */
    public boolean blockUnless(java.util.function.BooleanSupplier pending) {
        synchronized (this) {
            if (pending.getAsBoolean()) return false;
            blocked = true;
        }
        return true;
    }

    /** SCHEDOP_poll: 0 not polling, -1 any port, else the one port polled (under the monitor). */
    /** The port of a one-port poll, ANY_PORT for several, NOT_POLLING (port 0 is a port to poll too). */
    private int pollPort = NOT_POLLING;
    private static final int ANY_PORT = -1, NOT_POLLING = -2;
    /** The ports of the poll in progress (SCHEDOP_poll allows 128), reused. */
    private int[] pollPorts;

    /** A buffer for the ports of a poll (pCPU thread of this vcpu only). */
    public int[] pollPortsBuffer() {
        if (pollPorts == null) pollPorts = new int[128];
        return pollPorts;
    }

    /**
     * do_poll's atomic half: blocks polling {@code ports[0..nr)} unless an event needs delivery
     * or one of them is pending (checked under this monitor, after the domain's poller count was
     * raised, so a sender either sees the poll or the poller sees its event). Returns whether
     * the vcpu blocked.
     */
    public boolean blockPolling(int[] ports, int nr) {
        synchronized (this) {
            if (eventsNeedDelivery()) return false;
            for (int i = 0; i < nr; i++) {
                if (domain.events().isPending(ports[i])) return false;
            }
            pollPort = nr == 1 ? ports[0] : ANY_PORT;
            blocked = true;
        }
        return true;
    }

    /**
     * evtchn_check_pollers for one vcpu: {@code port} became pending (-1: the poll timed out);
     * a vcpu polling it (or any port) stops polling and wakes. Returns whether it was polling.
     */
    public boolean wakePoller(int port) {
        boolean wake;
        synchronized (this) {
            if (pollPort == NOT_POLLING || (port >= 0 && pollPort != ANY_PORT && pollPort != port)) return false;
            pollPort = NOT_POLLING;
            wake = blocked;
            blocked = false;
        }
        domain.pollers.decrementAndGet();
        if (port >= 0) timers.stopPollTimeout();
        updateRunstate();
        if (wake && isRunnable()) schedWake();
        return true;
    }

    /** vcpu_unblock's flag change: returns whether the vcpu was blocked. */
    public boolean unblock() {
        boolean wasPolling;
        synchronized (this) {
            if (!blocked) return false;
            blocked = false;
            wasPolling = pollPort != NOT_POLLING;
            pollPort = NOT_POLLING;
        }
        if (wasPolling) {
            // an upcall ended a poll: the poll's state and timeout go with it
            domain.pollers.decrementAndGet();
            timers.stopPollTimeout();
        }
        return true;
    }

    /**
     * vcpu_kick, after an event became pending for this vcpu: a blocked vcpu wakes (the
     * scheduler hears it), a running one leaves guest code at once so that the event is
     * delivered before it resumes (its pCPU checks on every resume).
     */
    public void kick() {
        if (unblock()) {
            updateRunstate();
            if (isRunnable()) schedWake();
        }
        if (running) cpu.requestStop();
    }

    private volatile long sliceStart;

    /** Accumulated time plus the running slice's time so far. */
    @Override
    public long cpuTimeNanos() {
        long start = sliceStart;
        return cpuTime + (start != 0 ? Math.max(0, domain.clock().nanos() - start) : 0);
    }

    /** The pCPU starts a slice of this vcpu (system time; never 0 while running). */
    public void sliceStarted(long now) {
        sliceStart = Math.max(1, now);
    }

    /** The slice that began at {@code start} ended at {@code now}. */
    public void sliceEnded(long start, long now) {
        cpuTime += now - start;
        sliceStart = 0;
    }

    @Override
    public long instructions() {
        return cpu.instructionCount();
    }

    @Override
    public long hypercalls(int nr) {
        return counters.hypercalls(nr);
    }

    @Override
    public long exits(org.oxen.vmm.api.VcpuExit reason) {
        return counters.exits(reason);
    }

    @Override
    public long upcalls() {
        return counters.upcalls();
    }

    @Override
    public long eventsSent() {
        return counters.eventsSent();
    }

    /** Read from RAM as the event paths read it (vcpu_info where it is, the words in shared_info). */
    @Override
    public java.util.Optional<org.oxen.vmm.api.VcpuEventState> eventState() {
        int si = domain.sharedInfoMfn();
        if (si < 0 || linearSpace != 0) return java.util.Optional.empty();
        org.oxen.x86.api.Ram ram = domain.ram();
        long vi = vcpuInfoAddress();
        java.util.List<Integer> pending = new java.util.ArrayList<>(), mask = new java.util.ArrayList<>();
        for (int w = 0; w < org.oxen.vmm.abi.EventChannel.NR_EVENT_CHANNELS_2L / 32; w++) {
            pending.add(ram.readVolatile32(((long) si << 12) + org.oxen.vmm.abi.SharedInfo.EVTCHN_PENDING + w * 4L));
            mask.add(ram.readVolatile32(((long) si << 12) + org.oxen.vmm.abi.SharedInfo.EVTCHN_MASK + w * 4L));
        }
        return java.util.Optional.of(new org.oxen.vmm.api.VcpuEventState(vi, vcpuInfoMfn >= 0, si,
                arch.virtualAddressesOf(this, vi >>> 12), ram.read8(vi + org.oxen.vmm.abi.SharedInfo.VI_UPCALL_PENDING),
                ram.read8(vi + org.oxen.vmm.abi.SharedInfo.VI_UPCALL_MASK),
                ram.readVolatile32(vi + org.oxen.vmm.abi.SharedInfo.VI_PENDING_SEL), pending, mask,
                counters.recentHypercalls()));
    }

    @Override
    public int lastPcpu() {
        return lastPcpu;
    }

    /** Runnable as far as the vcpu itself is concerned (the domain's state is checked apart). */
    public boolean runnable() {
        return online && !blocked;
    }

    /**
     * Asks for a full TLB flush before the vcpu runs guest code again (another vcpu changed page
     * tables); a running vcpu leaves guest code at once to do it (Xen's flush IPI).
     */
    public void requestTlbFlush() {
        tlbFlushRequests.incrementAndGet();
        tlbFlushPending = true;
        if (running) cpu.requestStop();
    }

    /**
     * On the vcpu's thread, just before guest instructions run (a CPU run, or the return from an
     * exit): from here on a TLB shootdown waits for this vcpu; one asked before is done now.
     * (Dekker: this writes inGuest then reads the pending flag; {@link #requestGuestFlush}
     * writes the flag then reads inGuest, so one of the two sees the other.)
     */
    public void enterGuest() {
        inGuest = true;
        if (tlbFlushPending) flushIfRequested();
    }

    /** On the vcpu's thread, when guest instructions stop (an exit, or the end of a CPU run). */
    public void leaveGuest() {
        inGuest = false;
    }

    /**
     * A TLB shootdown's request (under the mm lock, {@code DomainImpl.tlbShootdown}): the vcpu
     * flushes before it runs guest code again; only one executing guest code is stopped for it.
     */
    public void requestGuestFlush() {
        tlbFlushRequests.incrementAndGet();
        tlbFlushPending = true;
        if (inGuest && running) cpu.requestStop();
    }

    /** Whether the vcpu may still execute guest code through a TLB a shootdown asked it to flush. */
    public boolean guestFlushOutstanding() {
        return tlbFlushPending && inGuest && running;
    }

    /** How many times another vcpu asked this one to flush its TLB (tests see which vcpus a flush reached). */
    public long tlbFlushRequests() {
        return tlbFlushRequests.get();
    }

    /** Whether a requested flush is still to be done while the vcpu runs (the requester waits). */
    public boolean tlbFlushOutstanding() {
        return tlbFlushPending && running;
    }

    /** On the vcpu's thread: performs a pending flush. */
    public void flushIfRequested() {
        if (tlbFlushPending) {
            tlbFlushPending = false;
            cpu.flushTlb();
        }
    }

    /**
     * Machine address of this vcpu's vcpu_info: its legacy slot in shared_info, or where
     * VCPUOP_register_vcpu_info moved it (Xen's v-&gt;vcpu_info_area).
     */
    public long vcpuInfoAddress() {
        long a = vcpuInfoMa;
        return a >= 0 ? a : ((long) domain.sharedInfoMfn() << 12) + org.oxen.vmm.abi.SharedInfo.vcpuInfo(id);
    }

    /** The frame VCPUOP_register_vcpu_info moved vcpu_info into (a writable type reference held), or -1. */
    public int vcpuInfoFrame() {
        return vcpuInfoMfn;
    }

    /**
     * vcpu_info moves to machine address {@code ma} in frame {@code mfn} (the caller holds the
     * vcpu paused or is the vcpu, under the domain lock, and took the frame's references).
     */
    public void moveVcpuInfo(int mfn, long ma) {
        vcpuInfoMfn = mfn;
        vcpuInfoMa = ma;
    }

    public int upcallMask() {
        return domain.ram().read8(vcpuInfoAddress() + org.oxen.vmm.abi.SharedInfo.VI_UPCALL_MASK);
    }

    public void setUpcallMask(int m) {
        domain.ram().write8(vcpuInfoAddress() + org.oxen.vmm.abi.SharedInfo.VI_UPCALL_MASK, m);
    }

    @Override
    public String toString() {
        return "d" + domain.id() + "v" + id;
    }
}
