package org.oxen.vmm.api.jobs;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One job's handle ({@link Jobs#start}). {@link #progress} may be called from any thread, as
 * often as the work goes (it only stores figures); {@link #close()} ends the job.
 */
@ProviderType
public interface Job extends AutoCloseable {

    /** Work done so far, in the job's units; a new total if it became known (or changed), else the same. */
    void progress(long done, long total);

    /** What the job is doing now ("round 3", "stop-and-copy"). */
    void phase(String phase);

    /** The job's state now. */
    Jobs.JobInfo info();

    /** The job is over (done or failed); it leaves the list. Idempotent. */
    @Override
    void close();
}
