package org.oxen.vmm.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The hypervisor: domains on a pool of machine frames, run by pCPU threads.
 *
 * <p>All methods are thread-safe. Domain ids are never reused while the hypervisor runs.
 */
@ProviderType
public interface Hypervisor {

    /**
     * Builds a domain from {@code config} (loads the kernel, lays out its start of day) and
     * starts it running, or paused if {@link DomainConfig#startPaused()}.
     *
     * @throws DomainBuildException when the image is malformed or unsupported or memory is short;
     *         nothing is leaked
     * @throws IllegalArgumentException when the configuration is invalid or the name is taken
     */
    Domain create(DomainConfig config) throws DomainBuildException;

    /** Stops the domain's vcpus, returns every frame to the pool, forgets the domain. */
    void destroy(int domid);

    /** Stops scheduling the domain's vcpus (nestable like Xen's pause count: one unpause each). */
    void pause(int domid);

    void unpause(int domid);

    /** Every domain, by id. */
    List<Domain> list();

    Optional<Domain> find(int domid);

    Optional<Domain> find(String name);

    /** Machine frames (4 KiB) in the pool. */
    long totalFrames();

    /**
     * All machine frames (4 KiB): the pool plus the hypervisor's own (M2P table, reserved pages),
     * i.e. the configured machine memory, as Xen's physinfo total_pages.
     *
     * @since 1.2
     */
    long machineFrames();

    /** Machine frames not owned by any domain nor by the hypervisor. */
    long freeFrames();

    /** The Xen version oxen presents, as xl info shows it: major.minor plus extraversion ("4.1.0-oxen"). */
    String version();

    /** The guest ABIs it runs (xen_caps): "xen-3.0-x86_32p". */
    String capabilities();

    /** Physical CPUs (threads) the hypervisor runs vcpus on. */
    int pcpus();

    /** The hypervisor's own log (Xen's dmesg): newest last, bounded. */
    List<String> dmesg();

    /**
     * Internal errors caught at the hypercall dispatcher or the exit handler (each crashed only
     * the domain that caused it). Tests assert zero.
     */
    long internalErrors();

    /** Lifecycle events of every domain from now on (see {@link DomainListener} for the thread). */
    void addListener(DomainListener listener);

    void removeListener(DomainListener listener);

    // ---- CPU pools and schedulers (1.1). Defaults throw, so test doubles need not implement them.

    /** Every CPU pool, by id. */
    default List<CpuPoolInfo> pools() {
        throw new UnsupportedOperationException("CPU pools");
    }

    /**
     * Creates a pool ({@code xl cpupool-create}).
     *
     * @param scheduler a present scheduler's name, or null for the default
     * @param cpus      free pCPUs (in no pool); may be empty
     * @throws IllegalArgumentException with the reason: name taken, unknown scheduler, a pCPU not free
     */
    default CpuPoolInfo createPool(String name, String scheduler, List<Integer> cpus) {
        throw new UnsupportedOperationException("CPU pools");
    }

    /** Destroys an empty pool (no domains); its pCPUs become free. Pool-0 cannot be destroyed. */
    default void destroyPool(String pool) {
        throw new UnsupportedOperationException("CPU pools");
    }

    /** Adds a free pCPU to a pool ({@code xl cpupool-cpu-add}). */
    default void addPoolCpu(String pool, int cpu) {
        throw new UnsupportedOperationException("CPU pools");
    }

    /**
     * Removes a pCPU from a pool; it becomes free ({@code xl cpupool-cpu-remove}). The last pCPU
     * of a pool with domains cannot be removed.
     */
    default void removePoolCpu(String pool, int cpu) {
        throw new UnsupportedOperationException("CPU pools");
    }

    /**
     * Moves a running domain to another pool ({@code xl cpupool-migrate}), following Xen's
     * sched_move_domain: the domain is paused only while its vcpus change schedulers; parameters
     * both schedulers share (same name and unit) carry over.
     */
    default void migrate(int domid, String pool) {
        throw new UnsupportedOperationException("CPU pools");
    }

    /** The schedulers present, the default first. */
    default List<SchedulerInfo> schedulers() {
        throw new UnsupportedOperationException("schedulers");
    }

    /**
     * The domain's parameters in its pool's scheduler, by name, formatted ({@code xl sched-<name>
     * -d}); empty for a scheduler without per-domain parameters.
     */
    default Map<String, String> schedulerParams(int domid) {
        throw new UnsupportedOperationException("schedulers");
    }

    /**
     * The pool's scheduler-wide parameters by name, formatted ({@code xl sched-credit -s}: tslice,
     * ratelimit); empty if its scheduler has none.
     */
    default Map<String, String> poolSchedulerParams(String pool) {
        throw new UnsupportedOperationException("schedulers");
    }

    /** Sets some of the pool's scheduler-wide parameters (the others keep their values). */
    default void setPoolSchedulerParams(String pool, Map<String, String> values) {
        throw new UnsupportedOperationException("schedulers");
    }

    /**
     * Sets some of the domain's parameters (the others keep their values). Values are parsed by
     * the scheduler's schema (units like {@code 10ms} accepted where it says so).
     *
     * @throws IllegalArgumentException naming the parameter and the accepted range, or the invalid combination
     */
    default void setSchedulerParams(int domid, Map<String, String> values) {
        throw new UnsupportedOperationException("schedulers");
    }

    /**
     * A vcpu's hard affinity (xl vcpu-list's "Affinity (Hard)"): the machine's pCPUs it may run
     * on, ascending.
     *
     * @throws IllegalArgumentException no such domain or vcpu
     */
    default List<Integer> vcpuAffinity(int domid, int vcpu) {
        throw new UnsupportedOperationException("vcpu affinity");
    }

    /**
     * Pins a vcpu (Xen's vcpu_set_hard_affinity, xl vcpu-pin): it runs only on {@code cpus} from
     * now on, moved at once if its pCPU is not among them.
     *
     * @throws IllegalArgumentException no such domain or vcpu, a pCPU that does not exist, or no
     *         pCPU of the domain's pool among {@code cpus}
     */
    default void setVcpuAffinity(int domid, int vcpu, List<Integer> cpus) {
        throw new UnsupportedOperationException("vcpu affinity");
    }

    /**
     * Domain-0's event channels (1.4): how Java components of the host (split-driver backends,
     * consoles) bind ports to a guest, send it events and are called back on its events.
     */
    default Dom0EventChannels eventChannels() {
        throw new UnsupportedOperationException("event channels");
    }
}
