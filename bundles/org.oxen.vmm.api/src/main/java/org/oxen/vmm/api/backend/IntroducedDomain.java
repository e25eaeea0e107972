package org.oxen.vmm.api.backend;

import org.osgi.annotation.versioning.ProviderType;
import org.oxen.vmm.api.Domain;

/**
 * What the domain builder hands xenstored for one domain (XS_INTRODUCE's domid, gfn, evtchn):
 * the store page it allocated from the guest's own memory, mapped into Domain-0, and the
 * guest's event-channel port it allocated unbound for Domain-0 (start_info's store_mfn and
 * store_evtchn). xenstored binds that port with
 * {@link org.oxen.vmm.api.Dom0EventChannels#bindInterdomain}.
 */
@ProviderType
public interface IntroducedDomain {

    Domain domain();

    /** start_info.store_mfn. */
    long storeMfn();

    /** start_info.store_evtchn: the guest's port, unbound for Domain-0 until xenstored binds it. */
    int storeEventChannel();

    /**
     * The store page (xenstore_domain_interface). While it is mapped the guest cannot give the
     * frame back nor make it a page table (Domain-0 holds a writable reference, as a foreign
     * mapping does in Xen); after {@link DomainIntroducer#release} every access throws.
     */
    PageView storePage();
}
