package org.oxen.toolstack.xl.cfg;

import java.util.List;
import java.util.Objects;

import org.oxen.vmm.api.GuestClock;

/**
 * The typed content of a PV domain's xl.cfg.
 *
 * @param name domain name ({@code name}, required)
 * @param kernel kernel image as written ({@code kernel}, required); resolved by the toolstack
 * @param cmdline kernel command line ({@code cmdline}, or {@code root=} + {@code extra} as xl builds it)
 * @param memoryMiB initial memory ({@code memory}, default {@value PvDomainSpecReader#DEFAULT_MEMORY_MIB})
 * @param maxmemMiB maximum memory ({@code maxmem}, default {@code memory})
 * @param vcpus vcpus online at boot ({@code vcpus}, default 1)
 * @param maxvcpus vcpus the domain may bring up ({@code maxvcpus}, default {@code vcpus})
 * @param cpus the hard affinity of every vcpu as written ({@code cpus}, an xl cpu list such as
 *     {@code "0-1,^1"}), null for all pCPUs; checked against the host by the toolstack
 * @param onPoweroff {@code on_poweroff}, default destroy
 * @param onReboot {@code on_reboot}, default restart
 * @param onCrash {@code on_crash}, default destroy
 * @param warnings what xl would warn about (e.g. {@code extra} ignored next to {@code cmdline})
 * @param clock the domain's time ({@code clock = "real"} or {@code "instructions"}, an oxen key:
 *     instructions makes the domain deterministic; default: the hypervisor's {@code oxen.clock}); since 1.2
 */
public record PvDomainSpec(String name, String kernel, String cmdline, int memoryMiB, int maxmemMiB, int vcpus,
        int maxvcpus, String cpus, LifecycleAction onPoweroff, LifecycleAction onReboot, LifecycleAction onCrash,
        List<String> warnings, GuestClock clock) {

    public PvDomainSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(clock, "clock");
        warnings = List.copyOf(warnings);
    }

    /** A spec whose domain runs on the hypervisor's default clock (the 1.1 constructor). */
    public PvDomainSpec(String name, String kernel, String cmdline, int memoryMiB, int maxmemMiB, int vcpus,
            int maxvcpus, String cpus, LifecycleAction onPoweroff, LifecycleAction onReboot, LifecycleAction onCrash,
            List<String> warnings) {
        this(name, kernel, cmdline, memoryMiB, maxmemMiB, vcpus, maxvcpus, cpus, onPoweroff, onReboot, onCrash,
                warnings, GuestClock.DEFAULT);
    }
}
