package org.oxen.vmm.core.domain;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.SchedDomain;
import org.oxen.vmm.abi.Sched;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.PvConsoleRing;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.Vcpu;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.x86.api.Ram;

/**
 * A domain (struct domain): identity, memory, vcpus, console, and the lifecycle state.
 *
 * <p>Lifecycle: built (paused by the builder) -> running (pause count 0) -> shut down (the
 * guest's SCHEDOP_shutdown, reason recorded) or crashed (by the hypervisor, message recorded)
 * -> dying (destroy in progress) -> gone. Locking: state changes happen under this object's
 * monitor (a leaf of the lock order stated in the {@link org.oxen.vmm.core} package
 * documentation); waiters use {@link #awaitShutdown}.
 */
public final class DomainImpl implements Domain, SchedDomain {

    /** Callbacks into the hypervisor (events, scheduling) without a package cycle. */
    public interface Owner {
        FramePool pool();

        /** System time (also what CPU time is accounted in). */
        org.oxen.x86.api.Clock clock();

        void domainStopped(DomainImpl d, boolean crashed, String detail);

        void log(String line);

        /** Domain-0's foreign mappings of the domain's frames now. */
        int foreignMappings(int domid);

        /** The hypervisor's trace buffers. */
        org.oxen.vmm.core.trace.TraceBuffers trace();

        /** Whether the hypervisor counts for metrics now. */
        MetricsSwitch metrics();
    }

    /** The hypervisor's trace buffers (trace points reach them through their domain). */
    public final org.oxen.vmm.core.trace.TraceBuffers trace;
    /** The hypervisor's metrics switch (this domain's and its vcpus' counts check it). */
    public final MetricsSwitch metrics;

    private final Owner owner;
    private final int id;
    private volatile String name;
    private final String cmdline;
    /** Xen's max_pages × 4 (KiB): set at creation and by XEN_DOMCTL_max_mem ({@link #setMaxMemoryKiB}). */
    private volatile long maxMemKiB;
    private final DomainMemory memory;
    private final ConsoleRing console = new ConsoleRing(64 * 1024);
    private VcpuImpl[] vcpus = new VcpuImpl[0];
    private int sharedInfoMfn = -1;
    private volatile org.oxen.vmm.core.grant.GrantTable grants;
    private java.util.UUID uuid = java.util.UUID.randomUUID();
    /** start_info's store_mfn and store_evtchn (the builder sets them); -1 before. */
    private int storeMfn = -1;
    private int storeEvtchn = -1;
    /**
     * Xen's d-&gt;domain_lock: serialises vcpu initialise/up/down of this domain; the mm lock may
     * be taken under it (lock order: the {@link org.oxen.vmm.core} package documentation).
     */
    public final Object domainLock = new Object();
    /**
     * Xen's d-&gt;hypercall_deadlock_mutex: held (tryLock only) by a vcpu of this domain while it
     * pauses another of its vcpus in a hypercall, so two vcpus never wait for each other; a
     * vcpu that cannot take it continues its hypercall later.
     */
    public final java.util.concurrent.locks.ReentrantLock hypercallDeadlockMutex =
            new java.util.concurrent.locks.ReentrantLock();
    /**
     * Metrics: ports newly set pending in this domain (any sender, any thread: atomic, never
     * locked), counted while {@link #metrics} is on ({@link #eventDelivered}).
     */
    private final java.util.concurrent.atomic.AtomicLong eventsDelivered = new java.util.concurrent.atomic.AtomicLong();
    /**
     * Vcpus in SCHEDOP_poll or about to be (Xen's d-&gt;poll_mask, as a count): a sender looks at
     * the pollers only when it is non-zero. Raised before the poller checks for pending ports.
     */
    public final java.util.concurrent.atomic.AtomicInteger pollers = new java.util.concurrent.atomic.AtomicInteger();
    /** vm_assist bits. */
    public volatile int vmAssist;
    /** Shadow paging when the domain is in shadow mode (changed under the mm lock, domain paused), else null. */
    public volatile org.oxen.vmm.core.paging.ShadowPaging shadow;
    /** The debugger attached to this domain ({@code xl debug}), or null. */
    private volatile DomainDebugger debugger;

    private int pauseCount;
    private boolean shutdown;
    private boolean crashed;
    private boolean dying;
    /** Serializes destroy steps (Vmm.destroy); {@link #destroyed} once they all ran. */
    public final Object destroyLock = new Object();
    public boolean destroyed;
    private ShutdownReason reason;
    /** Xen's d->shutdown_code: -1 (SHUTDOWN_CODE_INVALID) until set. */
    private int shutdownCode = -1;
    private String crashMessage;

    public DomainImpl(Owner owner, int id, String name, String cmdline, int maxPages, long maxMemKiB) {
        this.owner = owner;
        this.trace = owner.trace();
        this.metrics = owner.metrics();
        this.id = id;
        this.name = name;
        this.cmdline = cmdline;
        this.maxMemKiB = maxMemKiB;
        this.memory = new DomainMemory(id, maxPages);
        this.memory.setTlbShootdown(this::tlbShootdown);
        this.pauseCount = 1; // the builder's pause
    }

    /**
     * Every vcpu flushes its TLB before it runs guest code again, and those executing guest code
     * now are stopped and waited for (Xen's flush_tlb_mask in get_page_type). Called under the
     * mm lock: only vcpus in guest code are waited for, and they stop without taking it; a vcpu
     * in the hypervisor (perhaps waiting for the lock) flushes when it enters guest code.
     */
    private void tlbShootdown() {
        int n = vcpuCount();
        for (int i = 0; i < n; i++) {
            VcpuImpl v = vcpu(i);
            if (v != null) v.requestGuestFlush();
        }
        for (int i = 0; i < n; i++) {
            VcpuImpl v = vcpu(i);
            while (v != null && v.guestFlushOutstanding()) Thread.onSpinWait();
        }
    }

    /** The domain's grant table (set once at creation). */
    public org.oxen.vmm.core.grant.GrantTable grants() {
        return grants;
    }

    public void setGrants(org.oxen.vmm.core.grant.GrantTable gt) {
        this.grants = gt;
    }

    public FramePool pool() {
        return owner.pool();
    }

    public DomainDebugger debugger() {
        return debugger;
    }

    /** Attaches {@code d} if no debugger is attached (or detaches with null); false if another one is. */
    public synchronized boolean setDebugger(DomainDebugger d) {
        if (d != null && debugger != null && debugger != d) return false;
        debugger = d;
        return true;
    }

    public org.oxen.x86.api.Clock clock() {
        return owner.clock();
    }

    /** The domain's time if it is deterministic ({@code GuestClock.INSTRUCTIONS}), else null. */
    private org.oxen.vmm.core.time.DeterministicTime deterministicTime;

    /** Before the vcpus are created: the domain's time is its instruction count. */
    public void setDeterministicTime(org.oxen.vmm.core.time.DeterministicTime t) {
        deterministicTime = t;
    }

    /** The domain's deterministic time, or null when it runs on system time. */
    public org.oxen.vmm.core.time.DeterministicTime deterministicTime() {
        return deterministicTime;
    }

    /**
     * Time as vcpu {@code vcpu} of this domain sees it (its RDTSC, its timers' deadlines):
     * system time, or the domain's instruction time when it is deterministic. Accounting (CPU
     * time, runstate) stays in system time ({@link #clock()}).
     */
    public org.oxen.x86.api.Clock guestClock(int vcpu) {
        org.oxen.vmm.core.time.DeterministicTime t = deterministicTime;
        return t == null ? owner.clock() : t.clockOf(vcpu);
    }

    public Ram ram() {
        return owner.pool().ram();
    }

    public DomainMemory memory() {
        return memory;
    }

    public ConsoleRing console() {
        return console;
    }

    private final StringBuilder consoleLine = new StringBuilder();

    /**
     * console_io output: into the domain's console ring, and line by line into the hypervisor
     * log as "(dN) text", as Xen's guest_console_write does for `xl dmesg`.
     */
    public void consoleWrite(byte[] b, int off, int len) {
        console.append(b, off, len);
        synchronized (consoleLine) {
            for (int i = 0; i < len; i++) {
                char c = (char) (b[off + i] & 0xFF);
                if (c == '\n' || consoleLine.length() >= 256) {
                    owner.log("(d" + id + ") " + consoleLine);
                    consoleLine.setLength(0);
                    if (c == '\n') continue;
                }
                if (c >= 0x20 && c < 0x7F || c == '\t') consoleLine.append(c);
            }
        }
    }

    public void setVcpus(VcpuImpl[] v) {
        vcpus = v;
    }

    private org.oxen.vmm.core.evtchn.EventChannels events;

    /** The domain's event channels (set once, after the vcpus). */
    public org.oxen.vmm.core.evtchn.EventChannels events() {
        return events;
    }

    public void setEvents(org.oxen.vmm.core.evtchn.EventChannels e) {
        events = e;
    }

    /** The scheduler's private data for this domain (org.oxen.sched.api), and the pool id. */
    public volatile DomainData schedData;
    public volatile int poolId;

    public VcpuImpl vcpu(int i) {
        return i >= 0 && i < vcpus.length ? vcpus[i] : null;
    }

    public int vcpuCount() {
        return vcpus.length;
    }

    /**
     * After a change of the domain's guest-physical map (P2M entries, holes, grant mappings):
     * every vcpu drops its cached translations, {@code caller} (a vcpu of this domain making the
     * change, or null) at once on its own thread, the others before they next run guest code.
     */
    public void flushGuestPhysical(VcpuImpl caller) {
        for (VcpuImpl o : vcpus) {
            if (o == caller) {
                caller.cpu().flushTlb();
            } else {
                o.requestTlbFlush();
            }
        }
    }

    @Override
    public java.util.UUID uuid() {
        return uuid;
    }

    public void setUuid(java.util.UUID uuid) {
        this.uuid = java.util.Objects.requireNonNull(uuid, "uuid");
    }

    public int storeMfn() {
        return storeMfn;
    }

    public int storeEvtchn() {
        return storeEvtchn;
    }

    /** The store page and the guest's port for xenstored (the builder, before the domain runs). */
    public void setStore(int mfn, int evtchn) {
        storeMfn = mfn;
        storeEvtchn = evtchn;
    }

    private volatile PvConsoleRing consoleRing;

    /** Where the builder put the console ring (start_info's console.domU). */
    public void setConsoleRing(PvConsoleRing ring) {
        consoleRing = ring;
    }

    @Override
    public Optional<PvConsoleRing> consoleRing() {
        return Optional.ofNullable(consoleRing);
    }

    public int sharedInfoMfn() {
        return sharedInfoMfn;
    }

    public void setSharedInfoMfn(int mfn) {
        sharedInfoMfn = mfn;
    }

    public void log(String s) {
        owner.log("d" + id + ": " + s);
    }

    // ---- identity ----

    @Override
    public int id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    /** The hypervisor's rename (under its domain table's monitor, which keeps names unique). */
    public void setName(String name) {
        this.name = name;
    }

    @Override
    public String cmdline() {
        return cmdline;
    }

    @Override
    public long memoryPages() {
        return memory.totPages();
    }

    /** The config's memory (KiB), 0 when not given (a restored domain): then what it holds. */
    private volatile long configuredKiB;

    public void setConfiguredMemoryKiB(long kib) {
        configuredKiB = kib;
    }

    /**
     * Whether the domain is translated (paging_mode_translate: an HVM domain, whose frame numbers
     * in grant entries and memory_op lists are GFNs through its P2M).
     */
    public boolean translated() {
        return vcpuCount() > 0 && vcpu(0).arch() instanceof org.oxen.vmm.core.arch.hvm.HvmVcpuArch;
    }

    @Override
    public long configuredMemoryKiB() {
        long kib = configuredKiB;
        return kib != 0 ? kib : memoryKiB();
    }

    @Override
    public long maxMemoryKiB() {
        return maxMemKiB;
    }

    /**
     * XEN_DOMCTL_max_mem: the new maximum, in whole pages; callers hold the mm lock (the
     * {@link FramePool} monitor) so an allocation checks against one value.
     */
    public void setMaxMemoryKiB(long kib) {
        maxMemKiB = kib & ~3L;
    }

    @Override
    public List<Vcpu> vcpus() {
        return List.of(vcpus);
    }

    @Override
    public long eventsDelivered() {
        return eventsDelivered.get();
    }

    /** A port of this domain newly set pending (counted while metrics are on). */
    public void eventDelivered() {
        if (metrics.on()) eventsDelivered.incrementAndGet();
    }

    @Override
    public long grantedPagesMapped() {
        org.oxen.vmm.core.grant.GrantTable g = grants;
        return g == null ? 0 : g.pinnedEntries();
    }

    @Override
    public long grantMapsHeld() {
        org.oxen.vmm.core.grant.GrantTable g = grants;
        return g == null ? 0 : g.mapsHeld();
    }

    @Override
    public long foreignPagesMapped() {
        return owner.foreignMappings(id);
    }

    @Override
    public long cpuTimeNanos() {
        long t = 0;
        for (VcpuImpl v : vcpus) t += v.cpuTimeNanos();
        return t;
    }

    // ---- state ----

    @Override
    public synchronized DomainState state() {
        if (dying) return DomainState.DYING;
        if (crashed) return DomainState.CRASHED;
        if (shutdown) return DomainState.SHUTDOWN;
        if (pauseCount > 0) return DomainState.PAUSED;
        for (VcpuImpl v : vcpus) {
            if (v.online() && !v.blocked()) return DomainState.RUNNING;
        }
        return DomainState.BLOCKED;
    }

    /** Vcpus of this domain may be scheduled. */
    public synchronized boolean schedulable() {
        return pauseCount == 0 && !shutdown && !dying;
    }

    public synchronized boolean isDying() {
        return dying;
    }

    public synchronized boolean isStopped() {
        return shutdown || dying;
    }

    public synchronized void pause() {
        pauseCount++;
    }

    /** Returns true when the domain became unpaused. */
    public synchronized boolean unpause() {
        if (pauseCount == 0) throw new IllegalStateException("domain " + id + " is not paused");
        return --pauseCount == 0;
    }

    public synchronized void setDying() {
        dying = true;
        notifyAll();
    }

    /** SCHEDOP_shutdown with a known reason. */
    public void shutdown(ShutdownReason r) {
        shutdown(r.code());
    }

    /**
     * domain_shutdown(d, (u8)code): a code set earlier by SCHEDOP_shutdown_code wins; the first
     * shutdown counts. Codes beyond SHUTDOWN_MAX are accepted as Xen accepts them: the domain
     * shuts down with no {@link #shutdownReason()} and the code in {@link #shutdownCode()}.
     */
    public void shutdown(int requested) {
        int code;
        ShutdownReason r;
        synchronized (this) {
            if (shutdown) return;
            if (shutdownCode < 0) shutdownCode = requested & 0xFF;
            code = shutdownCode;
            r = code <= Sched.SHUTDOWN_MAX ? ShutdownReason.of(code) : null;
            shutdown = true;
            reason = r;
            crashed = r == ShutdownReason.CRASH;
        }
        String what = r != null ? r.name().toLowerCase() : "code " + code;
        log("shutdown: " + what);
        owner.domainStopped(this, crashed, what);
        wakeWaiters();
    }

    /**
     * domain_resume after a suspend that is cancelled (xc_domain_resume): the domain is no
     * longer shut down. False, changing nothing, unless it is suspended and not dying.
     */
    public synchronized boolean resumeFromSuspend() {
        if (!shutdown || reason != ShutdownReason.SUSPEND || dying) return false;
        shutdown = false;
        reason = null;
        crashed = false;
        shutdownCode = -1;
        return true;
    }

    /** SCHEDOP_shutdown_code: the code a later shutdown reports, unless one is set already. */
    public synchronized void setShutdownCode(int code) {
        if (shutdownCode < 0) shutdownCode = code & 0xFF;
    }

    /** The shutdown code (0..255) once set by a shutdown or SCHEDOP_shutdown_code, else -1. */
    public synchronized int shutdownCode() {
        return shutdownCode;
    }

    /** Waiters wake after the event is queued, so an event listener never lags a waiter's view. */
    private synchronized void wakeWaiters() {
        notifyAll();
    }

    /** domain_crash: the hypervisor kills the domain; {@code why} goes to the log. */
    public void crash(String why) {
        synchronized (this) {
            if (shutdown) return;
            shutdown = true;
            crashed = true;
            reason = ShutdownReason.CRASH;
            crashMessage = why;
        }
        log("crashed: " + why);
        owner.domainStopped(this, true, why);
        wakeWaiters();
    }

    @Override
    public synchronized Optional<ShutdownReason> shutdownReason() {
        return Optional.ofNullable(reason);
    }

    @Override
    public synchronized Optional<String> crashMessage() {
        return Optional.ofNullable(crashMessage);
    }

    @Override
    public synchronized boolean awaitShutdown(long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        while (!shutdown && !dying) {
            long left = end - System.nanoTime();
            if (left <= 0) return false;
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    // ---- console ----

    @Override
    public String consoleOutput() {
        return console.contents();
    }

    /** A serial console's receive queue: takes what fits, returns how much. */
    @FunctionalInterface
    public interface ConsoleKeys {
        int offer(byte[] b, int off, int len);
    }

    /** Where {@link #consoleInput} goes: an HVM domain's COM1 receive queue (set by its platform), or null. */
    private volatile ConsoleKeys consoleKeys;

    public void setConsoleKeys(ConsoleKeys keys) {
        consoleKeys = keys;
    }

    @Override
    public int consoleInput(byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        ConsoleKeys k = consoleKeys;
        return k == null ? 0 : k.offer(b, off, len);
    }

    @Override
    public void addConsoleListener(Consumer<String> listener) {
        console.addListener(listener);
    }

    @Override
    public void removeConsoleListener(Consumer<String> listener) {
        console.removeListener(listener);
    }

    @Override
    public String toString() {
        return "domain " + id + " (" + name + ")";
    }
}
