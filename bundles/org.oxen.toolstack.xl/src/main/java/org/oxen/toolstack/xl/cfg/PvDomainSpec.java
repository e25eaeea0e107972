package org.oxen.toolstack.xl.cfg;

import java.util.List;
import java.util.Objects;

import org.oxen.vmm.api.GuestClock;

/**
 * The typed content of a domain's xl.cfg (PV, or since 1.2 HVM).
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
 * @param hvm {@code type = "hvm"} (1.2): an unmodified kernel (multiboot ELF or ROM image) on an
 *     emulated PC
 * @param serial an HVM domain's {@code serial}: "pty" (default: the domain's console) or "none" (1.2)
 * @param ramdisk an HVM domain's {@code ramdisk} (a Linux kernel's initrd) as written, or null (1.2)
 * @param clock the domain's time ({@code clock = "real"} or {@code "instructions"}, an oxen key:
 *     instructions makes the domain deterministic; default: the hypervisor's {@code oxen.clock}); since 1.2
 * @param disks the domain's disks ({@code disk = [ 'DISKSPEC', ... ]}, xl-disk-configuration(5)), targets
 *     as written; since 1.3
 * @param vifs the domain's network interfaces ({@code vif}, a list of xl-network-configuration
 *     strings), devids 0, 1, ... in list order unless a string gives its own; since 1.4
 */
public record PvDomainSpec(String name, String kernel, String cmdline, int memoryMiB, int maxmemMiB, int vcpus,
        int maxvcpus, String cpus, LifecycleAction onPoweroff, LifecycleAction onReboot, LifecycleAction onCrash,
        List<String> warnings, boolean hvm, String serial, String ramdisk, GuestClock clock, List<DiskSpec> disks,
        List<VifSpec> vifs) {

    public PvDomainSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(clock, "clock");
        warnings = List.copyOf(warnings);
        disks = List.copyOf(disks);
        vifs = List.copyOf(vifs);
    }

    /** A spec without network interfaces (the 1.3 form). */
    public PvDomainSpec(String name, String kernel, String cmdline, int memoryMiB, int maxmemMiB, int vcpus,
            int maxvcpus, String cpus, LifecycleAction onPoweroff, LifecycleAction onReboot, LifecycleAction onCrash,
            List<String> warnings, boolean hvm, String serial, String ramdisk, GuestClock clock, List<DiskSpec> disks) {
        this(name, kernel, cmdline, memoryMiB, maxmemMiB, vcpus, maxvcpus, cpus, onPoweroff, onReboot, onCrash, warnings,
                hvm, serial, ramdisk, clock, disks, List.of());
    }

    /** A spec without disks or network interfaces (the 1.2 form). */
    public PvDomainSpec(String name, String kernel, String cmdline, int memoryMiB, int maxmemMiB, int vcpus,
            int maxvcpus, String cpus, LifecycleAction onPoweroff, LifecycleAction onReboot, LifecycleAction onCrash,
            List<String> warnings, boolean hvm, String serial, String ramdisk, GuestClock clock) {
        this(name, kernel, cmdline, memoryMiB, maxmemMiB, vcpus, maxvcpus, cpus, onPoweroff, onReboot, onCrash, warnings,
                hvm, serial, ramdisk, clock, List.of(), List.of());
    }

    /** A PV domain's spec on the hypervisor's default clock (the 1.1 form). */
    public PvDomainSpec(String name, String kernel, String cmdline, int memoryMiB, int maxmemMiB, int vcpus,
            int maxvcpus, String cpus, LifecycleAction onPoweroff, LifecycleAction onReboot, LifecycleAction onCrash,
            List<String> warnings) {
        this(name, kernel, cmdline, memoryMiB, maxmemMiB, vcpus, maxvcpus, cpus, onPoweroff, onReboot, onCrash, warnings,
                false, "pty", null, GuestClock.DEFAULT);
    }
}
