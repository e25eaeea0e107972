package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * xenstored's side of XS_INTRODUCE and XS_RELEASE as a whiteboard service (1.1): the VMM calls
 * every registered introducer with each domain it builds, after the image and start_info are
 * laid out and before the domain's first vcpu runs (where libxl calls xs_introduce_domain
 * between xc_dom_build and unpausing), and with {@link #release} when the domain is destroyed,
 * before its frames go back to the pool. An introducer that registers while domains run is
 * introduced to each of them at once; one that leaves is not called again.
 *
 * <p>Calls come from the thread that creates or destroys the domain, one at a time per
 * introducer and domain; they must not wait for the guest.
 */
@ConsumerType
public interface DomainIntroducer {

    /**
     * A domain to serve. The {@link IntroducedDomain#storePage()} stays valid until
     * {@link #release} of that domain.
     *
     * @throws Exception if the domain cannot be served; the VMM logs it and the domain is
     *         built without this introducer (a guest then finds no xenstored, as with a
     *         xenstored that refused XS_INTRODUCE)
     */
    void introduce(IntroducedDomain domain) throws Exception;

    /** The domain is being destroyed: drop its connection (its store page goes next). */
    void release(int domid);
}
