package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A grant Domain-0 has mapped (GNTTABOP_map_grant_ref with GNTMAP_host_map). While it is mapped
 * the granting domain cannot end access to the grant and the frame cannot be freed or reused,
 * even if that domain is destroyed. Thread-safe.
 */
@ProviderType
public interface GrantMapping extends AutoCloseable {

    /** The granting domain. */
    int domid();

    /** The grant reference in that domain's table. */
    int ref();

    /** Whether it was mapped read-only (GNTMAP_readonly). */
    boolean readOnly();

    /** The frame's bytes; throws once unmapped. */
    PageView page();

    /**
     * GNTTABOP_unmap_grant_ref.
     *
     * @throws GrantException if it is not mapped any more (unmapping twice is an error, as in Xen)
     */
    void unmap() throws GrantException;

    /** Unmaps if still mapped; idempotent. */
    @Override
    void close();
}
