package org.oxen.toolstack.xl;

import org.osgi.annotation.versioning.ProviderType;

/**
 * This host's {@code xl top} tables, for {@code xl top} itself and for bundles that show them
 * elsewhere (a pool publishes each host's rows): a service provided by the xl bundle.
 *
 * @since 2.3
 */
@ProviderType
public interface TopTables {

    /** A new sampler of this host's domains; its first table measures CPU % from now. */
    Sampler open();

    /** Successive tables of one host: each one's CPU % is over the time since the one before. */
    @ProviderType
    interface Sampler {
        /** The table now (xentop's rows, the CPU time used since the previous call over the wall time). */
        TopTable next();
    }
}
