package org.oxen.webconsole.metrics;

/** A vcpu's counters over JMX ({@code org.oxen:type=Vcpu,domid=N,vcpu=M}). */
public interface VcpuMetricsMBean {

    long getCpuTimeNanos();

    long getInstructions();

    long[] getHypercallsByNumber();

    /** Exits by reason, in {@link org.oxen.vmm.api.VcpuExit} order ({@link #getExitReasons()}). */
    long[] getExits();

    String[] getExitReasons();

    long getUpcalls();

    long getEventsSent();
}
