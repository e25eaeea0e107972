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

    /** The domain's granted pages mapped by another domain or a Domain-0 backend now. */
    long getGrantedPagesMapped();

    /** Other domains' granted pages this domain maps now. */
    long getGrantMapsHeld();

    /** The domain's frames Domain-0 maps now by machine frame (foreign maps). */
    long getForeignPagesMapped();

    /** Each device's kinds of I/O ("vbd 51712 read"), the order of {@link #getIoRequests()} and {@link #getIoBytes()}. */
    String[] getIoDevices();

    long[] getIoRequests();

    long[] getIoBytes();
}
