package org.oxen.toolstack.xl.internal;

import org.oxen.toolstack.xl.XlError;
import java.io.PrintStream;
import java.time.Instant;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.toolstack.xl.KernelCatalog;
import org.oxen.toolstack.xl.cfg.LifecycleAction;
import org.oxen.toolstack.xl.cfg.PvDomainSpec;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.api.DomainEvent;
import org.oxen.vmm.api.DomainListener;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.toolstack.xl.cfg.DiskSpec;
import org.oxen.vmm.api.backend.Xenstore;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * The toolstack's state beside the hypervisor (libxl's part of Xen): which domains xl created
 * and from what plan, when each domain started, and the on_poweroff / on_reboot / on_crash
 * actions, applied when the hypervisor reports a shutdown or crash.
 *
 * <p>Design: domains created by xl (or the runtime's main job) have a {@link Record} with their
 * {@link DomainPlan}; domains created straight through the {@link Hypervisor} API have none and
 * are left alone. Lifecycle actions run on one toolstack thread, never on the pCPU thread that
 * reported the event: restart = destroy, then create the same plan under the same name (a new
 * domain id, as in Xen). A domain that restarts more than {@value #RESTART_BURST} times within
 * {@value #RESTART_WINDOW_S} s is preserved instead, with a line on stderr: a guest that reboots
 * at once must not spin the toolstack forever.
 *
 * <p>Locking: {@code this} guards create, user destroy and the on_* actions (name check, memory
 * check, the record table, restart chains), so two creates of one name cannot both pass the
 * check and a user's destroy either calls a restart off or follows it to the new domain. The
 * hypervisor calls made under it call back into the toolstack only through
 * {@link #domainEvent}, which takes no lock.
 */
@Component(service = Toolstack.class, immediate = true)
public final class Toolstack implements DomainListener {

    static final int RESTART_BURST = 10;
    static final int RESTART_WINDOW_S = 60;
    /** Frames a domain needs beyond its memory: shared_info, up to two per-domain L1s (32 vcpus), its first grant frame. */
    static final int OVERHEAD_FRAMES = 4;

    /** A domain xl created, and the plan to re-create it. */
    static final class Record {
        final DomainPlan plan;
        final Deque<Long> restarts;
        volatile boolean destroyedByUser;

        Record(DomainPlan plan, Deque<Long> restarts) {
            this.plan = plan;
            this.restarts = restarts;
        }
    }

    private final Hypervisor hv;
    private final Map<Integer, Record> records = new ConcurrentHashMap<>();
    private final Map<Integer, Instant> started = new ConcurrentHashMap<>();
    /** Uuids of domains the toolstack did not create (no {@link Record}). */
    private final Map<Integer, String> foreignUuids = new ConcurrentHashMap<>();
    private final KernelCatalogs kernels = new KernelCatalogs();
    /** Old domain id -> the id it was restarted as (guarded by this; the last 1000 restarts). */
    private final Map<Integer, Integer> successors = new java.util.LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Integer> eldest) {
            return size() > 1000;
        }
    };
    private final ExecutorService lifecycle = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "oxen-xl-lifecycle");
        t.setDaemon(true);
        return t;
    });
    private final PrintStream log = System.err;

    @Activate
    public Toolstack(@Reference Hypervisor hv) {
        this.hv = hv;
        hv.addListener(this);
        Instant now = Instant.now();
        for (Domain d : hv.list()) {
            started.putIfAbsent(d.id(), now);
        }
    }

    @Deactivate
    void deactivate() {
        hv.removeListener(this);
        lifecycle.shutdownNow();
    }

    Hypervisor hypervisor() {
        return hv;
    }

    /** The kernel catalogs bound now ({@code kernel = "guest:hello"}). */
    KernelCatalogs kernels() {
        return kernels;
    }

    /** xenstored, if the runtime has it: cpu/N/availability (see {@link VcpuAvailability}). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Xenstore xenstore;

    /** xenstored now, or null. */
    Xenstore xenstore() {
        return xenstore;
    }

    /** The console backend's consoles: a save waits until a suspended domain's is drained. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    volatile List<org.oxen.vmm.api.GuestConsole> consoles = List.of();

    /**
     * Waits (up to 5 s) until the console backend has read the last output of a domain that
     * suspended and let its ring go: the saved console page then holds the backend's final
     * index, so the restored domain's backend repeats nothing.
     */
    void awaitConsoleDrained(Domain d) throws InterruptedException {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() - end < 0) {
            boolean live = false;
            for (org.oxen.vmm.api.GuestConsole c : consoles) {
                live |= c.domid() == d.id() && c.isLive();
            }
            if (!live) return;
            Thread.sleep(2);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeKernelCatalog")
    void addKernelCatalog(KernelCatalog catalog, Map<String, Object> props) {
        kernels.add(catalog, props.get(KernelCatalog.SCHEME));
    }

    void removeKernelCatalog(KernelCatalog catalog) {
        kernels.remove(catalog);
    }

    /**
     * Creates a domain from {@code plan}, checking first what would otherwise half-create it.
     *
     * @throws XlError duplicate name, memory beyond the pool, or the hypervisor's refusal
     */
    Domain create(DomainPlan plan, boolean paused) throws XlError {
        return create(plan, paused, new ArrayDeque<>());
    }

    private synchronized Domain create(DomainPlan plan, boolean paused, Deque<Long> restarts) throws XlError {
        PvDomainSpec spec = plan.spec();
        Optional<Domain> clash = hv.find(spec.name());
        if (clash.isPresent()) {
            throw new XlError("Domain '" + spec.name() + "' already exists (id " + clash.get().id() + ")");
        }
        if (plan.uuid() == null) {
            plan = plan.withUuid(UUID.randomUUID().toString());
        } else {
            String wanted = plan.uuid();
            for (Domain d : hv.list()) {
                if (wanted.equalsIgnoreCase(uuid(d.id()))) {
                    throw new XlError("Domain '" + d.name() + "' (id " + d.id() + ") already has uuid " + wanted
                            + ": uuids are unique");
                }
            }
        }
        long needed = (long) spec.memoryMiB() * 256 + OVERHEAD_FRAMES;
        long free = hv.freeFrames();
        if (needed > free) {
            throw new XlError(String.format("Cannot create domain '%s': it needs %d MiB and the memory pool has %d MiB"
                    + " free (of %d MiB)", spec.name(), spec.memoryMiB(), free / 256, hv.totalFrames() / 256));
        }
        DomainConfig config;
        try {
            config = DomainConfig.builder(spec.name()).kernel(plan.kernel()).cmdline(spec.cmdline())
                    .memoryMiB(spec.memoryMiB()).maxMemoryMiB(spec.maxmemMiB()).vcpus(spec.maxvcpus())
                    .type(spec.hvm() ? DomainType.HVM : DomainType.PV).serial(spec.serial()).ramdisk(plan.ramdisk())
                    .uuid(UUID.fromString(plan.uuid())).clock(spec.clock()).startPaused(true).build();
        } catch (IllegalArgumentException e) {
            throw new XlError(plan.source() + ": " + e.getMessage());
        }
        Domain d;
        try {
            d = hv.create(config);
        } catch (DomainBuildException | IllegalArgumentException e) {
            throw new XlError("Cannot create domain '" + spec.name() + "' from " + plan.source() + ": "
                    + e.getMessage());
        }
        if (spec.cpus() != null) {
            // libxl pins at build time, before the domain first runs: it was created paused
            try {
                List<Integer> cpus = CpuList.parse(spec.cpus(), hv.pcpus());
                for (int v = 0; v < d.vcpus().size(); v++) {
                    hv.setVcpuAffinity(d.id(), v, cpus);
                }
            } catch (IllegalArgumentException e) {
                hv.destroy(d.id());
                throw new XlError("Cannot create domain '" + spec.name() + "' from " + plan.source() + ": cpus=\""
                        + spec.cpus() + "\": " + e.getMessage());
            }
        }
        // libxl__build_pre: the domain may hold its memory and libxl's slack, until xl mem-set/mem-max
        MemoryTargets.atBuild(hv, d, spec.memoryMiB() * 1024L);
        Xenstore store = xenstore;
        if (store != null) {
            // libxl__build_post: which vcpus the guest should bring up (vcpus of maxvcpus)
            try {
                VcpuAvailability.write(store, d.id(), spec.vcpus(), spec.maxvcpus());
            } catch (XenstoreException e) {
                hv.destroy(d.id());
                throw new XlError("Cannot create domain '" + spec.name() + "': xenstore: " + e.getMessage());
            }
        }
        if (!plan.disks().isEmpty()) {
            attachDisks(d, plan);
        }
        if (!spec.vifs().isEmpty()) {
            // libxl__add_nics: each vif's frontend and backend directories, before the domain runs
            if (store == null) {
                hv.destroy(d.id());
                throw new XlError("Cannot create domain '" + spec.name() + "': 'vif' needs xenstored, which is not running");
            }
            try {
                for (org.oxen.toolstack.xl.cfg.VifSpec v : spec.vifs()) NetworkDevices.add(store, d.id(), v);
            } catch (XlError | XenstoreException e) {
                NetworkDevices.removeAll(store, d.id());
                hv.destroy(d.id());
                throw new XlError("Cannot create domain '" + spec.name() + "': vif: " + e.getMessage());
            }
        }
        started.put(d.id(), Instant.now());
        records.put(d.id(), new Record(plan, restarts));
        if (!paused) {
            hv.unpause(d.id());
        }
        return d;
    }

    /** How long a new disk's backend may take to answer (libxl waits for its hotplug likewise). */
    static final long BACKEND_TIMEOUT_MS = 10_000;

    /**
     * The config's disks, written as libxl writes them while the domain is still paused; each
     * backend must answer (InitWait) or the domain is destroyed and the create fails.
     */
    private void attachDisks(Domain d, DomainPlan plan) throws XlError {
        String name = plan.spec().name();
        Xenstore store = xenstore;
        if (store == null) {
            hv.destroy(d.id());
            throw new XlError("Cannot create domain '" + name + "': its disks need xenstored (the xenstore feature)");
        }
        try (XenstoreClient c = store.connect()) {
            for (DiskSpec disk : plan.disks()) {
                VbdDevices.add(c, d.id(), VbdDevices.of(disk));
                if (!VbdDevices.awaitBackend(c, d.id(), disk.devid(), BACKEND_TIMEOUT_MS)) {
                    hv.destroy(d.id());
                    throw new XlError("Cannot create domain '" + name + "': no block backend answered for disk "
                            + disk.vdev() + " within " + BACKEND_TIMEOUT_MS / 1000 + " s (is org.oxen.io.blkback running?)");
                }
            }
        } catch (XenstoreException e) {
            hv.destroy(d.id());
            throw new XlError("Cannot create domain '" + name + "': xenstore: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            hv.destroy(d.id());
            throw new XlError("Cannot create domain '" + name + "': interrupted while its disks were attached");
        }
    }

    /** {@code xl mem-set}, serialized with the other changes of a domain (libxl's domain lock). */
    synchronized long setMemoryTarget(Xenstore store, Domain d, long kib) throws XlError {
        return MemoryTargets.setTarget(hv, store, d, kib);
    }

    /** {@code xl mem-max}, serialized as {@link #setMemoryTarget}. */
    synchronized void setMemoryMax(Xenstore store, Domain d, long kib) throws XlError {
        MemoryTargets.setMax(hv, store, d, kib);
    }

    /**
     * Destroys a domain the user named. Serialized with the on_* actions: a domain the toolstack
     * has just restarted is followed to its new incarnation (the user meant the domain of that
     * name), and a restart not yet begun is called off. Returns a note for the user when the
     * domain was already dying (a destroy in progress elsewhere, or one that failed: this one
     * completes it) or went meanwhile, else null: either way the domain is gone.
     */
    synchronized String destroy(String qualifier) throws XlError {
        // resolved under the lock: a restart in progress (old id gone, new id not yet there)
        // must not make the name look unknown
        return destroy(DomainLookup.guest(hv, qualifier, "destroyed"));
    }

    /** {@link #destroy(String)} for a domain already resolved. */
    synchronized String destroy(Domain d) {
        int id = d.id();
        while (hv.find(id).isEmpty() && successors.containsKey(id)) {
            id = successors.get(id);
        }
        Record r = records.get(id);
        if (r != null) {
            r.destroyedByUser = true;
        }
        boolean dying = hv.find(id).map(x -> x.state() == DomainState.DYING).orElse(false);
        try {
            hv.destroy(id);
        } catch (IllegalArgumentException gone) {
            // destroyed meanwhile (by its on_* action, or a destroy elsewhere): nothing left to do
            return "domain " + id + " (" + d.name() + ") was destroyed meanwhile";
        }
        return dying ? "domain " + id + " (" + d.name() + ") was already dying; its destruction is now complete" : null;
    }

    /**
     * The domain's uuid: its plan's (from the config, or random at creation), or, for a domain
     * created straight through the {@link Hypervisor} API, the hypervisor's (its config's).
     */
    String uuid(int domid) {
        Record r = records.get(domid);
        return r != null ? r.plan.uuid()
                : hv.find(domid).map(d -> d.uuid().toString())
                        .orElseGet(() -> foreignUuids.computeIfAbsent(domid, id -> UUID.randomUUID().toString()));
    }

    /**
     * A restored domain becomes xl's (xl restore's d_config from the save file's header): its
     * config is loaded again (the kernel read from where it names, relative paths from the saved
     * file's directory) as {@code name}, keeping the domain's uuid, so its on_* actions apply
     * and a restart re-creates it. A config that no longer loads (its kernel or disk gone)
     * leaves the domain without actions, said on stderr, as one created outside xl.
     */
    synchronized void adopt(Domain d, DomainPlan.ConfigText config, String name) {
        List<String> overrides = new ArrayList<>(config.overrides());
        overrides.add("name = \"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        try {
            DomainPlan plan = ConfigLoader.load(Path.of(config.file()), config.text(), overrides, kernels)
                    .withUuid(d.uuid().toString());
            records.put(d.id(), new Record(plan, new ArrayDeque<>()));
            started.putIfAbsent(d.id(), Instant.now());
        } catch (XlError e) {
            log.println("xl: domain " + d.id() + " (" + name + ") restored without its on_poweroff/on_reboot/on_crash"
                    + " actions: its config " + config.file() + " does not load here: " + e.getMessage());
        }
    }

    Optional<DomainPlan> plan(int domid) {
        return Optional.ofNullable(records.get(domid)).map(r -> r.plan);
    }

    /** When the domain was created (first seen, for domains older than this toolstack). */
    Instant started(int domid) {
        return started.computeIfAbsent(domid, id -> Instant.now());
    }

    @Override
    public void domainEvent(DomainEvent e) {
        switch (e.type()) {
            case CREATED -> started.putIfAbsent(e.domid(), Instant.now());
            case SHUTDOWN, CRASHED -> {
                Record r = records.get(e.domid());
                if (r != null) {
                    lifecycle.execute(() -> apply(e, r));
                }
            }
            case DESTROYED -> {
                Xenstore store = xenstore;
                if (store != null) {
                    VcpuAvailability.remove(store, e.domid());
                    // libxl destroys a dead domain's devices
                    NetworkDevices.removeAll(store, e.domid());
                    try (XenstoreClient c = store.connect()) {
                        VbdDevices.removeAll(c, e.domid());
                    }
                }
                started.remove(e.domid());
                foreignUuids.remove(e.domid());
                lifecycle.execute(() -> records.remove(e.domid()));
            }
            default -> {
            }
        }
    }

    /**
     * The on_* action for how the domain ended (xl's handle_domain_death): a shutdown code no
     * reason names (SCHEDOP_shutdown accepts any, as Xen's domain_shutdown takes (u8)reason)
     * destroys the domain.
     */
    static LifecycleAction action(DomainEvent e, PvDomainSpec spec) {
        if (e.type() == DomainEvent.Type.CRASHED) {
            return spec.onCrash();
        }
        return switch (e.detail()) {
            case "poweroff" -> spec.onPoweroff();
            case "reboot" -> spec.onReboot();
            case "crash", "watchdog" -> spec.onCrash();
            case "suspend", "soft_reset" -> LifecycleAction.PRESERVE; // left for the user
            default -> LifecycleAction.DESTROY; // "code N"
        };
    }

    private synchronized void apply(DomainEvent e, Record r) {
        LifecycleAction action = action(e, r.plan.spec());
        if (e.type() == DomainEvent.Type.SHUTDOWN && e.detail().startsWith("code ")) {
            log.println("xl: domain '" + e.name() + "': unknown shutdown reason " + e.detail()
                    + ". Destroying domain.");
        }
        if (action == LifecycleAction.PRESERVE || r.destroyedByUser) {
            return;
        }
        if (action == LifecycleAction.RESTART && !mayRestart(r.restarts)) {
            log.println("xl: domain '" + e.name() + "' restarted " + RESTART_BURST + " times within "
                    + RESTART_WINDOW_S + " s; preserving it instead of restarting it again");
            return;
        }
        try {
            hv.destroy(e.domid());
        } catch (IllegalArgumentException gone) {
            return; // destroyed by hand meanwhile
        }
        if (action != LifecycleAction.RESTART) {
            return;
        }
        try {
            Domain d = create(r.plan, false, r.restarts);
            successors.put(e.domid(), d.id());
        } catch (XlError err) {
            log.println("xl: restarting domain '" + e.name() + "' failed: " + err.getMessage());
        }
    }

    /** Records a restart now; false when that would be more than the burst allows in the window. */
    static boolean mayRestart(Deque<Long> restarts) {
        long now = System.nanoTime();
        while (!restarts.isEmpty() && now - restarts.peekFirst() > TimeUnit.SECONDS.toNanos(RESTART_WINDOW_S)) {
            restarts.removeFirst();
        }
        if (restarts.size() >= RESTART_BURST) {
            return false;
        }
        restarts.addLast(now);
        return true;
    }
}
