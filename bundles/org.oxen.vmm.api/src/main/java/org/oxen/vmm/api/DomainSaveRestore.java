package org.oxen.vmm.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Save, restore and live migration of PV domains (libxc's xc_domain_save / xc_domain_restore /
 * xc_domain_resume under the toolstack's xl save, restore and migrate). The stream is oxen's,
 * modelled on Xen's migration stream v2 and documented in docs/migration-stream.md.
 *
 * <p>The guest takes part as a PV guest does under Xen: the toolstack asks it to suspend
 * (xenstore's {@code control/shutdown} = "suspend"); it quiesces, unmaps shared_info and calls
 * SCHEDOP_shutdown(SHUTDOWN_suspend) with its start_info's frame in EDX. A domain so suspended
 * can be saved, and then destroyed, or resumed ({@link #resume}). The restored domain gets new
 * machine frames (its page tables are revalidated, never trusted), a new shared_info, new
 * store and console event channels in its start_info, and continues from its suspend
 * hypercall, which returns 0 there.
 *
 * @since 1.11
 */
@ProviderType
public interface DomainSaveRestore {

    /** What a save wrote. */
    record Saved(long pages, long bytes, long nanos) {
    }

    /** One pre-copy round of a live save (Clark et al.'s iterative pre-copy), or the last copy. */
    record Round(int number, boolean last, long pagesSent, long dirtyAfter, long bytes, long nanos) {
    }

    /** A live save's bounds: at most {@code maxRounds} rounds, stop early once the dirty set stops shrinking or falls to {@code dirtyThreshold} pages. */
    record LiveOptions(int maxRounds, int dirtyThreshold) {
        public static final LiveOptions DEFAULT = new LiveOptions(30, 50);
    }

    /** Asks the running domain to suspend and waits until it has (the toolstack's part of a live save). */
    @FunctionalInterface
    interface Suspender {
        void suspend() throws IOException, InterruptedException;
    }

    /** A restored domain, paused, and the toolstack's data saved with it. */
    record Restored(Domain domain, byte[] toolstack, long pages, long nanos) {
    }

    /**
     * Writes a suspended domain (shut down with {@link ShutdownReason#SUSPEND}) to {@code out},
     * with {@code toolstack} (opaque bytes, at most 1 MiB) carried along. The domain stays
     * suspended: destroy or {@link #resume} it.
     *
     * @throws IllegalArgumentException no such domain
     * @throws IllegalStateException the domain is not suspended, or holds state oxen cannot
     *     carry (the message names it: a grant or foreign mapping, an LDT, ...)
     */
    Saved save(int domid, OutputStream out, byte[] toolstack) throws IOException;

    /**
     * Writes a running domain to {@code out} live: every page while it runs, then in rounds the
     * pages it dirtied meanwhile (log-dirty mode), then {@code suspender} suspends it and the
     * pages dirtied last, the page tables, vcpus and shared_info follow. {@code progress} hears
     * of each round. On failure the domain is left as it is (running, or suspended if the
     * suspender ran: {@link #resume} it).
     */
    Saved saveLive(int domid, OutputStream out, byte[] toolstack, LiveOptions options, Suspender suspender,
            Consumer<Round> progress) throws IOException, InterruptedException;

    /**
     * Builds a domain from a stream, named {@code naming.apply(the saved name)}, and leaves it
     * paused: unpause it to let it continue. A stream of another format or version, truncated
     * or corrupted, or holding state that does not validate (a page table mapping what it may
     * not) is refused with a {@link DomainBuildException} naming the problem and where it is,
     * and nothing is left behind.
     */
    Restored restore(InputStream in, java.util.function.UnaryOperator<String> naming)
            throws DomainBuildException, IOException;

    /**
     * xc_domain_resume: a suspended domain goes on in place, its suspend hypercall returning 1
     * (the suspend was cancelled).
     *
     * @throws IllegalStateException the domain is not suspended
     */
    void resume(int domid);

    /**
     * Whether {@code domid} suspends itself for a save (1.14): a PV guest does, when asked
     * through {@code control/shutdown} = "suspend"; an HVM domain does not, and the toolstack
     * pauses it instead (libxl's xc_domain_pause for an HVM guest without PV drivers); its
     * {@link #resume} unpauses it once.
     */
    boolean guestSuspends(int domid);
}
