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
 * @param config the config's text and overrides as given, which a save carries so the restored
 *     domain gets the same plan (xl keeps the config file in its save file's header)
 */
record DomainPlan(PvDomainSpec spec, byte[] kernel, String source, String kernelSource, String uuid, byte[] ramdisk,
        List<DiskSpec> disks, ConfigText config) {

    /** An xl.cfg's text, the file it was read from (relative paths in it are relative to its directory) and the overrides. */
    record ConfigText(String file, String text, List<String> overrides) {
        ConfigText {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(text, "text");
            overrides = List.copyOf(overrides);
        }
    }

    DomainPlan {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(config, "config");
        disks = List.copyOf(disks);
    }

    DomainPlan withUuid(String id) {
        return new DomainPlan(spec, kernel, source, kernelSource, id, ramdisk, disks, config);
    }
}
