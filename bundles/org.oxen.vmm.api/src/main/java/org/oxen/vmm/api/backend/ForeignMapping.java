package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ProviderType;

/** A guest frame Domain-0 has mapped through {@link ForeignMemory} (1.1). Thread-safe. */
@ProviderType
public interface ForeignMapping extends AutoCloseable {

    /** The domain that owns the frame. */
    int domid();

    /** The machine frame number. */
    long mfn();

    /** Whether the mapping still holds the frame (not closed, its domain not destroyed). */
    boolean isMapped();

    /**
     * The frame's bytes, writable; after the domain's destruction a private copy of them as they
     * were then; every access throws {@link IllegalStateException} once closed.
     */
    PageView page();

    /** Unmaps (idempotent): the frame's references are dropped. */
    @Override
    void close();
}
