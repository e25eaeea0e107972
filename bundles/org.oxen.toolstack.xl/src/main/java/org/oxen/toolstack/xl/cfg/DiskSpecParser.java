package org.oxen.toolstack.xl.cfg;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The one parser of xl's DISKSPEC strings (xl-disk-configuration(5); libxlu_disk_l.l): a
 * comma-separated series of {@code key=value} parameters, flags and positional parameters, the
 * positionals taken in the order target, format, vdev, access by whatever is neither a flag nor
 * contains {@code =}; {@code target=} swallows the rest of the string (commas included) and so
 * comes last; empty values mean the default; each parameter at most once. The deprecated form
 * {@code [<format>:]<target>,<vdev>[:cdrom],<access>} (with prefixes such as {@code phy:},
 * {@code file:}, {@code aio:}, {@code tap:} stripped) is accepted as xl accepts it.
 *
 * <p>Defaults: format raw, access rw (ro for a cdrom); vdev is required, and a target (oxen
 * serves no empty cdrom drive). What oxen cannot serve is refused by name: {@code script=}
 * (oxen runs no hotplug scripts), a {@code backend=} other than Domain-0, an unknown key or flag.
 * Errors say what is wrong in which spec.
 */
public final class DiskSpecParser {

    private DiskSpecParser() {
    }

    static final Set<String> FORMATS = Set.of("raw", "qcow", "qcow2", "vhd", "qed");
    private static final Set<String> FORMAT_PREFIXES = Set.of("raw", "qcow", "qcow2", "vhd", "qed");
    private static final Set<String> IGNORED_PREFIXES = Set.of("tapdisk", "tap2", "tap", "aio", "ioemu", "file", "phy");
    private static final Set<String> SCRIPT_PREFIXES = Set.of("iscsi", "nbd", "enbd", "drbd");
    private static final Set<String> BACKEND_TYPES = Set.of("phy", "qdisk", "tap", "standalone");

    /** Parses {@code spec}; {@link IllegalArgumentException} names what is wrong. */
    public static DiskSpec parse(String spec) {
        String target = null, format = null, vdev = null, access = null, devtype = null;
        boolean discard = true;
        boolean directIoSafe = false;
        boolean deprecated = false;
        int positional = 0; // 0 target, 1 format, 2 vdev, 3 access
        boolean[] given = new boolean[4];
        String rest = spec;
        List<String> parts = new ArrayList<>();
        while (rest != null) {
            String p = rest.stripLeading();
            if (p.startsWith("target=")) {
                parts.add(p); // the rest of the spec, commas and trailing blanks included
                break;
            }
            int comma = rest.indexOf(',');
            parts.add(comma < 0 ? p : rest.substring(0, comma).stripLeading());
            rest = comma < 0 ? null : rest.substring(comma + 1);
        }
        for (String p : parts) {
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).matches("[a-zA-Z][-a-zA-Z0-9_]*")) {
                String key = p.substring(0, eq);
                String value = p.substring(eq + 1);
                switch (key) {
                    case "target" -> target = once(spec, "target", target, value, given, 0);
                    case "format" -> format = once(spec, "format", format, value, given, 1);
                    case "vdev" -> vdev = once(spec, "vdev", vdev, value, given, 2);
                    case "access" -> access = once(spec, "access", access, value, given, 3);
                    case "devtype" -> devtype = once(spec, "devtype", devtype, value, null, -1);
                    case "backendtype" -> {
                        if (!value.isEmpty() && !BACKEND_TYPES.contains(value)) {
                            throw bad(spec, "backendtype '" + value + "' is not one of phy, qdisk, tap");
                        }
                    }
                    case "backend" -> {
                        if (!value.isEmpty() && !value.equals("0") && !value.equals("Domain-0")) {
                            throw bad(spec, "backend '" + value + "': oxen's disk backend runs in Domain-0 only");
                        }
                    }
                    case "script" -> throw bad(spec, "script '" + value + "': oxen runs no block hotplug scripts");
                    default -> throw bad(spec, "unknown parameter '" + key + "'");
                }
                continue;
            }
            switch (p) {
                case "cdrom" -> {
                    devtype = once(spec, "devtype", devtype, "cdrom", null, -1);
                    continue;
                }
                case "discard" -> {
                    discard = true;
                    continue;
                }
                case "no-discard" -> {
                    discard = false;
                    continue;
                }
                case "direct-io-safe" -> {
                    directIoSafe = true; // the backend may use O_DIRECT (blkback does for raw images)
                    continue;
                }
                case "trusted", "untrusted" -> {
                    continue; // advisory: oxen's blkback is the same for both
                }
                default -> {
                }
            }
            while (positional < 4 && given[positional]) positional++;
            if (deprecated && positional == 1) positional = 2; // the old syntax has no format positional
            while (positional < 4 && given[positional]) positional++;
            if (positional >= 4) throw bad(spec, "too many positional parameters at '" + p + "'");
            switch (positional) {
                case 0 -> {
                    String t = p;
                    for (;;) {
                        int colon = t.indexOf(':');
                        if (colon <= 0) break;
                        String prefix = t.substring(0, colon);
                        if (FORMAT_PREFIXES.contains(prefix)) {
                            format = once(spec, "format", format, prefix, null, -1);
                            given[1] = true;
                        } else if (SCRIPT_PREFIXES.contains(prefix)) {
                            throw bad(spec, "'" + prefix + ":' names a block script: oxen runs no block hotplug scripts");
                        } else if (!IGNORED_PREFIXES.contains(prefix)) {
                            break;
                        }
                        deprecated = true;
                        t = t.substring(colon + 1);
                    }
                    target = once(spec, "target", target, t, given, 0);
                }
                case 1 -> format = once(spec, "format", format, p, given, 1);
                case 2 -> {
                    String v = p;
                    int colon = v.indexOf(':');
                    if (colon >= 0) { // the deprecated vdev:devtype
                        devtype = once(spec, "devtype", devtype, v.substring(colon + 1), null, -1);
                        v = v.substring(0, colon);
                    }
                    vdev = once(spec, "vdev", vdev, v, given, 2);
                }
                default -> access = once(spec, "access", access, p, given, 3);
            }
            positional++;
        }
        boolean cdrom = false;
        if (devtype != null && !devtype.isEmpty()) {
            if (!devtype.equals("cdrom")) throw bad(spec, "devtype '" + devtype + "' is not 'cdrom'");
            cdrom = true;
        }
        if (format == null || format.isEmpty()) format = "raw";
        format = format.toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(format)) throw bad(spec, "format '" + format + "' is not one of raw, qcow, qcow2, vhd, qed");
        boolean ro;
        if (access == null || access.isEmpty()) {
            ro = cdrom;
        } else {
            ro = switch (access) {
                case "ro", "r" -> true;
                case "rw", "w" -> false;
                default -> throw bad(spec, "access '" + access + "' is not ro, r, rw or w");
            };
        }
        if (cdrom && !ro) throw bad(spec, "a cdrom is read-only (access '" + access + "')");
        if (vdev == null || vdev.isEmpty()) throw bad(spec, "no vdev (the device the guest sees, e.g. xvda)");
        if (target == null || target.isEmpty()) {
            throw bad(spec, cdrom ? "an empty cdrom drive (no target) is not supported by oxen" : "no target (the image file)");
        }
        int devid;
        try {
            devid = VirtualDevices.devid(vdev);
        } catch (IllegalArgumentException e) {
            throw bad(spec, e.getMessage());
        }
        return new DiskSpec(target, format, vdev, devid, ro, cdrom, discard, directIoSafe);
    }

    private static String once(String spec, String name, String old, String value, boolean[] given, int index) {
        if (old != null && !(name.equals("target") && old.isEmpty())) {
            throw bad(spec, name + " given twice ('" + old + "' and '" + value + "')");
        }
        if (given != null && index >= 0) given[index] = true;
        return value.strip();
    }

    private static IllegalArgumentException bad(String spec, String problem) {
        return new IllegalArgumentException("disk spec '" + spec + "': " + problem);
    }
}
