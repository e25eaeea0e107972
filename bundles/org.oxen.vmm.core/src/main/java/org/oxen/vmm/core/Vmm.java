package org.oxen.vmm.core;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainEvent;
import org.oxen.vmm.api.DomainListener;
import org.oxen.vmm.api.GuestClock;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.CpuPoolInfo;
import org.oxen.vmm.api.SchedulerInfo;
import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.core.arch.hvm.HvmVcpuArch;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.DomainIntroducer;
import org.oxen.vmm.core.domain.XenstoreIntroductions;
import org.oxen.vmm.core.arch.pv.PvVcpuArch;
import org.oxen.vmm.core.build.HvmBuilder;
import org.oxen.x86.api.device.DeviceFactory;
import org.oxen.vmm.core.build.DomainBuilder;
import org.oxen.vmm.core.build.DomainImageBuilder;
import org.oxen.vmm.core.evtchn.Dom0Events;
import org.oxen.vmm.core.mm.ForeignMappings;
import org.oxen.vmm.core.evtchn.EventChannels;
import org.oxen.vmm.core.domain.DomainDebugger;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.hypercall.HypercallDispatcher;
import org.oxen.vmm.core.hypercall.Services;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.sched.SchedCore;
import org.oxen.vmm.core.time.SystemTime;
import org.oxen.vmm.core.trap.PvExitHandler;
import org.oxen.vmm.core.trap.TrapBouncer;

/**
 * The hypervisor: machine memory, domains, pCPUs. Usable without OSGi (tests, benchmarks);
 * {@link HypervisorComponent} publishes it as the {@link Hypervisor} service.
 *
 * <p>Locking: the monitor guards the domain table (create, destroy); its place in the lock
 * order is stated once, in the {@link org.oxen.vmm.core} package documentation.
 */
public final class Vmm implements Hypervisor, org.oxen.vmm.api.DomainSaveRestore, Services, DomainImpl.Owner, SchedCore.Host, EventChannels.Directory,
        HvmVcpuArch.Host {

    /** Xen 4.1. */
    public static final int VERSION = 4 << 16 | 1;

    private static final int DMESG_LINES = 2000;

    private final FramePool pool;
    private final PageTables pageTables;
    private final GuestMemory guest;
    private final TrapBouncer bouncer;
    private final HypercallDispatcher dispatcher;
    /** The PV ELF builder behind the builder SPI (the only domain type so far). */
    private final DomainImageBuilder builder;
    private final SystemTime time;
    private final PvExitHandler.PvCpuid cpuid = PvExitHandler.PvCpuid.create(VERSION);
    private final SchedCore sched;
    private final org.oxen.vmm.core.trace.TraceBuffers trace;
    /** Whether domains count for metrics (on unless oxen.metrics=off or the HypervisorMetrics service says). */
    private final org.oxen.vmm.core.domain.MetricsSwitch metrics = new org.oxen.vmm.core.domain.MetricsSwitch(true);
    private final PvVcpuArch pv;
    private final Dom0Events dom0Events = new Dom0Events(this);
    private final org.oxen.vmm.core.grant.Grants grants;
    private final org.oxen.vmm.core.grant.Dom0Grants dom0Grants;
    private final ForeignMappings foreign;
    private final Map<Integer, DomainImpl> domains = new ConcurrentSkipListMap<>();
    /** The PC device bundles' factories by type, for HVM domains. */
    private final Map<String, DeviceFactory> deviceFactories = new java.util.concurrent.ConcurrentHashMap<>();
    private final org.oxen.vmm.core.paging.LogDirty logDirty;
    private final List<DomainListener> listeners = new CopyOnWriteArrayList<>();
    /** xenstored's introducers and the live domains' store links. */
    private final XenstoreIntroductions introductions;
    /** Create, destroy and rename over the domain table ({@link #domains}). */
    private final DomainLifecycle lifecycle;
    /** Save, live save and restore of domains (DomainSaveRestore). */
    private final VmmSaveRestore saveRestore;
    private final ArrayDeque<String> dmesg = new ArrayDeque<>();
    /** Lifecycle events are delivered in order on this thread, never on a pCPU or the caller's. */
    private final ExecutorService eventThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "oxen-domain-events");
        t.setDaemon(true);
        return t;
    });
    /** The clock of domains whose config says {@link GuestClock#DEFAULT} (the runtime's {@code oxen.clock}). */
    private volatile GuestClock defaultClock = GuestClock.REAL;

    public Vmm(long memoryBytes, int nrPcpus) {
        this(memoryBytes, nrPcpus, new SystemTime());
    }

    /** With a chosen time source (benchmarks). */
    public Vmm(long memoryBytes, int nrPcpus, SystemTime time) {
        this.time = time;
        trace = new org.oxen.vmm.core.trace.TraceBuffers(nrPcpus, org.oxen.vmm.core.trace.TraceBuffers.DEFAULT_RECORDS, time);
        pool = new FramePool(memoryBytes);
        pageTables = new PageTables(pool);
        guest = new GuestMemory(pool.ram(), pool);
        grants = new org.oxen.vmm.core.grant.Grants(pool, pageTables, domains::get);
        dom0Grants = new org.oxen.vmm.core.grant.Dom0Grants(grants);
        pageTables.setImplicitGrantUnmap(this::implicitGrantUnmap);
        bouncer = new TrapBouncer(guest);
        dispatcher = new HypercallDispatcher(this);
        builder = new DomainBuilder(pageTables);
        foreign = new ForeignMappings(pageTables, id -> {
            DomainImpl d = domains.get(id);
            return d == null || d.isDying() ? null : d.memory();
        });
        pv = new PvVcpuArch(pool.ram(), bouncer, guest, dispatcher, cpuid, time);
        log(String.format("oxen %d.%d: %d MiB machine memory (%d frames, %d for Xen: M2P at mfn %d), %d pCPUs",
                VERSION >> 16, VERSION & 0xFFFF, memoryBytes >> 20, pool.nrFrames(), pool.xenFrames(),
                pool.m2pFirstFrame(), nrPcpus));
        sched = new SchedCore(this, time, nrPcpus);
        logDirty = new org.oxen.vmm.core.paging.LogDirty(pool, this::domain, domains::values);
        introductions = new XenstoreIntroductions(pageTables, this::log);
        lifecycle = new DomainLifecycle(this, domains, pool, grants, sched, time, foreign, trace, introductions);
        saveRestore = new VmmSaveRestore(this::log, pool, pageTables, dispatcher, lifecycle, pv, logDirty, sched,
                deviceFactories);
    }

    /**
     * Without OSGi: a hypervisor whose Pool-0 runs {@code scheduler} (checked with
     * Conformance first, as a service would be).
     */
    public Vmm(long memoryBytes, int nrPcpus, SchedulerFactory scheduler) {
        this(memoryBytes, nrPcpus);
        if (!addScheduler(scheduler, true, 0)) {
            throw new IllegalArgumentException("scheduler " + scheduler.name() + " refused: see the log");
        }
    }

    /** A scheduler service appeared (see {@link SchedCore#addFactory}); false if refused. */
    public boolean addScheduler(SchedulerFactory f, boolean isDefault, int ranking) {
        return sched.cpupools().addFactory(f, isDefault, ranking);
    }

    /** {@link #addScheduler}: null if taken, else why the scheduler was refused (see {@link org.oxen.vmm.core.sched.CpuPools#offerFactory}). */
    public String offerScheduler(SchedulerFactory f, boolean isDefault, int ranking) {
        return sched.cpupools().offerFactory(f, isDefault, ranking);
    }

    /** A scheduler service is going away: its pools move to the default before this returns. */
    public void removeScheduler(SchedulerFactory f) {
        sched.cpupools().removeFactory(f);
    }

    /** A PC device type for HVM domains (the {@code oxen.device.name} of a device bundle's factory). */
    public void addDeviceFactory(String name, DeviceFactory f) {
        deviceFactories.put(name, f);
    }

    public void removeDeviceFactory(String name, DeviceFactory f) {
        deviceFactories.remove(name, f);
    }

    /**
     * The time of domains created from now on whose config leaves it to the hypervisor
     * ({@link GuestClock#DEFAULT}): {@link GuestClock#REAL} (the default) or
     * {@link GuestClock#INSTRUCTIONS} (deterministic).
     */
    public void setDefaultClock(GuestClock clock) {
        if (clock == GuestClock.DEFAULT) throw new IllegalArgumentException("the default clock must be real or instructions");
        defaultClock = clock;
    }

    public GuestClock defaultClock() {
        return defaultClock;
    }

    /** The scheduler core (tests, benchmarks). */
    public SchedCore schedCore() {
        return sched;
    }

    /**
     * How the vcpus of domains created from now on execute (interpreter, decoded-instruction
     * cache, translator); {@link CpuOptions#DEFAULT} unless set.
     */
    public void setCpuOptions(org.oxen.x86.cpu.CpuOptions options) {
        pv.setCpuOptions(java.util.Objects.requireNonNull(options, "options"));
    }

    // ---- log-dirty (for save/restore and live migration: XEN_DOMCTL_SHADOW_OP_*) ----

    /**
     * Puts a running (or paused) domain into log-dirty mode with a clean bitmap
     * (ENABLE_LOGDIRTY). Never call the log-dirty methods on a vcpu's thread: they wait for
     * the vcpus to flush their TLBs.
     *
     * @throws IllegalArgumentException no such domain
     * @throws IllegalStateException already in log-dirty mode
     */
    public void logDirtyEnable(int domid) {
        logDirty.enable(require(domid));
    }

    /** Leaves log-dirty mode (SHADOW_OP_OFF); the bitmap is dropped. */
    public void logDirtyDisable(int domid) {
        logDirty.disable(require(domid));
    }

    public boolean logDirtyEnabled(int domid) {
        return logDirty.enabled(require(domid));
    }

    /**
     * The pfns written since log-dirty was enabled or last cleaned, among {@code 0..pages-1}
     * (SHADOW_OP_PEEK): bit {@code pfn % 64} of word {@code pfn / 64}.
     */
    public long[] logDirtyPeek(int domid, int pages) {
        return logDirty.peek(require(domid), pages);
    }

    /** As {@link #logDirtyPeek}, and those marks are cleared atomically with re-arming (SHADOW_OP_CLEAN). */
    public long[] logDirtyClean(int domid, int pages) {
        return logDirty.clean(require(domid), pages);
    }

    // ---- shadow mode ----

    /**
     * Puts a domain into shadow mode: its vcpus run on shadow page tables oxen builds from the
     * guest's (see {@link org.oxen.vmm.core.paging.ShadowPaging}). The domain is paused while
     * its vcpus switch.
     *
     * @throws IllegalStateException already in shadow mode
     */
    public void shadowEnable(int domid) {
        DomainImpl d = require(domid);
        pause(domid);
        try {
            org.oxen.vmm.core.paging.ShadowMode.enable(d, pool, guest);
        } finally {
            unpause(domid);
        }
    }

    /** Leaves shadow mode: the vcpus run on the guest's tables again and the shadow frames go back to the pool. */
    public void shadowDisable(int domid) {
        DomainImpl d = require(domid);
        pause(domid);
        try {
            org.oxen.vmm.core.paging.ShadowMode.disable(d, pool);
        } finally {
            unpause(domid);
        }
    }

    /** The shadow statistics of a domain in shadow mode, or null. */
    public String shadowStatistics(int domid) {
        org.oxen.vmm.core.paging.ShadowPaging sh = require(domid).shadow;
        return sh == null ? null : sh.toString();
    }

    /** The hypercall table (tests drive it directly on a paused domain's vcpu). */
    HypercallDispatcher dispatcher() {
        return dispatcher;
    }

    /**
     * Destroys every domain, stops the pCPUs and, once every pCPU thread has ended (no vcpu can
     * run on machine memory any more) and the event thread has delivered the last events, gives machine memory back to the host now ({@link
     * FramePool#release}); Domain-0's views of frames still held then throw naming it. A pCPU
     * thread that does not end leaves the memory to the Cleaner (at a GC), as logged.
     */
    public void shutdown() {
        for (Integer id : new ArrayList<>(domains.keySet())) {
            try {
                destroy(id);
            } catch (RuntimeException e) {
                log("shutdown: destroying domain " + id + " failed: " + e);
            }
        }
        boolean pcpusEnded = sched.shutdown();
        eventThread.shutdown();
        boolean eventsEnded = false;
        try {
            eventsEnded = eventThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (pcpusEnded && eventsEnded) {
            pool.release(); // after the listeners of the last destroys, which may still unmap frames
        } else {
            log("shutdown: a pCPU or the event thread has not ended; machine memory is left to the garbage collector");
        }
    }

    // ---- Hypervisor ----

    @Override
    public Domain create(DomainConfig config) throws DomainBuildException {
        boolean hvm = config.type() == DomainType.HVM;
        if (hvm && config.clock() == GuestClock.INSTRUCTIONS) {
            throw new IllegalArgumentException("clock \"instructions\" (deterministic time) is for PV domains; "
                    + "an HVM domain keeps its devices' own time");
        }
        int nrPages = config.memoryMiB() * 256;
        DomainImpl d = lifecycle.create(config.name(), config.cmdline(), config.maxMemoryMiB() * 256,
                config.maxMemoryMiB() * 1024L, config.uuid(), config.clock(), config.vcpus(), hvm, dom -> {
                    dom.setConfiguredMemoryKiB(config.memoryMiB() * 1024L); // libxl's first memory/target
                    if (!hvm) return new DomainLifecycle.Build(pv, builder);
                    HvmVcpuArch h = lifecycle.hvmArch(dom, config.name(), config.vcpus(), config.serial(), nrPages,
                            deviceFactories);
                    return new DomainLifecycle.Build(h, new HvmBuilder(pool, pageTables, h.platform(), config.kernelPath(),
                            config.ramdisk()));
                }, config.kernel(), nrPages, String.format("from %s: %d MiB", config.kernelPath(), config.memoryMiB()));
        if (!config.startPaused()) {
            unpause(d.id());
        }
        return d;
    }

    /**
     * domain_kill: the domain becomes dying (its vcpus stop at their next preemption point: a
     * long hypercall continues itself within about a millisecond), leaves its scheduler, and
     * its frames return to the pool. Each step can be repeated: a destroy that failed (a vcpu
     * that would not leave its pCPU) leaves the domain dying and listed, and the next destroy
     * takes it from where it stopped; destroys racing each other run one at a time, the later
     * ones find the domain gone and return. A domain that is gone: IllegalArgumentException.
     */
    @Override
    public void destroy(int domid) {
        lifecycle.destroy(domid);
    }

    // ---- save, restore, live save (DomainSaveRestore) ----

    @Override
    public Saved save(int domid, java.io.OutputStream out, byte[] toolstack) throws java.io.IOException {
        return saveRestore.save(require(domid), out, toolstack);
    }

    @Override
    public Saved saveLive(int domid, java.io.OutputStream out, byte[] toolstack, LiveOptions options,
            Suspender suspender, java.util.function.Consumer<Round> progress)
            throws java.io.IOException, InterruptedException {
        return saveRestore.saveLive(require(domid), out, toolstack, options, suspender, progress);
    }

    @Override
    public Restored restore(java.io.InputStream in, java.util.function.UnaryOperator<String> naming)
            throws DomainBuildException, java.io.IOException {
        return saveRestore.restore(in, naming);
    }

    /**
     * xc_domain_resume (the cooperative kind): the suspended domain goes on, vcpu 0's suspend
     * hypercall returning 1 (cancelled).
     */
    @Override
    public boolean guestSuspends(int domid) {
        DomainImpl d = require(domid);
        return !(d.vcpuCount() > 0 && d.vcpu(0).arch() instanceof HvmVcpuArch);
    }

    @Override
    public void resume(int domid) {
        DomainImpl d = require(domid);
        if (!guestSuspends(domid)) { // an HVM domain was paused for its save: it goes on
            if (d.state() != org.oxen.vmm.api.DomainState.PAUSED) {
                throw new IllegalStateException(d + " is not paused (state " + d.state() + ")");
            }
            unpause(domid);
            log("d" + domid + ": resumed after a save (unpaused)");
            fire(DomainEvent.Type.RESUMED, d, "");
            return;
        }
        pause(domid);
        try {
            if (!d.resumeFromSuspend()) {
                throw new IllegalStateException(d + " is not suspended (state " + d.state() + ")");
            }
            d.vcpu(0).cpu().setGpr(org.oxen.x86.cpu.X86Cpu.EAX, 1);
            log("d" + domid + ": resumed after a cancelled suspend");
        } finally {
            unpause(domid);
        }
        fire(DomainEvent.Type.RESUMED, d, "");
    }

    @Override
    public void rename(int domid, String name) {
        lifecycle.rename(domid, name);
    }

    // ---- xenstored introduction (the DomainIntroducer whiteboard) ----

    /** A xenstored appeared: see {@link XenstoreIntroductions#addIntroducer}. */
    public void addIntroducer(DomainIntroducer i) {
        introductions.addIntroducer(i);
    }

    /** A xenstored left: it is called no more. */
    public void removeIntroducer(DomainIntroducer i) {
        introductions.removeIntroducer(i);
    }

    @Override
    public void shutdown(int domid, ShutdownReason reason) {
        DomainImpl d = require(domid);
        log("d" + domid + ": remote shutdown (" + reason.name().toLowerCase() + ") from Domain-0");
        d.shutdown(reason);
    }

    @Override
    public void setMaxMemory(int domid, long maxKiB) {
        if (maxKiB < 0) throw new IllegalArgumentException("a maximum of " + maxKiB + " KiB");
        DomainImpl d = require(domid);
        synchronized (pool) {
            d.setMaxMemoryKiB(maxKiB);
        }
        log("d" + domid + ": max_mem " + maxKiB + " KiB (holds " + d.memoryKiB() + " KiB)");
    }

    @Override
    public void pause(int domid) {
        DomainImpl d = require(domid);
        sched.cpupools().pauseDomain(d);
        fire(DomainEvent.Type.PAUSED, d, "");
    }

    @Override
    public void unpause(int domid) {
        DomainImpl d = require(domid);
        sched.cpupools().unpauseDomain(d);
        fire(DomainEvent.Type.UNPAUSED, d, "");
    }

    private DomainImpl require(int domid) {
        DomainImpl d = domains.get(domid);
        if (d == null) throw new IllegalArgumentException("no domain " + domid);
        return d;
    }

    @Override
    public List<Domain> list() {
        return List.copyOf(domains.values());
    }

    @Override
    public Optional<Domain> find(int domid) {
        return Optional.ofNullable(domains.get(domid));
    }

    @Override
    public Optional<Domain> find(String name) {
        return domains.values().stream().filter(d -> d.name().equals(name)).map(d -> (Domain) d).findFirst();
    }

    @Override
    public long totalFrames() {
        return pool.poolFrames();
    }

    @Override
    public long machineFrames() {
        return pool.nrFrames();
    }

    @Override
    public long freeFrames() {
        return pool.freeFrames();
    }

    @Override
    public String version() {
        return (VERSION >> 16) + "." + (VERSION & 0xFFFF) + ".0-oxen";
    }

    @Override
    public String capabilities() {
        return "xen-3.0-x86_32p";
    }

    @Override
    public int pcpus() {
        return sched.nrPcpus();
    }

    @Override
    public List<CpuPoolInfo> pools() {
        return sched.cpupools().pools();
    }

    @Override
    public CpuPoolInfo createPool(String name, String scheduler, List<Integer> cpus) {
        return sched.cpupools().createPool(name, scheduler, cpus);
    }

    @Override
    public void destroyPool(String pool) {
        sched.cpupools().destroyPool(pool);
    }

    @Override
    public void addPoolCpu(String pool, int cpu) {
        sched.cpupools().addPoolCpu(pool, cpu);
    }

    @Override
    public void removePoolCpu(String pool, int cpu) {
        sched.cpupools().removePoolCpu(pool, cpu);
    }

    @Override
    public void migrate(int domid, String pool) {
        sched.cpupools().migrate(require(domid), pool);
    }

    @Override
    public List<Integer> vcpuAffinity(int domid, int vcpu) {
        DomainImpl d = require(domid);
        if (vcpu < 0 || vcpu >= d.vcpuCount()) {
            throw new IllegalArgumentException(d + " has no vcpu " + vcpu);
        }
        CpuMask m = d.vcpu(vcpu).affinity().and(CpuMask.range(sched.nrPcpus()));
        List<Integer> l = new ArrayList<>();
        for (int c = m.first(); c >= 0; c = m.next(c)) {
            l.add(c);
        }
        return l;
    }

    @Override
    public void setVcpuAffinity(int domid, int vcpu, List<Integer> cpus) {
        DomainImpl d = require(domid);
        for (int c : cpus) {
            if (c < 0 || c >= sched.nrPcpus()) {
                throw new IllegalArgumentException("pCPU " + c + " does not exist (pCPUs 0.." + (sched.nrPcpus() - 1) + ")");
            }
        }
        CpuMask mask = cpus.stream().distinct().count() == sched.nrPcpus() ? CpuMask.all()
                : CpuMask.of(cpus.stream().mapToInt(Integer::intValue).toArray());
        sched.cpupools().setAffinity(d, vcpu, mask);
    }

    @Override
    public List<SchedulerInfo> schedulers() {
        return sched.cpupools().schedulers();
    }

    @Override
    public Map<String, String> schedulerParams(int domid) {
        return sched.cpupools().params(require(domid));
    }

    @Override
    public Map<String, String> poolSchedulerParams(String pool) {
        return sched.cpupools().poolParams(pool);
    }

    @Override
    public void setPoolSchedulerParams(String pool, Map<String, String> values) {
        sched.cpupools().setPoolParams(pool, values);
    }

    @Override
    public void setSchedulerParams(int domid, Map<String, String> values) {
        sched.cpupools().setParams(require(domid), values);
    }

    @Override
    public List<String> dmesg() {
        synchronized (dmesg) {
            return List.copyOf(dmesg);
        }
    }

    @Override
    public long internalErrors() {
        return dispatcher.internalErrors();
    }

    @Override
    public void addListener(DomainListener l) {
        listeners.add(l);
    }

    @Override
    public void removeListener(DomainListener l) {
        listeners.remove(l);
    }

    /** Announces a lifecycle event to the listeners, in order, on the event thread. */
    void fire(DomainEvent.Type type, DomainImpl d, String detail) {
        DomainEvent e = new DomainEvent(type, d.id(), d.name(), detail);
        try {
            eventThread.execute(() -> {
                for (DomainListener l : listeners) {
                    try {
                        l.domainEvent(e);
                    } catch (RuntimeException ex) {
                        log("listener " + l + " failed on " + e + ": " + ex);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException ex) {
            // the hypervisor is shutting down: nobody is listening any more
        }
    }

    // ---- DomainImpl.Owner, Services, SliceHooks ----

    @Override
    public FramePool pool() {
        return pool;
    }

    @Override
    public int foreignMappings(int domid) {
        return foreign.count(domid);
    }

    @Override
    public org.oxen.vmm.core.trace.TraceBuffers trace() {
        return trace;
    }

    @Override
    public org.oxen.vmm.core.domain.MetricsSwitch metrics() {
        return metrics;
    }

    @Override
    public org.oxen.x86.api.Clock clock() {
        return time;
    }

    @Override
    public void domainStopped(DomainImpl d, boolean crashed, String detail) {
        // maybe on the pCPU running one of d's vcpus: no waiting here
        sched.sleepAll(d);
        for (int i = 0; i < d.vcpuCount(); i++) {
            VcpuImpl v = d.vcpu(i);
            if (v.running()) v.cpu().requestStop();
        }
        fire(crashed ? DomainEvent.Type.CRASHED : DomainEvent.Type.SHUTDOWN, d, detail);
        DomainDebugger dbg = d.debugger();
        if (dbg != null) dbg.domainStopped((crashed ? "crashed: " : "shut down: ") + detail);
    }

    // ---- a debugger's pause (xl debug), apart from the toolstack's pause count events ----

    /**
     * Pauses {@code d} for a debugger without waiting: callable from the pCPU running one of its
     * vcpus (a breakpoint it just hit). Pair with {@link #debugUnpause}; {@link #debugAwaitStopped}
     * waits until no vcpu of the domain is on a pCPU.
     */
    public void debugPause(DomainImpl d) {
        d.pause();
        sched.sleepAll(d);
        for (int i = 0; i < d.vcpuCount(); i++) {
            VcpuImpl v = d.vcpu(i);
            if (v.running()) v.cpu().requestStop();
        }
    }

    /** Waits until no vcpu of the (paused) domain runs; never from a pCPU thread. */
    public void debugAwaitStopped(DomainImpl d) {
        sched.cpupools().awaitStopped(d);
    }

    public void debugUnpause(DomainImpl d) {
        sched.cpupools().unpauseDomain(d);
    }

    @Override
    public void log(String line) {
        String l = "(XEN) " + Instant.now() + " " + line;
        synchronized (dmesg) {
            if (dmesg.size() == DMESG_LINES) dmesg.removeFirst();
            dmesg.addLast(l);
        }
    }

    @Override
    public PageTables pageTables() {
        return pageTables;
    }

    @Override
    public GuestMemory guest() {
        return guest;
    }

    @Override
    public TrapBouncer bouncer() {
        return bouncer;
    }

    @Override
    public DomainImpl domain(int domid) {
        return domains.get(domid);
    }

    @Override
    public void blocked(VcpuImpl v) {
        sched.sleep(v);
    }

    @Override
    public void woken(VcpuImpl v) {
        sched.wake(v);
    }

    @Override
    public int versionNumber() {
        return VERSION;
    }

    /** An HVM vcpu's VMCALL/VMMCALL (HvmVcpuArch.Host). */
    @Override
    public void hypercall(VcpuImpl v) {
        dispatcher.dispatchHvm(v);
    }

    @Override
    public GuestMemory guestMemory() {
        return guest;
    }

    @Override
    public EventChannels of(int domid) {
        if (domid == 0) return dom0Events.table();
        DomainImpl d = domains.get(domid);
        return d == null || d.isDying() ? null : d.events();
    }

    /** Domain-0's foreign mappings of guest frames (the backend API's {@code ForeignMemory}). */
    public ForeignMappings foreignMemory() {
        return foreign;
    }

    @Override
    public Dom0EventChannels eventChannels() {
        return dom0Events;
    }

    @Override
    public org.oxen.vmm.core.grant.Grants grants() {
        return grants;
    }

    /** Domain-0's grant operations (the backend API's GrantTables). */
    public org.oxen.vmm.api.backend.GrantTables grantTables() {
        return dom0Grants;
    }

    /** Domain-0's live grant mappings (tests). */
    public int dom0GrantMappings() {
        return dom0Grants.mappings();
    }

    /**
     * put_page_from_l1e met a grant PTE outside GNTTABOP_unmap_grant_ref (a guest overwrote or
     * unpinned it): Xen crashes the domain unless it is already going down. Runs under the mm
     * lock, so the crash happens on the event thread.
     */
    private void implicitGrantUnmap(int domid, long pte) {
        DomainImpl d = domains.get(domid);
        if (d == null || d.isStopped() || d.isDying()) return;
        log(String.format("d%d: attempt to implicitly unmap a granted PTE %016x", domid, pte));
        try {
            eventThread.execute(() -> d.crash("implicit unmap of a granted PTE"));
        } catch (java.util.concurrent.RejectedExecutionException ex) {
            // shutting down
        }
    }

    @Override
    public void internalError(VcpuImpl v, Throwable t) {
        dispatcher.countInternalError();
        log("BUG: " + v + " on a pCPU: " + t);
        v.domain().crash("hypervisor error: " + t);
    }
}
