package org.oxen.toolstack.xl.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.vmm.api.Hypervisor;
import org.oxen.toolstack.xl.XlInvocation;
import org.oxen.toolstack.xl.XlSubcommand;

/**
 * {@code xl info}: what oxen manages on this host, in xl's {@code key : value} layout.
 *
 * <p>Scheduler and device bundles are found by their service properties
 * ({@value #SCHED_NAME}, {@value #DEVICE_NAME}) so this bundle imports none of their APIs and
 * shows exactly what is installed at the moment of the call.
 */
@Component(service = XlSubcommand.class)
public final class InfoCommand implements XlSubcommand {

    static final String SCHED_NAME = "oxen.sched.name";
    static final String SCHED_DEFAULT = "oxen.sched.default";
    static final String DEVICE_NAME = "oxen.device.name";

    private final BundleContext context;

    /** The hypervisor when one runs: its version, capabilities and frame pool. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Hypervisor hv;

    @Activate
    public InfoCommand(BundleContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return "info";
    }

    @Override
    public String summary() {
        return "Get information about the oxen host";
    }

    @Override
    public String usage() {
        return "";
    }

    @Override
    public int run(XlInvocation inv) {
        Hypervisor h = hv;
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        PrintStream out = inv.out();
        row(out, "host", hostName());
        row(out, "release", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        row(out, "machine", System.getProperty("os.arch"));
        if (h != null) {
            row(out, "nr_cpus", h.pcpus()); // the hypervisor's own (checked) settings: one copy
        }
        row(out, "host_cpus", Runtime.getRuntime().availableProcessors());
        if (h != null) {
            row(out, "total_memory", h.machineFrames() / 256);
            row(out, "free_memory", h.freeFrames() / 256);
            row(out, "pool_frames", h.totalFrames());
            row(out, "free_frames", h.freeFrames());
            String[] v = h.version().split("[.-]", 3);
            row(out, "xen_major", v[0]);
            row(out, "xen_minor", v.length > 1 ? v[1] : "0");
            row(out, "xen_extra", h.version().substring(Math.min(h.version().length(), (v[0] + "." + (v.length > 1 ? v[1] : "")).length())));
            row(out, "xen_version", h.version());
            row(out, "xen_caps", h.capabilities());
        }
        row(out, "oxen_version", context.getBundle().getVersion());
        row(out, "xen_pagesize", 4096);
        row(out, "xen_scheduler", join(names(SCHED_NAME, "(" + SCHED_DEFAULT + "=true)")));
        row(out, "schedulers", join(names(SCHED_NAME, null)));
        row(out, "x86_devices", join(names(DEVICE_NAME, null)));
        row(out, "osgi_framework", system.getSymbolicName() + " " + system.getVersion());
        row(out, "java_version", Runtime.version());
        return 0;
    }

    /** Values of {@code property} over the services that have it and match {@code extra}, if given. */
    private TreeSet<String> names(String property, String extra) {
        TreeSet<String> names = new TreeSet<>();
        String filter = "(" + property + "=*)";
        if (extra != null) {
            filter = "(&" + filter + extra + ")";
        }
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, filter);
            if (refs != null) {
                for (ServiceReference<?> ref : refs) {
                    names.add(String.valueOf(ref.getProperty(property)));
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("filter on " + property, e);
        }
        return names;
    }

    private static String join(TreeSet<String> names) {
        return names.isEmpty() ? "(none)" : String.join(" ", names);
    }

    static String hostName() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8);
            if (!lines.isEmpty() && !lines.get(0).isBlank()) {
                return lines.get(0).strip();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no procfs: ask the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** xl's layout: the key padded to 23 columns, then {@code ": "}. */
    private static void row(PrintStream out, String key, Object value) {
        out.printf("%-23s: %s%n", key, value);
    }
}
