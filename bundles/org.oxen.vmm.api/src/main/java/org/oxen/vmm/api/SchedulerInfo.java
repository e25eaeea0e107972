package org.oxen.vmm.api;

import java.util.List;

/**
 * A scheduler the hypervisor can use (one per scheduler bundle present), for {@code xl info}
 * and the {@code xl sched-*} commands, which need no code per scheduler: each parameter carries
 * its option letter and column header.
 *
 * @param name         as xl spells it: {@code credit}, {@code rr}, {@code bvt}, {@code sedf}, {@code atropos}
 * @param description  one line
 * @param isDefault    whether new pools and Pool-0 use it
 * @param domainParams its per-domain parameters, in the order the scheduler lists them
 * @param poolParams   its per-pool parameters (1.3), in its order
 */
public record SchedulerInfo(String name, String description, boolean isDefault, List<Param> domainParams,
        List<Param> poolParams) {

    public SchedulerInfo {
        domainParams = List.copyOf(domainParams);
        poolParams = List.copyOf(poolParams);
    }

    /** A scheduler without pool parameters (the 1.2 constructor). */
    public SchedulerInfo(String name, String description, boolean isDefault, List<Param> domainParams) {
        this(name, description, isDefault, domainParams, List.of());
    }

    /**
     * One parameter.
     *
     * @param name         e.g. {@code weight}
     * @param unit         e.g. {@code ms}, {@code %}, empty for none
     * @param range        accepted values as text, e.g. {@code 1..65535}
     * @param defaultValue formatted default
     * @param description  one line
     * @param option       (1.3) its option letter in {@code xl sched-<name>} ({@code "w"}), empty if none
     * @param column       (1.3) its column header in {@code xl sched-<name>} listings ({@code Weight})
     */
    public record Param(String name, String unit, String range, String defaultValue, String description,
            String option, String column) {

        /** A parameter without option letter, its column its name (the 1.2 constructor). */
        public Param(String name, String unit, String range, String defaultValue, String description) {
            this(name, unit, range, defaultValue, description, "", name);
        }
    }
}
