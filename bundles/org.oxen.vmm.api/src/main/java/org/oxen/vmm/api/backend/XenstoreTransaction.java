package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A xenstore transaction (XS_TRANSACTION_START .. XS_TRANSACTION_END): its operations see and
 * change a snapshot; commit applies them all or none.
 */
@ProviderType
public interface XenstoreTransaction extends XenstoreOps, AutoCloseable {

    /**
     * XS_TRANSACTION_END with "T".
     *
     * @return false if another change touched what the transaction read or wrote (EAGAIN):
     *         nothing was applied, retry from the start
     */
    boolean commit() throws XenstoreException;

    /** XS_TRANSACTION_END with "F"; idempotent, and a no-op after commit. */
    void abort();

    @Override
    default void close() {
        abort();
    }
}
