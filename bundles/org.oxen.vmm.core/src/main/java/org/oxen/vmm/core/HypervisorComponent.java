package org.oxen.vmm.core;

import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.debug.gdbstub.DebugTarget;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.vmm.api.CpuPoolInfo;
import org.oxen.vmm.api.CpuPools;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainEvent;
import org.oxen.vmm.api.DomainListener;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.EventChannelException;
import org.oxen.vmm.api.EventListener;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.vmm.api.HypervisorLog;
import org.oxen.vmm.api.HypervisorMetrics;
import org.oxen.vmm.api.MachineMemory;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.DomainIntroducer;
import org.oxen.vmm.api.SchedulerInfo;
import org.oxen.vmm.core.debug.DomainDebugTarget;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.api.backend.ForeignMapException;
import org.oxen.vmm.api.backend.ForeignMapping;
import org.oxen.vmm.api.backend.ForeignMemory;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;

/**
 * Publishes the hypervisor: one object under each concern's service ({@link Domains},
 * {@link CpuPools}, {@link HypervisorLog}, {@link MachineMemory}, {@link Dom0EventChannels}, the
 * backend API's {@link GrantTables} and {@link ForeignMemory}) and
 * the whole {@link Hypervisor}, the trace buffers ({@code HypervisorTrace}) and the counters'
 * switch ({@link HypervisorMetrics}). Framework properties: {@code oxen.memory.mib} (machine memory,
 * default 1024 or what the host can back), {@code oxen.memory.limit.mib} (the host memory it may
 * take; default the host's, {@code HostMemoryBudget}), {@code oxen.pcpus} (pCPU threads, default the host's cores), {@code oxen.clock}
 * and {@code oxen.metrics} (counting on or off at start), checked by
 * {@link VmmSettingsGate}: the hypervisor starts only with good ones.
 *
 * <p>The scheduler registry: a dynamic, greedy, multiple reference to {@link SchedulerFactory}.
 * A factory that binds is checked with Conformance (refused with a line in the log and on the
 * console, naming the bundle, if it fails); one that unbinds has its pools moved to the default
 * scheduler before the unbind returns. The device factories of the PC device bundles: a
 * dynamic, greedy, multiple reference too (HVM domains are assembled from them).
 *
 * <p>Locking: the component's own state is the domains' {@code DebugTarget} registrations,
 * guarded by their map's monitor (taken by {@code create} and on the domain event thread; a
 * registration is made and withdrawn under it, so the framework's listeners of DebugTarget
 * services run under it too and must not create or destroy domains). Everything else is the
 * {@link Vmm}'s, whose lock order the {@link org.oxen.vmm.core} package documentation states.
 */
@Component(service = {Hypervisor.class, Domains.class, CpuPools.class, HypervisorLog.class, MachineMemory.class,
        Dom0EventChannels.class, GrantTables.class, ForeignMemory.class, org.oxen.vmm.api.DomainSaveRestore.class,
        org.oxen.vmm.api.trace.HypervisorTrace.class, HypervisorMetrics.class},
        immediate = true)
public final class HypervisorComponent implements Hypervisor, Dom0EventChannels, GrantTables, ForeignMemory,
        org.oxen.vmm.api.DomainSaveRestore, org.oxen.vmm.api.trace.HypervisorTrace, HypervisorMetrics {

    private final Vmm vmm;
    private final BundleContext context;

    @Activate
    public HypervisorComponent(@Reference VmmSettings settings, BundleContext context) {
        this.context = context;
        vmm = new Vmm((long) settings.memoryMiB() << 20, settings.pcpus());
        vmm.setDefaultClock(settings.clock());
        vmm.metrics().set(settings.metrics());
        vmm.addListener(debugTargetRegistrar);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindScheduler", updated = "updatedScheduler")
    void bindScheduler(SchedulerFactory f, Map<String, Object> props) {
        String refused = vmm.offerScheduler(f, Boolean.TRUE.equals(props.get(SchedulerFactory.PROP_DEFAULT))
                || "true".equals(String.valueOf(props.get(SchedulerFactory.PROP_DEFAULT))),
                props.get("service.ranking") instanceof Integer r ? r : 0);
        if (refused != null) {
            // the console, not only xl dmesg: the user who just installed the bundle is there
            System.out.println("oxen: refused scheduler '" + f.name() + "' of bundle " + bundleOf(props)
                    + ": " + refused + "; nothing changed");
        }
    }

    /** "bsn [id]" of the bundle that registered a service, from its service.bundleid. */
    private String bundleOf(Map<String, Object> props) {
        if (props.get("service.bundleid") instanceof Long id) {
            Bundle b = context.getBundle(id);
            return (b != null ? b.getSymbolicName() : "?") + " [" + id + "]";
        }
        return "?";
    }

    // ---- HypervisorMetrics (the counters' switch) ----

    @Override
    public boolean counting() {
        return vmm.metrics().on();
    }

    @Override
    public void setCounting(boolean on) {
        vmm.metrics().set(on);
    }

    // ---- HypervisorTrace (the trace buffers) ----

    @Override
    public int buffers() {
        return vmm.trace().buffers();
    }

    @Override
    public int recordsPerBuffer() {
        return vmm.trace().recordsPerBuffer();
    }

    @Override
    public int mask() {
        return vmm.trace().mask();
    }

    @Override
    public void enable(int mask) {
        vmm.trace().enable(mask);
    }

    @Override
    public boolean on(int cls) {
        return vmm.trace().on(cls);
    }

    @Override
    public void trace4(int event, int a, int b, int c, int d) {
        vmm.trace().trace4(event, a, b, c, d);
    }

    @Override
    public void trace5(int event, int a, int b, int c, int d, int e) {
        vmm.trace().trace5(event, a, b, c, d, e);
    }

    @Override
    public long lost() {
        return vmm.trace().lost();
    }

    @Override
    public long drain(org.oxen.vmm.api.trace.TraceSink sink) {
        return vmm.trace().drain(sink);
    }

    // ---- DomainSaveRestore ----

    @Override
    public Saved save(int domid, java.io.OutputStream out, byte[] toolstack) throws java.io.IOException {
        return vmm.save(domid, out, toolstack);
    }

    @Override
    public Saved saveLive(int domid, java.io.OutputStream out, byte[] toolstack, LiveOptions options,
            Suspender suspender, java.util.function.Consumer<Round> progress)
            throws java.io.IOException, InterruptedException {
        return vmm.saveLive(domid, out, toolstack, options, suspender, progress);
    }

    @Override
    public Restored restore(java.io.InputStream in, java.util.function.UnaryOperator<String> naming)
            throws DomainBuildException, java.io.IOException {
        return vmm.restore(in, naming);
    }

    @Override
    public void resume(int domid) {
        vmm.resume(domid);
    }

    @Override
    public boolean guestSuspends(int domid) {
        return vmm.guestSuspends(domid);
    }

    void unbindScheduler(SchedulerFactory f) {
        vmm.removeScheduler(f);
    }

    /** A factory's properties changed (e.g. its ranking): re-register it. */
    void updatedScheduler(SchedulerFactory f, Map<String, Object> props) {
        vmm.removeScheduler(f);
        bindScheduler(f, props);
    }

    /** The xenstored whiteboard: each {@link DomainIntroducer} is introduced to every domain. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindIntroducer")
    void bindIntroducer(DomainIntroducer i) {
        vmm.addIntroducer(i);
    }

    void unbindIntroducer(DomainIntroducer i) {
        vmm.removeIntroducer(i);
    }

    /**
     * The PC device bundles, for HVM domains (one set per domain, from the factories present
     * when it is created; a running domain keeps its instances when a bundle goes).
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindDevice")
    void bindDevice(org.oxen.x86.api.device.DeviceFactory f, Map<String, Object> props) {
        Object name = props.get(org.oxen.x86.api.device.DeviceFactory.NAME);
        if (name != null) vmm.addDeviceFactory(String.valueOf(name), f);
    }

    void unbindDevice(org.oxen.x86.api.device.DeviceFactory f, Map<String, Object> props) {
        Object name = props.get(org.oxen.x86.api.device.DeviceFactory.NAME);
        if (name != null) vmm.removeDeviceFactory(String.valueOf(name), f);
    }

    /**
     * Each PV guest domain is a {@link DebugTarget} service (properties {@code oxen.domid},
     * {@code oxen.domain.name}) from its CREATED event to its DESTROYED event, for {@code xl debug}.
     */
    private final Map<Integer, ServiceRegistration<DebugTarget>> debugTargets = new HashMap<>();
    private final DomainListener debugTargetRegistrar = this::registerDebugTarget;

    private void registerDebugTarget(DomainEvent e) {
        synchronized (debugTargets) {
            if (e.type() == DomainEvent.Type.CREATED) {
                DomainImpl d = vmm.domain(e.domid());
                if (d == null || debugTargets.containsKey(e.domid())) return;
                Dictionary<String, Object> props = new Hashtable<>();
                props.put("oxen.domid", e.domid());
                props.put("oxen.domain.name", e.name());
                debugTargets.put(e.domid(), context.registerService(DebugTarget.class, new DomainDebugTarget(vmm, d), props));
            } else if (e.type() == DomainEvent.Type.DESTROYED) {
                ServiceRegistration<DebugTarget> r = debugTargets.remove(e.domid());
                if (r != null) unregister(r);
            }
        }
    }

    private static void unregister(ServiceRegistration<?> r) {
        try {
            r.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregistered it as the bundle stopped
        }
    }

    @Deactivate
    void deactivate() {
        vmm.removeListener(debugTargetRegistrar);
        synchronized (debugTargets) {
            debugTargets.values().forEach(HypervisorComponent::unregister);
            debugTargets.clear();
        }
        vmm.shutdown();
    }

    @Override
    public Domain create(DomainConfig config) throws DomainBuildException {
        Domain d = vmm.create(config);
        // registered before create returns, so `xl create` then `xl debug` finds it (the CREATED
        // event, delivered later on the event thread, then finds it registered)
        registerDebugTarget(new DomainEvent(DomainEvent.Type.CREATED, d.id(), d.name(), ""));
        return d;
    }

    @Override
    public void destroy(int domid) {
        vmm.destroy(domid);
    }

    @Override
    public void rename(int domid, String name) {
        vmm.rename(domid, name);
    }

    @Override
    public void shutdown(int domid, ShutdownReason reason) {
        vmm.shutdown(domid, reason);
    }

    @Override
    public void setMaxMemory(int domid, long maxKiB) {
        vmm.setMaxMemory(domid, maxKiB);
    }

    @Override
    public void pause(int domid) {
        vmm.pause(domid);
    }

    @Override
    public void unpause(int domid) {
        vmm.unpause(domid);
    }

    @Override
    public List<Domain> list() {
        return vmm.list();
    }

    @Override
    public Optional<Domain> find(int domid) {
        return vmm.find(domid);
    }

    @Override
    public Dom0EventChannels eventChannels() {
        return vmm.eventChannels();
    }

    @Override
    public ForeignMapping map(int domid, long mfn) throws ForeignMapException {
        return vmm.foreignMemory().map(domid, mfn);
    }

    @Override
    public EventPort allocUnbound(int domid, EventListener listener) throws EventChannelException {
        return vmm.eventChannels().allocUnbound(domid, listener);
    }

    @Override
    public int portsInUse() {
        return vmm.eventChannels().portsInUse();
    }

    @Override
    public EventPort bindInterdomain(int domid, int remotePort, EventListener listener) throws EventChannelException {
        return vmm.eventChannels().bindInterdomain(domid, remotePort, listener);
    }

    @Override
    public GrantMapping map(int domid, int ref, boolean readOnly) throws GrantException {
        return vmm.grantTables().map(domid, ref, readOnly);
    }

    @Override
    public void copyFrom(int domid, int ref, int offset, byte[] dst, int dstOffset, int length) throws GrantException {
        vmm.grantTables().copyFrom(domid, ref, offset, dst, dstOffset, length);
    }

    @Override
    public void copyTo(int domid, int ref, int offset, byte[] src, int srcOffset, int length) throws GrantException {
        vmm.grantTables().copyTo(domid, ref, offset, src, srcOffset, length);
    }

    @Override
    public void copyFrom(int domid, int ref, int offset, java.nio.ByteBuffer dst) throws GrantException {
        vmm.grantTables().copyFrom(domid, ref, offset, dst);
    }

    @Override
    public void copyTo(int domid, int ref, int offset, java.nio.ByteBuffer src) throws GrantException {
        vmm.grantTables().copyTo(domid, ref, offset, src);
    }

    @Override
    public int mappingsInUse() {
        return vmm.grantTables().mappingsInUse();
    }

    @Override
    public Optional<Domain> find(String name) {
        return vmm.find(name);
    }

    @Override
    public long totalFrames() {
        return vmm.totalFrames();
    }

    @Override
    public long machineFrames() {
        return vmm.machineFrames();
    }

    @Override
    public long freeFrames() {
        return vmm.freeFrames();
    }

    @Override
    public String version() {
        return vmm.version();
    }

    @Override
    public String capabilities() {
        return vmm.capabilities();
    }

    @Override
    public int pcpus() {
        return vmm.pcpus();
    }

    @Override
    public List<CpuPoolInfo> pools() {
        return vmm.pools();
    }

    @Override
    public CpuPoolInfo createPool(String name, String scheduler, List<Integer> cpus) {
        return vmm.createPool(name, scheduler, cpus);
    }

    @Override
    public void destroyPool(String pool) {
        vmm.destroyPool(pool);
    }

    @Override
    public void addPoolCpu(String pool, int cpu) {
        vmm.addPoolCpu(pool, cpu);
    }

    @Override
    public void removePoolCpu(String pool, int cpu) {
        vmm.removePoolCpu(pool, cpu);
    }

    @Override
    public void migrate(int domid, String pool) {
        vmm.migrate(domid, pool);
    }

    @Override
    public List<Integer> vcpuAffinity(int domid, int vcpu) {
        return vmm.vcpuAffinity(domid, vcpu);
    }

    @Override
    public void setVcpuAffinity(int domid, int vcpu, List<Integer> cpus) {
        vmm.setVcpuAffinity(domid, vcpu, cpus);
    }

    @Override
    public List<SchedulerInfo> schedulers() {
        return vmm.schedulers();
    }

    @Override
    public Map<String, String> schedulerParams(int domid) {
        return vmm.schedulerParams(domid);
    }

    @Override
    public Map<String, String> poolSchedulerParams(String pool) {
        return vmm.poolSchedulerParams(pool);
    }

    @Override
    public void setPoolSchedulerParams(String pool, Map<String, String> values) {
        vmm.setPoolSchedulerParams(pool, values);
    }

    @Override
    public void setSchedulerParams(int domid, Map<String, String> values) {
        vmm.setSchedulerParams(domid, values);
    }

    @Override
    public List<String> dmesg() {
        return vmm.dmesg();
    }

    @Override
    public long internalErrors() {
        return vmm.internalErrors();
    }

    @Override
    public void addListener(DomainListener listener) {
        vmm.addListener(listener);
    }

    @Override
    public void removeListener(DomainListener listener) {
        vmm.removeListener(listener);
    }
}
