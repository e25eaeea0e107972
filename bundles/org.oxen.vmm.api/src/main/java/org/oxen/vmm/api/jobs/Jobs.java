package org.oxen.vmm.api.jobs;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Long work in progress ({@code xl save}, {@code xl restore}, {@code xl migrate}, image creation):
 * each command that starts such work opens a {@link Job} here and reports its progress; the shell
 * prints it and the web console draws it. A service of the toolstack.
 */
@ProviderType
public interface Jobs {

    /**
     * Opens a job: what it is ({@code "save"}, {@code "restore"}, {@code "migrate"},
     * {@code "image create"}), its subject (a domain's name, a file) and the units of work it
     * expects ({@code total}, e.g. bytes; 0 when unknown). Listed until {@link Job#close()}.
     */
    Job start(String kind, String subject, long total);

    /** The jobs running now, oldest first. */
    List<JobInfo> running();

    /** A running job's state. */
    record JobInfo(long id, String kind, String subject, long done, long total, String phase, long startedNanos) {
        /** Done as a fraction of total in [0, 1]; 0 while the total is unknown. */
        public double fraction() {
            return total <= 0 ? 0 : Math.min(1.0, (double) done / total);
        }
    }
}
