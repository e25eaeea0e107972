package org.oxen.toolstack.xl.internal;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.Vcpu;

/**
 * A snapshot of one domain as xl shows it (libxl_dominfo): the flags behind xl list's state
 * letters, memory, vcpus and CPU time. Domain-0 is oxen's host, the Java runtime itself
 * ({@link #host()}); every other row comes from a {@link Domain} of the hypervisor.
 *
 * @param domain the hypervisor's domain, {@code null} for Domain-0
 */
record DomainInfo(int id, String name, long memoryKiB, long maxMemoryKiB, boolean running, boolean blocked,
        boolean paused, boolean shutdown, boolean crashed, boolean dying, long cpuTimeNanos, List<VcpuInfo> vcpus,
        ShutdownReason shutdownReason, Domain domain) {

    static final String DOMAIN0 = org.oxen.toolstack.xl.XlDomains.HOST;

    /** One vcpu (libxl_vcpuinfo); {@code cpu} is -1 when it never ran. */
    record VcpuInfo(int id, boolean online, boolean running, boolean blocked, int cpu, long timeNanos) {
    }

    /** vcpus online. */
    int vcpusOnline() {
        return (int) vcpus.stream().filter(VcpuInfo::online).count();
    }

    boolean isHost() {
        return domain == null;
    }

    static DomainInfo of(Domain d) {
        DomainState state = d.state();
        List<VcpuInfo> vcpus = new ArrayList<>();
        boolean anyRunning = false;
        boolean allBlocked = true;
        boolean anyOnline = false;
        for (Vcpu v : d.vcpus()) {
            vcpus.add(new VcpuInfo(v.id(), v.online(), v.running(), v.blocked(), v.lastPcpu(), v.cpuTimeNanos()));
            anyRunning |= v.running();
            if (v.online()) {
                anyOnline = true;
                allBlocked &= v.blocked();
            }
        }
        ShutdownReason reason = d.shutdownReason().orElse(null);
        boolean stopped = state == DomainState.SHUTDOWN || state == DomainState.CRASHED;
        return new DomainInfo(d.id(), d.name(), d.memoryKiB(), d.maxMemoryKiB(),
                anyRunning && !stopped, state == DomainState.BLOCKED || (anyOnline && allBlocked && !anyRunning && !stopped),
                state == DomainState.PAUSED, stopped,
                state == DomainState.CRASHED || reason == ShutdownReason.CRASH, state == DomainState.DYING,
                d.cpuTimeNanos(), vcpus, reason, d);
    }

    /**
     * Domain-0: the Java host. Memory is the JVM's committed heap (its maximum as maxmem), vcpus
     * the host's processors, CPU time the process's; the process's CPU time is spread evenly over
     * its vcpus, since the JVM does not account time per processor.
     */
    static DomainInfo host() {
        Runtime rt = Runtime.getRuntime();
        int cpus = rt.availableProcessors();
        long cpu = ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
        List<VcpuInfo> vcpus = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            vcpus.add(new VcpuInfo(i, true, i == 0, false, i, cpu / cpus));
        }
        return new DomainInfo(0, DOMAIN0, rt.totalMemory() / 1024, rt.maxMemory() / 1024, true, false, false, false,
                false, false, cpu, vcpus, null, null);
    }

    /** Seconds the JVM (Domain-0) has been up. */
    static long hostUptimeSeconds() {
        return ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
    }

    /** xl list's six state letters: running, blocked, paused, shutdown, crashed, dying. */
    String xlState() {
        return "" + (running ? 'r' : '-') + (blocked ? 'b' : '-') + (paused ? 'p' : '-') + (shutdown ? 's' : '-')
                + (crashed ? 'c' : '-') + (dying ? 'd' : '-');
    }

    /** xentop's six state letters: dying, shutdown, blocked, crashed, paused, running. */
    String topState() {
        return "" + (dying ? 'd' : '-') + (shutdown ? 's' : '-') + (blocked ? 'b' : '-') + (crashed ? 'c' : '-')
                + (paused ? 'p' : '-') + (running ? 'r' : '-');
    }
}
