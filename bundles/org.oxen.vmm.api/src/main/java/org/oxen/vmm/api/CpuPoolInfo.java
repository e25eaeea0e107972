package org.oxen.vmm.api;

import java.util.List;

/**
 * A CPU pool as {@code xl cpupool-list} shows it: a set of pCPUs scheduled by one scheduler
 * instance, and the domains it runs. Pool 0 ("Pool-0") holds every pCPU at start.
 *
 * @param id        pool id (0 = Pool-0)
 * @param name      unique name
 * @param scheduler the scheduler running it now ({@code credit}, {@code rr}, ...; {@code fallback}
 *                  while no scheduler bundle is present)
 * @param cpus      its pCPUs, ascending (may be empty)
 * @param domains   ids of its domains, ascending
 */
public record CpuPoolInfo(int id, String name, String scheduler, List<Integer> cpus, List<Integer> domains) {

    public CpuPoolInfo {
        cpus = List.copyOf(cpus);
        domains = List.copyOf(domains);
    }
}
