package org.oxen.sched.api;

import org.osgi.annotation.versioning.ProviderType;

/** A domain as a scheduler sees it. Implemented by the VMM core. */
@ProviderType
public interface SchedDomain {

    /** The domain id (0 is Domain 0). */
    int id();

    /** The domain name, for dumps and messages. */
    String name();

    /** Number of vcpus the domain has. */
    int vcpuCount();
}
