package org.oxen.webconsole.metrics;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.oxen.vmm.api.backend.BackendStatistics;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainEvent;
import org.oxen.vmm.api.DomainListener;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.Vcpu;
import org.oxen.vmm.api.VcpuExit;

/**
 * One JMX MBean per domain ({@code org.oxen:type=Domain,domid=N}) and per vcpu
 * ({@code org.oxen:type=Vcpu,domid=N,vcpu=M}) in the platform MBean server, registered when the
 * domain is created and unregistered when it is destroyed (and all at deactivation). Their
 * attributes read the VMM's counters when asked, as {@code /metrics} does.
 *
 * <p>Locking: the registered names are guarded by this component's monitor; domain events come
 * in order on the VMM's one event thread.
 */
@Component(immediate = true)
public final class DomainMBeans implements DomainListener {

    static final String DOMAIN = "org.oxen:type=Domain,domid=";

    private final Domains domains;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final Map<Integer, List<ObjectName>> registered = new HashMap<>();

    /** The backends' figures (vbd, vif): each domain's device I/O. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    volatile List<BackendStatistics> backends = List.of();

    @Activate
    public DomainMBeans(@Reference Domains domains) {
        this.domains = domains;
        domains.addListener(this);
        for (Domain d : domains.list()) register(d);
    }

    @Deactivate
    synchronized void deactivate() {
        domains.removeListener(this);
        for (Integer id : List.copyOf(registered.keySet())) unregister(id);
    }

    @Override
    public void domainEvent(DomainEvent e) {
        if (e.type() == DomainEvent.Type.CREATED) {
            domains.find(e.domid()).ifPresent(this::register);
        } else if (e.type() == DomainEvent.Type.DESTROYED) {
            unregister(e.domid());
        }
    }

    private synchronized void register(Domain d) {
        if (registered.containsKey(d.id())) return;
        List<ObjectName> names = new java.util.ArrayList<>();
        try {
            ObjectName n = new ObjectName(DOMAIN + d.id());
            server.registerMBean(new StandardMBean(new DomainMetrics(d, () -> backends), DomainMetricsMBean.class), n);
            names.add(n);
            for (Vcpu v : d.vcpus()) {
                ObjectName vn = new ObjectName("org.oxen:type=Vcpu,domid=" + d.id() + ",vcpu=" + v.id());
                server.registerMBean(new StandardMBean(new VcpuMetrics(v), VcpuMetricsMBean.class), vn);
                names.add(vn);
            }
        } catch (JMException e) {
            System.err.println("oxen web console: JMX: cannot register domain " + d.id() + ": " + e);
        }
        registered.put(d.id(), names);
    }

    private synchronized void unregister(int domid) {
        List<ObjectName> names = registered.remove(domid);
        if (names == null) return;
        for (ObjectName n : names) {
            try {
                server.unregisterMBean(n);
            } catch (JMException e) {
                // already gone
            }
        }
    }

    static long[] hypercalls(Vcpu v) {
        long[] a = new long[Vcpu.HYPERCALL_NUMBERS];
        for (int i = 0; i < a.length; i++) a[i] = v.hypercalls(i);
        return a;
    }

    /** A domain's attributes. */
    static final class DomainMetrics implements DomainMetricsMBean {
        private final Domain d;
        private final java.util.function.Supplier<List<BackendStatistics>> backends;

        DomainMetrics(Domain d, java.util.function.Supplier<List<BackendStatistics>> backends) {
            this.d = d;
            this.backends = backends;
        }

        @Override
        public long getGrantedPagesMapped() {
            return d.grantedPagesMapped();
        }

        @Override
        public long getGrantMapsHeld() {
            return d.grantMapsHeld();
        }

        @Override
        public long getForeignPagesMapped() {
            return d.foreignPagesMapped();
        }

        private List<DeviceIo> io() {
            return DeviceIo.of(backends.get()).stream().filter(x -> x.domid() == d.id()).toList();
        }

        @Override
        public String[] getIoDevices() {
            return io().stream().map(DeviceIo::label).toArray(String[]::new);
        }

        @Override
        public long[] getIoRequests() {
            return io().stream().mapToLong(DeviceIo::requests).toArray();
        }

        @Override
        public long[] getIoBytes() {
            return io().stream().mapToLong(DeviceIo::bytes).toArray();
        }

        @Override
        public int getDomid() {
            return d.id();
        }

        @Override
        public String getName() {
            return d.name();
        }

        @Override
        public String getState() {
            return String.valueOf(d.state().letter());
        }

        @Override
        public long getMemoryKiB() {
            return d.memoryKiB();
        }

        @Override
        public long getMaxMemoryKiB() {
            return d.maxMemoryKiB();
        }

        @Override
        public int getVcpus() {
            return (int) PrometheusText.onlineVcpus(d);
        }

        @Override
        public int getMaxVcpus() {
            return d.vcpus().size();
        }

        @Override
        public long getCpuTimeNanos() {
            return d.cpuTimeNanos();
        }

        @Override
        public long getInstructions() {
            long n = 0;
            for (Vcpu v : d.vcpus()) n += v.instructions();
            return n;
        }

        @Override
        public long[] getHypercallsByNumber() {
            long[] a = new long[Vcpu.HYPERCALL_NUMBERS];
            for (Vcpu v : d.vcpus()) {
                for (int i = 0; i < a.length; i++) a[i] += v.hypercalls(i);
            }
            return a;
        }

        @Override
        public long getHypercalls() {
            long n = 0;
            for (long x : getHypercallsByNumber()) n += x;
            return n;
        }

        @Override
        public long getEventsSent() {
            long n = 0;
            for (Vcpu v : d.vcpus()) n += v.eventsSent();
            return n;
        }

        @Override
        public long getEventsDelivered() {
            return d.eventsDelivered();
        }

        @Override
        public long getUpcalls() {
            long n = 0;
            for (Vcpu v : d.vcpus()) n += v.upcalls();
            return n;
        }
    }

    /** A vcpu's attributes. */
    static final class VcpuMetrics implements VcpuMetricsMBean {
        private final Vcpu v;

        VcpuMetrics(Vcpu v) {
            this.v = v;
        }

        @Override
        public long getCpuTimeNanos() {
            return v.cpuTimeNanos();
        }

        @Override
        public long getInstructions() {
            return v.instructions();
        }

        @Override
        public long[] getHypercallsByNumber() {
            return hypercalls(v);
        }

        @Override
        public long[] getExits() {
            VcpuExit[] r = VcpuExit.values();
            long[] a = new long[r.length];
            for (int i = 0; i < r.length; i++) a[i] = v.exits(r[i]);
            return a;
        }

        @Override
        public String[] getExitReasons() {
            VcpuExit[] r = VcpuExit.values();
            String[] a = new String[r.length];
            for (int i = 0; i < r.length; i++) a[i] = r[i].name();
            return a;
        }

        @Override
        public long getUpcalls() {
            return v.upcalls();
        }

        @Override
        public long getEventsSent() {
            return v.eventsSent();
        }
    }
}
