package org.oxen.vmm.api.trace;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The hypervisor's trace buffers (xentrace's view of Xen's tbufs): one buffer per pCPU plus one
 * for Domain-0's host threads (backends, the toolstack), each a ring of fixed-size binary
 * records with a timestamp (the hypervisor's system time in nanoseconds), an event of
 * {@code org.oxen.vmm.abi.Trace} (Xen's public/trace.h numbers) and up to five 32-bit words.
 *
 * <p>Tracing is off until {@link #enable} with a non-zero mask (Xen's {@code tb_event_mask}:
 * class bits 16-27 and sub-class bits 12-15, as {@code xentrace -e}); off, each trace point costs
 * one volatile read and a branch. A full buffer drops new records and counts them
 * ({@link #lost()}), as Xen's do; {@link #drain} takes records out, oldest first per buffer.
 */
@ProviderType
public interface HypervisorTrace {

    /** Buffers: the pCPUs' ({@code 0..pcpus-1}) then Domain-0's host threads' (the last). */
    int buffers();

    /** Records each buffer holds. */
    int recordsPerBuffer();

    /** The mask now (0: off). */
    int mask();

    /**
     * Traces the events {@code mask} selects from now on (0 stops tracing; the records stay to be
     * drained). A mask with bits outside TRC_ALL (0x0ffff000 and the low event bits): {@link IllegalArgumentException}.
     */
    void enable(int mask);

    /**
     * Whether events of class {@code cls} (a TRC_ class constant) may be traced now: one volatile
     * read (1.1). A trace point outside the hypervisor (a Domain-0 backend) tests it before it
     * gathers a record's words, as the hypervisor's own do.
     */
    boolean on(int cls);

    /**
     * Records {@code event} with four words, if the mask selects it (1.1): into the calling pCPU's
     * buffer, or Domain-0's for any other thread (a backend's). No allocation, no lock.
     */
    void trace4(int event, int a, int b, int c, int d);

    /** {@link #trace4} with five words (1.1). */
    void trace5(int event, int a, int b, int c, int d, int e);

    /** Records dropped because a buffer was full, since the hypervisor started. */
    long lost();

    /**
     * Takes every record out of the buffers, each buffer oldest first, passing each to
     * {@code sink}; returns how many. One drain at a time (callers serialise; a second
     * concurrent drain waits).
     */
    long drain(TraceSink sink);
}
