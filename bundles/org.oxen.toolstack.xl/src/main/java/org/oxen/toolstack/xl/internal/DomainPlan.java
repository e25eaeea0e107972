package org.oxen.toolstack.xl.internal;

import java.util.List;
import java.util.Objects;

import org.oxen.toolstack.xl.cfg.DiskSpec;

import org.oxen.toolstack.xl.cfg.PvDomainSpec;

/**
 * Everything needed to create (and re-create, for on_reboot=restart) one domain: the typed
 * config, the kernel image already read, and where both came from.
 *
 * @param source the config file as named by the user (for messages)
 * @param kernelSource where the kernel came from ({@code guest:hello} or a path)
 * @param ramdisk an HVM Linux kernel's initrd, already read, or null
 * @param disks the spec's disks with their targets resolved (absolute paths of existing files)
 * @param uuid the config's {@code uuid}, or {@code null} until the toolstack gives the domain a
 *     random one at creation (oxen's hypervisor has no uuids: the toolstack keeps them, and a
 *     restarted domain keeps its uuid as in xl)
 */
record DomainPlan(PvDomainSpec spec, byte[] kernel, String source, String kernelSource, String uuid, byte[] ramdisk,
        List<DiskSpec> disks) {

    DomainPlan(PvDomainSpec spec, byte[] kernel, String source, String kernelSource, String uuid) {
        this(spec, kernel, source, kernelSource, uuid, null, spec.disks());
    }

    DomainPlan {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(kernel, "kernel");
        disks = List.copyOf(disks);
    }

    DomainPlan withUuid(String id) {
        return new DomainPlan(spec, kernel, source, kernelSource, id, ramdisk, disks);
    }
}
