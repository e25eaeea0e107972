package org.oxen.vmm.api.trace;

import org.osgi.annotation.versioning.ConsumerType;

/** Receives drained trace records ({@link HypervisorTrace#drain}). */
@ConsumerType
@FunctionalInterface
public interface TraceSink {

    /**
     * One record: the buffer it came from (a pCPU, or the last buffer: Domain-0's threads), its
     * time (ns of the hypervisor's system time), event number, and {@code extraCount} words at
     * the start of {@code extra} (an array reused for the next record: copy what you keep).
     */
    void record(int buffer, long timeNs, int event, int[] extra, int extraCount);
}
