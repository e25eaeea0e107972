package org.oxen.sched.api;

import java.util.ArrayList;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Moving a domain from one scheduler instance to another: the steps of Xen's
 * {@code sched_move_domain}, used by {@code xl cpupool-migrate} and by the hot-swap of a
 * scheduler bundle (its pools' domains move to the default scheduler first).
 *
 * <ol>
 * <li><b>Allocate</b> the domain's data in the target and <b>carry</b> into it the parameters
 *     both algorithms share (same name and unit, value in the target's range; the others take
 *     the target's defaults, and so do all if the target rejects the combination). Then allocate
 *     every vcpu's data, which may read the domain's parameters. On failure free what was
 *     allocated and stop: the domain is untouched. (Xen carries no parameters; the step is
 *     oxen's, for hot-swap.)</li>
 * <li><b>Pause</b> the domain and wait until none of its vcpus runs.</li>
 * <li><b>Remove</b> every vcpu from the source.</li>
 * <li><b>Insert</b> every vcpu into the target: pick its pCPU in the target's pool, set its
 *     processor, attach the new data, {@code insert}.</li>
 * <li><b>Attach</b> the new domain data.</li>
 * <li><b>Unpause</b>: runnable vcpus wake in the target.</li>
 * <li><b>Free</b> the old vcpu and domain data in the source.</li>
 * </ol>
 *
 * Between steps 2 and 6 no vcpu of the domain runs, so none can run on two pCPUs; from step 4
 * on every vcpu is in exactly one scheduler, and a failure before step 2 leaves the domain
 * where it was.
 */
public final class DomainMove {

    /** What the core provides for a move: its slots for the private data, and pausing. */
    @ProviderType
    public interface Core {

        List<? extends SchedVcpu> vcpus(SchedDomain d);

        VcpuData vcpuData(SchedVcpu v);

        void attach(SchedVcpu v, VcpuData data);

        DomainData domainData(SchedDomain d);

        void attach(SchedDomain d, DomainData data);

        /** Xen's {@code domain_pause}: returns once none of the domain's vcpus runs. */
        void pause(SchedDomain d);

        void unpause(SchedDomain d);
    }

    private DomainMove() {
    }

    /**
     * Move {@code d} from {@code from} to {@code to}.
     *
     * @return the parameters the domain has in {@code to}
     */
    public static ParamValues move(SchedDomain d, Scheduler<?, ?> from, Scheduler<?, ?> to, Core core) {
        List<? extends SchedVcpu> vcpus = core.vcpus(d);
        DomainData oldDom = core.domainData(d);
        // 1. allocate the domain data, carry the shared parameters, allocate the vcpu data
        DomainData newDom = to.allocDomain(d);
        List<VcpuData> newData = new ArrayList<>(vcpus.size());
        ParamValues params;
        try {
            params = from.domainParams(oldDom).carryTo(to.factory().domainSchema());
            try {
                to.setDomainParams(newDom, params);
            } catch (SchedParamException e) {
                params = to.factory().domainSchema().defaults();
            }
            for (SchedVcpu v : vcpus) {
                newData.add(to.allocVcpu(v, newDom));
            }
        } catch (RuntimeException e) {
            for (VcpuData nd : newData) {
                to.freeVcpu(nd);
            }
            to.freeDomain(newDom);
            throw e;
        }
        // 2. pause
        core.pause(d);
        List<VcpuData> oldData = new ArrayList<>(vcpus.size());
        try {
            // 3. remove from the source
            for (SchedVcpu v : vcpus) {
                VcpuData od = core.vcpuData(v);
                oldData.add(od);
                from.remove(od);
            }
            // 4. insert into the target
            for (int i = 0; i < vcpus.size(); i++) {
                SchedVcpu v = vcpus.get(i);
                VcpuData nd = newData.get(i);
                v.setProcessor(to.pickCpu(nd));
                core.attach(v, nd);
                to.insert(nd);
            }
            // 5. attach the domain data
            core.attach(d, newDom);
        } finally {
            // 6. unpause
            core.unpause(d);
        }
        // 7. free the old data
        for (VcpuData od : oldData) {
            from.freeVcpu(od);
        }
        from.freeDomain(oldDom);
        return params;
    }
}
