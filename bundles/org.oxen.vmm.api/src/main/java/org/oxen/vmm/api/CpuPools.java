package org.oxen.vmm.api;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * CPU pools and scheduling (1.5, split out of {@link Hypervisor}): the physical CPUs, the pools
 * they form, the schedulers present and their parameters. What {@code xl cpupool-*} and
 * {@code xl sched-*} use. Thread-safe.
 */
@ProviderType
public interface CpuPools {

    /** Physical CPUs (threads) the hypervisor runs vcpus on. */
    int pcpus();

    /** Every CPU pool, by id. */
    List<CpuPoolInfo> pools();

    /**
     * Creates a pool ({@code xl cpupool-create}).
     *
     * @param scheduler a present scheduler's name, or null for the default
     * @param cpus      free pCPUs (in no pool); may be empty
     * @throws IllegalArgumentException with the reason: name taken, unknown scheduler, a pCPU not free
     */
    CpuPoolInfo createPool(String name, String scheduler, List<Integer> cpus);

    /** Destroys an empty pool (no domains); its pCPUs become free. Pool-0 cannot be destroyed. */
    void destroyPool(String pool);

    /** Adds a free pCPU to a pool ({@code xl cpupool-cpu-add}). */
    void addPoolCpu(String pool, int cpu);

    /**
     * Removes a pCPU from a pool; it becomes free ({@code xl cpupool-cpu-remove}). The last pCPU
     * of a pool with domains cannot be removed.
     */
    void removePoolCpu(String pool, int cpu);

    /**
     * Moves a running domain to another pool ({@code xl cpupool-migrate}), following Xen's
     * sched_move_domain: the domain is paused only while its vcpus change schedulers; parameters
     * both schedulers share (same name and unit) carry over.
     */
    void migrate(int domid, String pool);

    /** The schedulers present, the default first. */
    List<SchedulerInfo> schedulers();

    /**
     * The domain's parameters in its pool's scheduler, by name, formatted ({@code xl sched-<name>
     * -d}); empty for a scheduler without per-domain parameters.
     */
    Map<String, String> schedulerParams(int domid);

    /**
     * The pool's scheduler-wide parameters by name, formatted ({@code xl sched-credit -s}: tslice,
     * ratelimit); empty if its scheduler has none.
     */
    Map<String, String> poolSchedulerParams(String pool);

    /** Sets some of the pool's scheduler-wide parameters (the others keep their values). */
    void setPoolSchedulerParams(String pool, Map<String, String> values);

    /**
     * Sets some of the domain's parameters (the others keep their values). Values are parsed by
     * the scheduler's schema (units like {@code 10ms} accepted where it says so).
     *
     * @throws IllegalArgumentException naming the parameter and the accepted range, or the invalid combination
     */
    void setSchedulerParams(int domid, Map<String, String> values);

    /**
     * A vcpu's hard affinity (1.5; xl vcpu-list's "Affinity (Hard)"): the machine's pCPUs it may run
     * on, ascending.
     *
     * @throws IllegalArgumentException no such domain or vcpu
     */
    List<Integer> vcpuAffinity(int domid, int vcpu);

    /**
     * Pins a vcpu (Xen's vcpu_set_hard_affinity, xl vcpu-pin): it runs only on {@code cpus} from
     * now on, moved at once if its pCPU is not among them.
     *
     * @throws IllegalArgumentException no such domain or vcpu, a pCPU that does not exist, or no
     *         pCPU of the domain's pool among {@code cpus}
     */
    void setVcpuAffinity(int domid, int vcpu, List<Integer> cpus);
}
