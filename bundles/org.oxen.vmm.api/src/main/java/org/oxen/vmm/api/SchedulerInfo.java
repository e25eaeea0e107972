package org.oxen.vmm.api;

import java.util.List;

/**
 * A scheduler the hypervisor can use (one per scheduler bundle present), for {@code xl info}
 * and the {@code xl sched-*} commands.
 *
 * @param name         as xl spells it: {@code credit}, {@code rr}, {@code bvt}, {@code sedf}, {@code atropos}
 * @param description  one line
 * @param isDefault    whether new pools and Pool-0 use it
 * @param domainParams its per-domain parameters, in the order the scheduler lists them
 */
public record SchedulerInfo(String name, String description, boolean isDefault, List<Param> domainParams) {

    public SchedulerInfo {
        domainParams = List.copyOf(domainParams);
    }

    /**
     * One parameter.
     *
     * @param name         e.g. {@code weight}
     * @param unit         e.g. {@code ms}, {@code %}, empty for none
     * @param range        accepted values as text, e.g. {@code 1..65535}
     * @param defaultValue formatted default
     * @param description  one line
     */
    public record Param(String name, String unit, String range, String defaultValue, String description) {
    }
}
