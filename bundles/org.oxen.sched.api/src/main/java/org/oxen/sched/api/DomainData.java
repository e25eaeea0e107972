package org.oxen.sched.api;

import org.osgi.annotation.versioning.ConsumerType;

/** A scheduler's private per-domain data (Xen's {@code d->sched_priv}, typed). See {@link VcpuData}. */
@ConsumerType
public abstract class DomainData {

    private final SchedDomain domain;
    Scheduler<?, ?> owner;

    protected DomainData(SchedDomain domain) {
        if (domain == null) {
            throw new NullPointerException("domain");
        }
        this.domain = domain;
    }

    public final SchedDomain domain() {
        return domain;
    }

    @Override
    public String toString() {
        return "d" + domain.id();
    }
}
