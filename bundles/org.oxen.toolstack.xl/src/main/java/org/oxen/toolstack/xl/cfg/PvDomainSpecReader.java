package org.oxen.toolstack.xl.cfg;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.GuestClock;

/**
 * Reads a {@link PvDomainSpec} (a PV or, with {@code type = "hvm"}, an HVM domain) out of an
 * {@link XlConfig}, checking every key: a key oxen does
 * not know, a device type not yet served, a value of the wrong type or out of range is an error
 * naming the key and its {@code file:line:column}.
 */
public final class PvDomainSpecReader {

    static final int DEFAULT_MEMORY_MIB = 128;
    /** The hypervisor's limits (the ones it enforces), so a config is refused with its position. */
    static final int MAX_VCPUS = DomainConfig.MAX_VCPUS;
    static final int MAX_MEMORY_MIB = DomainConfig.MAX_MEMORY_MIB;

    /** Keys this reader understands. */
    static final Set<String> KEYS = Set.of("name", "type", "builder", "kernel", "cmdline", "extra", "root",
            "memory", "maxmem", "vcpus", "maxvcpus", "cpus", "on_poweroff", "on_reboot", "on_crash", "uuid", "serial", "ramdisk", "clock", "disk",
            "vif");

    /**
     * xl.cfg keys oxen does not serve yet and without which the domain would not be what the
     * user asked for (its passed-through hardware, its boot path): refused by name.
     * Every other key oxen does not use is warned about and ignored, as xl ignores keys it does
     * not use.
     */
    static final Set<String> ESSENTIAL_UNSERVED = Set.of("pci", "bootloader", "bootloader_args",
            "dtdev", "rdm", "ioports", "irqs", "iomem", "device_model_version", "device_model_override", "usbdev",
            "vtpm", "p9");

    private PvDomainSpecReader() {
    }

    /**
     * @throws XlConfigException naming the first offending key and its position
     */
    public static PvDomainSpec read(XlConfig cfg) throws XlConfigException {
        List<String> warnings = new ArrayList<>();
        for (XlConfig.Setting s : cfg.settings().values()) {
            if (ESSENTIAL_UNSERVED.contains(s.key())) {
                throw new XlConfigException(s.position(), "'" + s.key()
                        + "' is not supported by oxen yet, and the domain would not be what the config asks without it");
            }
            if (!KEYS.contains(s.key())) {
                warnings.add(s.position() + ": ignoring '" + s.key() + "': oxen does not use it (yet)");
            }
        }
        Optional<XlConfig.Setting> type = cfg.get("type").or(() -> cfg.get("builder"));
        boolean hvm = false;
        if (type.isPresent()) {
            String t = string(type.get());
            String k = t.toLowerCase(Locale.ROOT);
            if (k.equals("pvh")) {
                throw new XlConfigException(type.get().value().position(),
                        "type \"" + t + "\" is not supported by oxen yet; \"pv\" or \"hvm\"");
            }
            hvm = k.equals("hvm");
            if (!hvm && !k.equals("pv") && !k.equals("linux") && !k.equals("generic")) {
                throw new XlConfigException(type.get().value().position(),
                        "unknown domain type \"" + t + "\"; expected \"pv\" or \"hvm\"");
            }
        }
        String ramdisk = null;
        if (cfg.get("ramdisk").isPresent()) {
            XlConfig.Setting s = cfg.get("ramdisk").get();
            if (!hvm) {
                throw new XlConfigException(s.position(), "'ramdisk' is not supported by oxen yet for PV domains, and the"
                        + " domain would not be what the config asks without it (HVM domains take one)");
            }
            ramdisk = string(s);
            if (ramdisk.isBlank()) {
                throw new XlConfigException(s.value().position(), "'ramdisk' is empty");
            }
        }
        String serial = "pty";
        if (cfg.get("serial").isPresent()) {
            XlConfig.Setting s = cfg.get("serial").get();
            if (!hvm) {
                warnings.add(s.position() + ": ignoring 'serial': a PV domain has no emulated serial port");
            } else {
                serial = serial(s);
            }
        }
        XlConfig.Setting nameSetting = required(cfg, "name");
        String name = string(nameSetting);
        checkName(nameSetting, name);
        String kernel = string(required(cfg, "kernel"));
        if (kernel.isBlank()) {
            throw new XlConfigException(cfg.get("kernel").get().value().position(), "'kernel' is empty");
        }
        String cmdline = cmdline(cfg, warnings);
        int memory = cfg.get("memory").isPresent() ? number(cfg.get("memory").get(), 1, MAX_MEMORY_MIB) : DEFAULT_MEMORY_MIB;
        int maxmem = atLeast(cfg, "maxmem", "memory", memory, MAX_MEMORY_MIB);
        int vcpus = cfg.get("vcpus").isPresent() ? number(cfg.get("vcpus").get(), 1, MAX_VCPUS) : 1;
        int maxvcpus = atLeast(cfg, "maxvcpus", "vcpus", vcpus, MAX_VCPUS);
        if (cfg.get("uuid").isPresent()) {
            XlConfig.Setting s = cfg.get("uuid").get();
            if (!string(s).matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
                throw new XlConfigException(s.value().position(), "'uuid' is not a UUID: \"" + string(s) + "\"");
            }
        }
        String cpus = cfg.get("cpus").isPresent() ? string(cfg.get("cpus").get()) : null;
        return new PvDomainSpec(name, kernel, cmdline, memory, maxmem, vcpus, maxvcpus, cpus,
                action(cfg, "on_poweroff", LifecycleAction.DESTROY),
                action(cfg, "on_reboot", LifecycleAction.RESTART),
                action(cfg, "on_crash", LifecycleAction.DESTROY), warnings, hvm, serial, ramdisk, clock(cfg), disks(cfg, hvm, warnings),
                vifs(cfg));
    }

    /**
     * {@code vif = [ 'mac=..., bridge=...', ... ]}: one xl-network-configuration string per
     * interface, devids in list order unless one gives {@code devid=}; two with one devid or one
     * MAC are refused.
     */
    private static List<VifSpec> vifs(XlConfig cfg) throws XlConfigException {
        Optional<XlConfig.Setting> s = cfg.get("vif");
        if (s.isEmpty()) return List.of();
        if (!(s.get().value() instanceof ConfigValue.Lst l)) {
            throw new XlConfigException(s.get().value().position(), "'vif' must be a list of \"strings\", e.g. "
                    + "vif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0' ]");
        }
        List<VifSpec> vifs = new ArrayList<>();
        java.util.Set<Integer> devids = new java.util.HashSet<>();
        java.util.Set<String> macs = new java.util.HashSet<>();
        for (int i = 0; i < l.items().size(); i++) {
            ConfigValue item = l.items().get(i);
            if (!(item instanceof ConfigValue.Str str)) {
                throw new XlConfigException(item.position(), "'vif' entry " + i + " must be a \"string\"");
            }
            VifSpec v;
            try {
                v = VifSpec.parse(str.value(), i);
            } catch (IllegalArgumentException e) {
                throw new XlConfigException(item.position(), "'vif' entry " + i + ": " + e.getMessage());
            }
            if (!devids.add(v.devid())) {
                throw new XlConfigException(item.position(), "'vif' entry " + i + ": devid " + v.devid() + " is used twice");
            }
            if (v.mac() != null && !macs.add(v.mac())) {
                throw new XlConfigException(item.position(), "'vif' entry " + i + ": mac " + v.mac() + " is used twice");
            }
            vifs.add(v);
        }
        return vifs;
    }

    /** xl.cfg {@code serial}: a string or a list of one; "pty" (the domain's console) or "none". */
    private static String serial(XlConfig.Setting s) throws XlConfigException {
        String v;
        if (s.value() instanceof ConfigValue.Str str) {
            v = str.value();
        } else if (s.value() instanceof ConfigValue.Lst l && l.items().size() == 1
                && l.items().get(0) instanceof ConfigValue.Str str) {
            v = str.value();
        } else {
            throw new XlConfigException(s.value().position(), "'serial' must be a \"string\" (\"pty\" or \"none\")");
        }
        if (!v.equals("pty") && !v.equals("none")) {
            throw new XlConfigException(s.value().position(), "'serial' \"" + v
                    + "\" is not supported by oxen: \"pty\" (the domain's console, xl console) or \"none\"");
        }
        return v;
    }

    /**
     * {@code disk = [ 'DISKSPEC', ... ]}: each entry parsed by {@link DiskSpecParser}; two disks
     * may not share a vdev. An HVM domain's disks are PV block devices, as libxl writes them for
     * an HVM guest's PV drivers (xen-blkfront through the platform device); oxen has no emulated
     * disk controller beside them (QEMU's IDE disk of the same image), which a warning says.
     */
    private static List<DiskSpec> disks(XlConfig cfg, boolean hvm, List<String> warnings) throws XlConfigException {
        Optional<XlConfig.Setting> s = cfg.get("disk");
        if (s.isEmpty()) return List.of();
        if (hvm) {
            warnings.add(s.get().position() + ": an HVM domain's 'disk' entries are PV block devices only (for its"
                    + " PV drivers): oxen has no emulated disk controller");
        }
        if (!(s.get().value() instanceof ConfigValue.Lst l)) {
            throw new XlConfigException(s.get().value().position(), "'disk' must be a list: disk = [ 'DISKSPEC', ... ]");
        }
        List<DiskSpec> disks = new ArrayList<>();
        java.util.Map<Integer, String> vdevs = new java.util.HashMap<>();
        for (ConfigValue item : l.items()) {
            if (!(item instanceof ConfigValue.Str str)) {
                throw new XlConfigException(item.position(), "a 'disk' entry must be a \"string\" (a DISKSPEC)");
            }
            DiskSpec d;
            try {
                d = DiskSpecParser.parse(str.value());
            } catch (IllegalArgumentException e) {
                throw new XlConfigException(item.position(), e.getMessage());
            }
            String clash = vdevs.put(d.devid(), d.vdev());
            if (clash != null) {
                throw new XlConfigException(item.position(), "disk '" + str.value() + "': vdev " + d.vdev()
                        + " is the same device as " + clash + " of an earlier disk");
            }
            disks.add(d);
        }
        return disks;
    }

    /** oxen's {@code clock} key: "real", "instructions" (deterministic) or "default" (the hypervisor's). */
    private static GuestClock clock(XlConfig cfg) throws XlConfigException {
        Optional<XlConfig.Setting> s = cfg.get("clock");
        if (s.isEmpty()) return GuestClock.DEFAULT;
        try {
            return GuestClock.parse(string(s.get()));
        } catch (IllegalArgumentException e) {
            throw new XlConfigException(s.get().value().position(), "'clock': " + e.getMessage());
        }
    }

    /** A maximum ({@code maxmem}, {@code maxvcpus}) that defaults to, and may not be below, its base. */
    private static int atLeast(XlConfig cfg, String key, String baseKey, int base, int max) throws XlConfigException {
        Optional<XlConfig.Setting> s = cfg.get(key);
        if (s.isEmpty()) {
            return base;
        }
        int value = number(s.get(), 1, max);
        if (value < base) {
            throw new XlConfigException(s.get().value().position(),
                    "'" + key + "' (" + value + ") is below '" + baseKey + "' (" + base + ")");
        }
        return value;
    }

    private static String cmdline(XlConfig cfg, List<String> warnings) throws XlConfigException {
        Optional<XlConfig.Setting> cmdline = cfg.get("cmdline");
        Optional<XlConfig.Setting> root = cfg.get("root");
        Optional<XlConfig.Setting> extra = cfg.get("extra");
        if (cmdline.isPresent()) {
            if (root.isPresent() || extra.isPresent()) {
                warnings.add("ignoring \"root\" and \"extra\" in favour of \"cmdline\"");
            }
            return string(cmdline.get());
        }
        StringBuilder sb = new StringBuilder();
        if (root.isPresent()) {
            sb.append("root=").append(string(root.get()));
        }
        if (extra.isPresent()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(string(extra.get()));
        }
        return sb.toString();
    }

    private static void checkName(XlConfig.Setting s, String name) throws XlConfigException {
        String problem = DomainConfig.nameProblem(name);
        if (problem != null) {
            throw new XlConfigException(s.value().position(), "'name' \"" + name + "\": " + problem);
        }
    }

    private static LifecycleAction action(XlConfig cfg, String key, LifecycleAction dflt) throws XlConfigException {
        Optional<XlConfig.Setting> s = cfg.get(key);
        if (s.isEmpty()) {
            return dflt;
        }
        String word = string(s.get());
        for (LifecycleAction a : LifecycleAction.values()) {
            if (a.word().equals(word)) {
                return a;
            }
        }
        if (Set.of("rename-restart", "coredump-destroy", "coredump-restart", "soft-reset").contains(word)) {
            throw new XlConfigException(s.get().value().position(),
                    "'" + key + "' action \"" + word + "\" is not supported by oxen; use destroy, restart or preserve");
        }
        throw new XlConfigException(s.get().value().position(),
                "'" + key + "' must be destroy, restart or preserve, not \"" + word + "\"");
    }

    private static XlConfig.Setting required(XlConfig cfg, String key) throws XlConfigException {
        return cfg.get(key).orElseThrow(() -> new XlConfigException(
                new ConfigPosition(cfg.file(), 1, 1), "required key '" + key + "' is missing"));
    }

    private static String string(XlConfig.Setting s) throws XlConfigException {
        if (s.value() instanceof ConfigValue.Str str) {
            return str.value();
        }
        throw new XlConfigException(s.value().position(), "'" + s.key() + "' must be a \"string\"");
    }

    private static int number(XlConfig.Setting s, int min, int max) throws XlConfigException {
        if (!(s.value() instanceof ConfigValue.Num n)) {
            throw new XlConfigException(s.value().position(), "'" + s.key() + "' must be a number");
        }
        long v;
        try {
            v = n.text().startsWith("0x") || n.text().startsWith("0X")
                    ? Long.parseLong(n.text().substring(2), 16) : Long.parseLong(n.text());
        } catch (NumberFormatException e) {
            v = Long.MAX_VALUE;
        }
        if (v < min || v > max) {
            throw new XlConfigException(s.value().position(),
                    "'" + s.key() + "' = " + n.text() + " is outside " + min + ".." + max);
        }
        return (int) v;
    }
}
