package org.oxen.vmm.api;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The hypervisor: domains on a pool of machine frames, run by pCPU threads.
 *
 * <p>All methods are thread-safe. Domain ids are never reused while the hypervisor runs.
 */
@ProviderType
public interface Hypervisor {

    /**
     * Builds a domain from {@code config} (loads the kernel, lays out its start of day) and
     * starts it running, or paused if {@link DomainConfig#startPaused()}.
     *
     * @throws DomainBuildException when the image is malformed or unsupported or memory is short;
     *         nothing is leaked
     * @throws IllegalArgumentException when the configuration is invalid or the name is taken
     */
    Domain create(DomainConfig config) throws DomainBuildException;

    /** Stops the domain's vcpus, returns every frame to the pool, forgets the domain. */
    void destroy(int domid);

    /** Stops scheduling the domain's vcpus (nestable like Xen's pause count: one unpause each). */
    void pause(int domid);

    void unpause(int domid);

    /** Every domain, by id. */
    List<Domain> list();

    Optional<Domain> find(int domid);

    Optional<Domain> find(String name);

    /** Machine frames (4 KiB) in the pool. */
    long totalFrames();

    /** Machine frames not owned by any domain nor by the hypervisor. */
    long freeFrames();

    /** The Xen version oxen presents, as xl info shows it: major.minor plus extraversion ("4.1.0-oxen"). */
    String version();

    /** The guest ABIs it runs (xen_caps): "xen-3.0-x86_32p". */
    String capabilities();

    /** Physical CPUs (threads) the hypervisor runs vcpus on. */
    int pcpus();

    /** The hypervisor's own log (Xen's dmesg): newest last, bounded. */
    List<String> dmesg();

    /**
     * Internal errors caught at the hypercall dispatcher or the exit handler (each crashed only
     * the domain that caused it). Tests assert zero.
     */
    long internalErrors();

    /** Lifecycle events of every domain from now on (see {@link DomainListener} for the thread). */
    void addListener(DomainListener listener);

    void removeListener(DomainListener listener);
}
