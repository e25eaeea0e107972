package org.oxen.vmm.api;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Domains (1.5, split out of {@link Hypervisor}): create, destroy, pause and find them, and hear
 * their lifecycle events. Thread-safe. Domain ids are never reused while the hypervisor runs.
 */
@ProviderType
public interface Domains {

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

    /**
     * XEN_DOMCTL's rename as libxl_domain_rename uses it (xl migrate renames the source
     * "name--migratedaway" and the target "name--incoming" until one of them is the domain).
     *
     * @throws IllegalArgumentException no such domain, a bad name ({@link DomainConfig#nameProblem})
     *     or one another domain has
     * @since 1.11
     */
    void rename(int domid, String name);

    /** Stops scheduling the domain's vcpus (nestable like Xen's pause count: one unpause each). */
    void pause(int domid);

    void unpause(int domid);

    /**
     * SCHEDOP_remote_shutdown from Domain-0: shuts the domain down with {@code reason} as if it
     * had asked (what {@code xl shutdown -F} falls back to for a guest without PV control). A
     * domain already shut down keeps its first reason, as in Xen.
     *
     * @throws IllegalArgumentException if there is no such domain
     * @since 1.6
     */
    void shutdown(int domid, ShutdownReason reason);

    /**
     * XEN_DOMCTL_max_mem: from now on the domain may hold at most {@code maxKiB} KiB (rounded
     * down to whole pages) of memory; its reservation is not touched. As in Xen, a maximum below
     * what the domain holds is accepted: the domain keeps its pages but gets no new ones until it
     * has given back enough ("ratchets down"). {@code xl mem-max} and {@code xl mem-set} add
     * libxl's slack before calling this.
     *
     * @throws IllegalArgumentException if there is no such domain or {@code maxKiB} is negative
     * @since 1.8
     */
    void setMaxMemory(int domid, long maxKiB);

    /** Every domain, by id. */
    List<Domain> list();

    Optional<Domain> find(int domid);

    Optional<Domain> find(String name);

    /** Lifecycle events of every domain from now on (see {@link DomainListener} for the thread). */
    void addListener(DomainListener listener);

    void removeListener(DomainListener listener);
}
