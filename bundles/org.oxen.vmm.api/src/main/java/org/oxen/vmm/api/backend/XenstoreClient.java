package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One connection to xenstored as Domain-0. Closing it removes its watches and aborts its open
 * transactions, as xenstored does when a connection goes away. Thread-safe.
 */
@ProviderType
public interface XenstoreClient extends XenstoreOps, AutoCloseable {

    /**
     * XS_WATCH on {@code path} (and every node below it).
     *
     * @return closing it is XS_UNWATCH (idempotent)
     */
    AutoCloseable watch(String path, String token, XenstoreWatcher watcher) throws XenstoreException;

    /** XS_TRANSACTION_START. */
    XenstoreTransaction transaction() throws XenstoreException;

    @Override
    void close();
}
