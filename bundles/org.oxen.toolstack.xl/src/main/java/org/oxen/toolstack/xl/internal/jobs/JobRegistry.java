package org.oxen.toolstack.xl.internal.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Component;
import org.oxen.vmm.api.jobs.Job;
import org.oxen.vmm.api.jobs.Jobs;

/**
 * The {@link Jobs} service: the running jobs by id.
 *
 * <p>Locking: the table is a concurrent map; a job's figures are volatile fields written by the
 * thread doing the work and read by anyone (the web console's poll): no lock on the work's path.
 */
@Component(service = Jobs.class)
public final class JobRegistry implements Jobs {

    private final Map<Long, RunningJob> running = new ConcurrentSkipListMap<>();
    private final AtomicLong ids = new AtomicLong();

    @Override
    public Job start(String kind, String subject, long total) {
        RunningJob j = new RunningJob(ids.incrementAndGet(), kind, subject, total);
        running.put(j.id, j);
        return j;
    }

    @Override
    public List<JobInfo> running() {
        List<JobInfo> l = new ArrayList<>();
        for (RunningJob j : running.values()) l.add(j.info());
        return l;
    }

    private final class RunningJob implements Job {
        final long id;
        final String kind, subject;
        final long started = System.nanoTime();
        volatile long done, total;
        volatile String phase = "";

        RunningJob(long id, String kind, String subject, long total) {
            this.id = id;
            this.kind = kind;
            this.subject = subject;
            this.total = total;
        }

        @Override
        public void progress(long d, long t) {
            done = d;
            total = t;
        }

        @Override
        public void phase(String p) {
            phase = p == null ? "" : p;
        }

        @Override
        public JobInfo info() {
            return new JobInfo(id, kind, subject, done, total, phase, started);
        }

        @Override
        public void close() {
            running.remove(id);
        }
    }
}
