package org.oxen.toolstack.xl;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A wider view for {@code xl top} (2.3): when a bundle registers one (a pool: every host's
 * domains with a host column), {@code xl top} shows the table it makes of this host's instead of
 * this host's alone, with its own options, delays, batch mode and keys unchanged. The view with
 * the highest {@code service.ranking} is used.
 *
 * @since 2.3
 */
@ConsumerType
public interface TopView {

    /** The table to show, given this host's table sampled just now. */
    TopTable view(TopTable host);
}
