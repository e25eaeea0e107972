package org.oxen.webconsole.metrics;

/**
 * A domain's counters over JMX ({@code org.oxen:type=Domain,domid=N}): what {@code xl list}
 * shows and what {@code /metrics} exports, from the same VMM counters.
 */
public interface DomainMetricsMBean {

    int getDomid();

    String getName();

    /** xl list's state letter. */
    String getState();

    long getMemoryKiB();

    long getMaxMemoryKiB();

    /** Online vcpus, as xl list's VCPUs. */
    int getVcpus();

    int getMaxVcpus();

    long getCpuTimeNanos();

    long getInstructions();

    /** Hypercalls of all vcpus, by number (index = hypercall number). */
    long[] getHypercallsByNumber();

    long getHypercalls();

    long getEventsSent();

    long getEventsDelivered();

    long getUpcalls();
}
