package org.oxen.webconsole.metrics;

import java.util.List;
import java.util.Locale;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Vcpu;
import org.oxen.vmm.api.VcpuExit;

/**
 * The Prometheus text exposition format (version 0.0.4) of every domain's and vcpu's counters:
 * each metric family once with its HELP and TYPE, then one sample per domain or vcpu, labelled
 * {@code domid} and {@code name} (and {@code vcpu}, {@code reason}, {@code hypercall}). The
 * values are the VMM's own counters, read when scraped: what {@code xl list}, {@code xl top} and
 * the JMX MBeans read.
 */
public final class PrometheusText {

    private PrometheusText() {
    }

    /**
     * The exposition of {@code domains} (Domain-0, the Java host, is not among them) and their
     * devices' I/O; {@code counting}: whether the hypervisor's switched counters (hypercalls,
     * exits, upcalls, events) count now ({@code HypervisorMetrics}).
     */
    public static String render(List<Domain> domains, long internalErrors, boolean counting, List<DeviceIo> io) {
        StringBuilder b = new StringBuilder(4096);
        family(b, "oxen_hypervisor_internal_errors_total", "counter", "Hypervisor errors caught (each crashed only its domain).");
        b.append("oxen_hypervisor_internal_errors_total ").append(internalErrors).append('\n');
        family(b, "oxen_metrics_counting", "gauge",
                "1 while the hypervisor counts hypercalls, exits, upcalls and events (oxen.metrics, Gogo metrics on|off); 0: those counts stand still.");
        b.append("oxen_metrics_counting ").append(counting ? 1 : 0).append('\n');
        family(b, "oxen_domain_info", "gauge", "A domain: its state letter as xl list shows it (r b p s c d).");
        for (Domain d : domains) {
            labels(b.append("oxen_domain_info"), d).append(",state=\"").append(d.state().letter()).append("\"} 1\n");
        }
        domainGauge(b, domains, "oxen_domain_memory_bytes", "gauge", "Memory allocated to the domain (xl list Mem).",
                d -> d.memoryKiB() * 1024);
        domainGauge(b, domains, "oxen_domain_max_memory_bytes", "gauge", "The domain's maximum memory.",
                d -> d.maxMemoryKiB() * 1024);
        domainGauge(b, domains, "oxen_domain_vcpus", "gauge", "The domain's online vcpus (xl list VCPUs).",
                PrometheusText::onlineVcpus);
        domainGauge(b, domains, "oxen_domain_max_vcpus", "gauge", "The domain's vcpus, online or not (maxvcpus).",
                d -> d.vcpus().size());
        family(b, "oxen_domain_cpu_seconds_total", "counter", "CPU time of the domain's vcpus (xl list Time(s)).");
        for (Domain d : domains) {
            labels(b.append("oxen_domain_cpu_seconds_total"), d).append("} ")
                    .append(String.format(Locale.ROOT, "%.9f", d.cpuTimeNanos() / 1e9)).append('\n');
        }
        domainGauge(b, domains, "oxen_domain_events_delivered_total", "counter",
                "Event-channel ports that became pending in the domain.", Domain::eventsDelivered);
        domainGauge(b, domains, "oxen_domain_granted_pages_mapped", "gauge",
                "The domain's granted pages another domain or a Domain-0 backend maps now.", Domain::grantedPagesMapped);
        domainGauge(b, domains, "oxen_domain_grant_maps_held", "gauge",
                "Other domains' granted pages the domain maps now (its maptrack entries).", Domain::grantMapsHeld);
        domainGauge(b, domains, "oxen_domain_foreign_pages_mapped", "gauge",
                "The domain's frames Domain-0 maps now by machine frame (foreign maps).", Domain::foreignPagesMapped);
        deviceIo(b, domains, io);
        family(b, "oxen_vcpu_cpu_seconds_total", "counter", "CPU time of a vcpu (xl vcpu-list Time(s)).");
        for (Domain d : domains) {
            for (Vcpu v : d.vcpus()) {
                vcpu(b.append("oxen_vcpu_cpu_seconds_total"), d, v).append("} ")
                        .append(String.format(Locale.ROOT, "%.9f", v.cpuTimeNanos() / 1e9)).append('\n');
            }
        }
        vcpuCounter(b, domains, "oxen_vcpu_instructions_total", "Guest instructions the vcpu retired.", Vcpu::instructions);
        vcpuCounter(b, domains, "oxen_vcpu_upcalls_total", "Event upcalls delivered to the vcpu.", Vcpu::upcalls);
        vcpuCounter(b, domains, "oxen_vcpu_events_sent_total", "Events the vcpu sent (EVTCHNOP_send).", Vcpu::eventsSent);
        family(b, "oxen_vcpu_exits_total", "counter", "Exits of the vcpu from guest code to the hypervisor, by reason.");
        for (Domain d : domains) {
            for (Vcpu v : d.vcpus()) {
                for (VcpuExit r : VcpuExit.values()) {
                    long n = v.exits(r);
                    if (n == 0) continue;
                    vcpu(b.append("oxen_vcpu_exits_total"), d, v).append(",reason=\"").append(r.name().toLowerCase(Locale.ROOT))
                            .append("\"} ").append(n).append('\n');
                }
            }
        }
        family(b, "oxen_vcpu_hypercalls_total", "counter", "Hypercalls the vcpu made, by hypercall (multicall entries included).");
        for (Domain d : domains) {
            for (Vcpu v : d.vcpus()) {
                for (int nr = 0; nr < Vcpu.HYPERCALL_NUMBERS; nr++) {
                    long n = v.hypercalls(nr);
                    if (n == 0) continue;
                    vcpu(b.append("oxen_vcpu_hypercalls_total"), d, v).append(",hypercall=\"").append(HypercallNames.name(nr))
                            .append("\"} ").append(n).append('\n');
                }
            }
        }
        return b.toString();
    }

    private static void deviceIo(StringBuilder b, List<Domain> domains, List<DeviceIo> io) {
        java.util.Map<Integer, Domain> byId = new java.util.HashMap<>();
        for (Domain d : domains) byId.put(d.id(), d);
        family(b, "oxen_device_requests_total", "counter",
                "Requests of a domain's device by kind, from its backend (vbd: read, write, flush, discard; vif: rx, tx packets).");
        for (DeviceIo x : io) {
            Domain d = byId.get(x.domid());
            if (d != null) device(b.append("oxen_device_requests_total"), d, x).append("} ").append(x.requests()).append('\n');
        }
        family(b, "oxen_device_bytes_total", "counter", "Bytes of a domain's device by kind, from its backend.");
        for (DeviceIo x : io) {
            Domain d = byId.get(x.domid());
            if (d != null && (x.bytes() != 0 || !x.op().equals("flush") && !x.op().equals("discard"))) {
                device(b.append("oxen_device_bytes_total"), d, x).append("} ").append(x.bytes()).append('\n');
            }
        }
    }

    private static StringBuilder device(StringBuilder b, Domain d, DeviceIo x) {
        return labels(b, d).append(",type=\"").append(x.type()).append("\",devid=\"").append(x.devid()).append("\",op=\"")
                .append(x.op()).append('"');
    }

    /** Vcpus brought up, as xl list counts them. */
    public static long onlineVcpus(Domain d) {
        long n = 0;
        for (Vcpu v : d.vcpus()) {
            if (v.online()) n++;
        }
        return n;
    }

    private static void family(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void domainGauge(StringBuilder b, List<Domain> domains, String name, String type, String help,
            java.util.function.ToLongFunction<Domain> value) {
        family(b, name, type, help);
        for (Domain d : domains) {
            labels(b.append(name), d).append("} ").append(value.applyAsLong(d)).append('\n');
        }
    }

    private static void vcpuCounter(StringBuilder b, List<Domain> domains, String name, String help,
            java.util.function.ToLongFunction<Vcpu> value) {
        family(b, name, "counter", help);
        for (Domain d : domains) {
            for (Vcpu v : d.vcpus()) {
                vcpu(b.append(name), d, v).append("} ").append(value.applyAsLong(v)).append('\n');
            }
        }
    }

    private static StringBuilder labels(StringBuilder b, Domain d) {
        b.append("{domid=\"").append(d.id()).append("\",name=\"");
        escape(b, d.name());
        return b.append('"');
    }

    private static StringBuilder vcpu(StringBuilder b, Domain d, Vcpu v) {
        return labels(b, d).append(",vcpu=\"").append(v.id()).append('"');
    }

    /** A label value: backslash, double quote and line feed escaped, as the format requires. */
    static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') b.append("\\\\");
            else if (c == '"') b.append("\\\"");
            else if (c == '\n') b.append("\\n");
            else b.append(c);
        }
    }
}
