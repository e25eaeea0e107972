package org.oxen.vmm.core;

import java.util.Map;

import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainEvent;
import org.oxen.vmm.api.GuestClock;
import org.oxen.vmm.core.arch.VcpuArch;
import org.oxen.vmm.core.arch.hvm.HvmPlatform;
import org.oxen.vmm.core.arch.hvm.HvmVcpuArch;
import org.oxen.vmm.core.arch.hvm.P2mMemory;
import org.oxen.vmm.core.build.DomainImageBuilder;
import org.oxen.vmm.core.domain.DomainDebugger;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.domain.XenstoreIntroductions;
import org.oxen.vmm.core.evtchn.EventChannels;
import org.oxen.vmm.core.grant.Grants;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.ForeignMappings;
import org.oxen.vmm.core.sched.SchedCore;
import org.oxen.vmm.core.time.DeterministicTime;
import org.oxen.vmm.core.time.SystemTime;
import org.oxen.vmm.core.time.VcpuTimers;
import org.oxen.vmm.core.trace.TraceBuffers;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * A domain's life in the domain table (Xen's domain_create and domain_kill, common/domain.c):
 * the build shared by create and restore, an HVM domain's devices, destroy, and the frames a
 * domain returns. The {@link Vmm} keeps the table and the services the domains use; this class
 * is the lifecycle's steps over them.
 *
 * <p>Locking: the domain table is changed under the {@link Vmm}'s monitor (as before this class
 * was split out of it) and a destroy runs under the domain's {@code destroyLock}; the order is
 * stated once, in the {@link org.oxen.vmm.core} package documentation.
 */
final class DomainLifecycle {

    /** A domain's architecture and builder, chosen once the domain exists. */
    record Build(VcpuArch arch, DomainImageBuilder builder) {
    }

    @FunctionalInterface
    interface BuildChoice {
        Build choose(DomainImpl d) throws DomainBuildException;
    }

    private final Vmm vmm;
    private final Map<Integer, DomainImpl> domains;
    private final FramePool pool;
    private final Grants grants;
    private final SchedCore sched;
    private final SystemTime time;
    private final ForeignMappings foreign;
    private final TraceBuffers trace;
    private final XenstoreIntroductions introductions;
    /** Guarded by the {@link Vmm}'s monitor. */
    private int nextDomid = 1;

    DomainLifecycle(Vmm vmm, Map<Integer, DomainImpl> domains, FramePool pool, Grants grants, SchedCore sched,
            SystemTime time, ForeignMappings foreign, TraceBuffers trace, XenstoreIntroductions introductions) {
        this.vmm = vmm;
        this.domains = domains;
        this.pool = pool;
        this.grants = grants;
        this.sched = sched;
        this.time = time;
        this.foreign = foreign;
        this.trace = trace;
        this.introductions = introductions;
    }

    /**
     * What create and restore share: the domain, its vcpus, event channels and timers, the
     * build, the grant table and wall clock, then the domain listed, in its pool, introduced to
     * xenstored and announced, paused. On a failed build every frame goes back to the pool.
     * {@code clock}: {@link GuestClock#DEFAULT} is the hypervisor's default clock.
     */
    DomainImpl create(String name, String cmdline, int maxPages, long maxMemKiB, java.util.UUID uuid,
            GuestClock requestedClock, int nrVcpus, boolean hvm, BuildChoice choice, byte[] image, int nrPages,
            String source) throws DomainBuildException {
        DomainImpl d;
        synchronized (vmm) {
            for (DomainImpl o : domains.values()) {
                if (o.name().equals(name)) {
                    throw new IllegalArgumentException("a domain named '" + name + "' exists already (id "
                            + o.id() + ")");
                }
            }
            int id = nextDomid++;
            d = new DomainImpl(vmm, id, name, cmdline, maxPages, maxMemKiB);
            d.setUuid(uuid);
            GuestClock clock = requestedClock == GuestClock.DEFAULT ? vmm.defaultClock() : requestedClock;
            DeterministicTime det = !hvm && clock == GuestClock.INSTRUCTIONS ? new DeterministicTime(nrVcpus) : null;
            d.setDeterministicTime(det);
            VcpuImpl[] vcpus = new VcpuImpl[nrVcpus];
            Build b = choice.choose(d);
            VcpuArch arch = b.arch();
            for (int i = 0; i < vcpus.length; i++) {
                vcpus[i] = arch.create(d, i);
                if (det != null) det.attach(vcpus[i]);
            }
            d.setVcpus(vcpus);
            d.setEvents(new EventChannels(vmm, d));
            for (VcpuImpl v : vcpus) {
                int timerCpu = id + v.id();
                v.setTimers(det != null ? new VcpuTimers(v, det.clockOf(v.id()), det::newTimer)
                        : new VcpuTimers(v, time, cb -> sched.newTimer(timerCpu, cb)));
                if (hvm) v.timers().setPeriod(0); // no PV periodic tick: the guest has its own timers
            }
            try {
                DomainImageBuilder.Built l = b.builder().build(d, image, cmdline, nrPages);
                org.oxen.vmm.core.grant.GrantTable gt = grants.create(d);
                if (gt == null) throw new DomainBuildException("out of machine memory for the grant table");
                d.setGrants(gt);
                if (!hvm) { // (the PV builder mapped every vcpu's GDT)
                    if (det == null) {
                        time.updateWallclock(pool.ram(), (long) d.sharedInfoMfn() << 12);
                    } else {
                        SystemTime.writeWallclock(pool.ram(), (long) d.sharedInfoMfn() << 12,
                                DeterministicTime.WALLCLOCK_EPOCH_NS);
                    }
                }
                vmm.log(String.format("d%d: created '%s' %s, %d vcpus,%s %s", id, name, source, vcpus.length,
                        det == null ? "" : " deterministic time (instructions),", l.describe()));
            } catch (DomainBuildException | RuntimeException e) {
                arch.domainDestroyed(d);
                releaseFrames(d);
                vmm.log("d" + id + ": build of '" + name + "' failed: " + e.getMessage());
                if (e instanceof DomainBuildException) throw (DomainBuildException) e;
                throw new DomainBuildException("domain build failed: " + e, e);
            }
            domains.put(id, d);
            sched.cpupools().insertDomain(d);
        }
        introductions.introduce(d);
        if (trace.on(org.oxen.vmm.abi.Trace.TRC_DOM0OP)) trace.trace1(org.oxen.vmm.abi.Trace.TRC_DOM0_DOM_ADD, d.id());
        vmm.fire(DomainEvent.Type.CREATED, d, "");
        return d;
    }

    /**
     * An HVM domain's devices (one set per domain, from the device bundles present now, in
     * {@code deviceFactories}) and its vcpus' arch.
     */
    HvmVcpuArch hvmArch(DomainImpl d, DomainConfig config, int nrPages, Map<String, DeviceFactory> deviceFactories)
            throws DomainBuildException {
        int id = d.id();
        HvmPlatform.Host host = new HvmPlatform.Host() {
            @Override
            public org.oxen.sched.api.SchedTimer newTimer(Runnable callback) {
                return sched.newTimer(id, callback);
            }

            @Override
            public void log(String line) {
                vmm.log(line);
            }
        };
        try {
            HvmPlatform p = new HvmPlatform(d, host, time, new P2mMemory(pool.ram(), d.memory()), (long) nrPages << 12,
                    config.vcpus(), Map.copyOf(deviceFactories), config.serial());
            return new HvmVcpuArch(p, vmm, config.vcpus());
        } catch (DeviceConfigException e) {
            throw new DomainBuildException("HVM domain '" + config.name() + "': its PC devices: " + e.getMessage(), e);
        }
    }

    /** See {@link Vmm#destroy}. */
    void destroy(int domid) {
        DomainImpl d;
        synchronized (vmm) {
            d = domains.get(domid);
            if (d == null) throw new IllegalArgumentException("no domain " + domid);
            d.setDying();
        }
        synchronized (d.destroyLock) {
            if (d.destroyed) return;
            DomainDebugger dbg = d.debugger();
            if (dbg != null) dbg.domainDestroyed(); // its breakpoints go while the frames are still d's
            sched.stopped(d);
            for (int i = 0; i < d.vcpuCount(); i++) {
                d.vcpu(i).timers().kill();
            }
            introductions.release(d);
            d.events().destroy();
            if (d.vcpuCount() > 0) d.vcpu(0).arch().domainDestroyed(d);
            sched.cpupools().removeDomain(d);
            grants.domainDestroyed(d);
            int n = releaseFrames(d);
            synchronized (vmm) {
                domains.remove(domid);
            }
            d.destroyed = true;
            vmm.log("d" + domid + ": destroyed, " + n + " frames returned");
            if (trace.on(org.oxen.vmm.abi.Trace.TRC_DOM0OP)) trace.trace1(org.oxen.vmm.abi.Trace.TRC_DOM0_DOM_REM, domid);
        }
        vmm.fire(DomainEvent.Type.DESTROYED, d, "");
    }

    /** See {@link Vmm#rename}. */
    void rename(int domid, String name) {
        String problem = DomainConfig.nameProblem(name);
        if (problem != null) throw new IllegalArgumentException(problem);
        synchronized (vmm) {
            DomainImpl d = domains.get(domid);
            if (d == null) throw new IllegalArgumentException("no domain " + domid);
            for (DomainImpl o : domains.values()) {
                if (o != d && o.name().equals(name)) {
                    throw new IllegalArgumentException("a domain named '" + name + "' exists already (id " + o.id() + ")");
                }
            }
            vmm.log("d" + domid + ": renamed from '" + d.name() + "' to '" + name + "'");
            d.setName(name);
        }
    }

    /** Every frame of {@code d} (its memory, shadow tables, per-domain L1s and low L3s) back to the pool; how many. */
    private int releaseFrames(DomainImpl d) {
        synchronized (pool) {
            // in the freeing's critical section: a mapping made before is detached, one after
            // finds the frames gone (ForeignMappings)
            foreign.revokeAll(d.id());
            int n = pool.releaseDomain(d.id());
            org.oxen.vmm.core.paging.ShadowPaging sh = d.shadow;
            if (sh != null) {
                d.shadow = null;
                n += sh.release();
            }
            for (int l1 : d.memory().perdomainL1s()) {
                pool.freeXen(l1);
                n++;
            }
            d.memory().setPerdomainL1s(new int[0]);
            for (int l3 : d.memory().lowL3s()) {
                pool.freeXen(l3);
                n++;
            }
            d.memory().setLowL3s(new int[0]);
            return n;
        }
    }
}
