package org.oxen.sched.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A scheduler's private per-vcpu data (Xen's {@code unit->priv}, typed). Each algorithm
 * subclasses it; the core stores the object in its vcpu and hands it back to the instance that
 * made it, which checks the ownership on every call.
 */
@ConsumerType
public abstract class VcpuData {

    private final SchedVcpu vcpu;
    Scheduler<?, ?> owner;

    protected VcpuData(SchedVcpu vcpu) {
        if (vcpu == null) {
            throw new NullPointerException("vcpu");
        }
        this.vcpu = vcpu;
    }

    /** The core's vcpu this data belongs to. */
    public final SchedVcpu vcpu() {
        return vcpu;
    }

    @Override
    public String toString() {
        return "d" + vcpu.domain().id() + "v" + vcpu.id();
    }
}
