package org.oxen.vmm.core.trace;

/**
 * A thread that is a pCPU (its records go to that pCPU's buffer); every other thread is
 * Domain-0's and writes to the host buffer.
 */
public interface TraceCpu {
    /** The pCPU this thread runs. */
    int traceCpu();
}
