package org.oxen.x86.api.device;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options of one device entry of a machine description: its id ({@code uart0}), its type
 * ({@code uart}) and string options, read through typed getters whose errors name the device
 * and the key. Every getter marks its key as used; after {@code create} the board calls
 * {@link #checkAllUsed()} so a misspelt or unsupported key is an error, not silently ignored.
 *
 * <p>Conventions: {@code io.<region>} and {@code mmio.<region>} give region bases (read by
 * the board through {@link #regionBase}); {@code irq} the interrupt line; integers are decimal
 * or {@code 0x} hexadecimal.
 */
public final class DeviceConfig {

    private final String id;
    private final String type;
    private final Map<String, String> options;
    private final Set<String> used = new TreeSet<>();

    private DeviceConfig(String id, String type, Map<String, String> options) {
        this.id = id;
        this.type = type;
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** A configuration for device {@code id} of type {@code type}. */
    public static DeviceConfig of(String id, String type, Map<String, String> options) {
        if (id == null || id.isBlank() || type == null || type.isBlank()) {
            throw new DeviceConfigException("device entry needs an id and a type (id=" + id + ", type=" + type + ")");
        }
        return new DeviceConfig(id, type, options);
    }

    public String id() {
        return id;
    }

    public String type() {
        return type;
    }

    /** All options, as given. */
    public Map<String, String> options() {
        return options;
    }

    public boolean has(String key) {
        return options.containsKey(key);
    }

    /** A string option, or {@code def} if absent. */
    public String string(String key, String def) {
        used.add(key);
        String v = options.get(key);
        return v == null ? def : v.strip();
    }

    /** A mandatory string option. */
    public String requireString(String key) {
        String v = string(key, null);
        if (v == null) {
            throw error(key, "missing");
        }
        return v;
    }

    /** A string option restricted to {@code allowed}. */
    public String choice(String key, String def, String... allowed) {
        String v = string(key, def);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw error(key, "expected one of " + String.join("|", allowed) + ", got '" + v + "'");
    }

    /** The option a periodic timer device reads for its missed periods (1.4). */
    public static final String MISSED_TICKS = "missed-ticks";
    /** {@link #MISSED_TICKS}: QEMU's merging, the default (1.4). */
    public static final String MISSED_TICKS_DROP = "drop";
    /** {@link #MISSED_TICKS}: Xen's delay_for_missed_ticks, missed periods owed one per acknowledgement (1.4). */
    public static final String MISSED_TICKS_CATCH_UP = "catch-up";

    /**
     * (1.4) Whether a periodic timer device owes its missed periods: option
     * {@value #MISSED_TICKS}, {@value #MISSED_TICKS_DROP} (the default) or
     * {@value #MISSED_TICKS_CATCH_UP}.
     */
    public boolean missedTicksCatchUp() {
        return choice(MISSED_TICKS, MISSED_TICKS_DROP, MISSED_TICKS_DROP, MISSED_TICKS_CATCH_UP)
                .equals(MISSED_TICKS_CATCH_UP);
    }

    /** A long option in {@code [min, max]}, or {@code def} if absent. */
    public long longValue(String key, long def, long min, long max) {
        String v = string(key, null);
        if (v == null) {
            return def;
        }
        long n;
        try {
            n = parse(v);
        } catch (NumberFormatException e) {
            throw error(key, "expected an integer, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw error(key, v + " is out of range [" + min + ", " + max + "]");
        }
        return n;
    }

    /** An int option in {@code [min, max]}, or {@code def} if absent. */
    public int intValue(String key, int def, int min, int max) {
        return (int) longValue(key, def, min, max);
    }

    /** A mandatory int option in {@code [min, max]}. */
    public int requireInt(String key, int min, int max) {
        if (!has(key)) {
            used.add(key);
            throw error(key, "missing");
        }
        return intValue(key, 0, min, max);
    }

    /** A mandatory interrupt line number (0..255). */
    public int irq(String key) {
        return requireInt(key, 0, 255);
    }

    /** A boolean option ({@code true/false/on/off/1/0/yes/no}), or {@code def} if absent. */
    public boolean bool(String key, boolean def) {
        String v = string(key, null);
        if (v == null) {
            return def;
        }
        switch (v.toLowerCase()) {
            case "true": case "on": case "1": case "yes":
                return true;
            case "false": case "off": case "0": case "no":
                return false;
            default:
                throw error(key, "expected true or false, got '" + v + "'");
        }
    }

    /**
     * The base of a region (port or MMIO) from {@code region.baseKey()}, or -1 if the option is
     * absent and the region is optional.
     */
    public long regionBase(String baseKey, boolean optional, long max) {
        if (!has(baseKey)) {
            used.add(baseKey);
            if (optional) {
                return -1;
            }
            throw error(baseKey, "missing (the base of this region)");
        }
        return longValue(baseKey, -1, 0, max);
    }

    /** Options no getter has read yet. */
    public Set<String> unusedKeys() {
        Set<String> unused = new TreeSet<>(options.keySet());
        unused.removeAll(used);
        return unused;
    }

    /** Fails if an option was never read: it is unknown to the device type. */
    public void checkAllUsed() {
        Set<String> unused = unusedKeys();
        if (!unused.isEmpty()) {
            throw new DeviceConfigException(describe() + ": unknown option" + (unused.size() > 1 ? "s " : " ")
                    + String.join(", ", unused.stream().map(k -> "'" + k + "'").toList()));
        }
    }

    /** An error about option {@code key} of this device. */
    public DeviceConfigException error(String key, String problem) {
        return new DeviceConfigException(describe() + ": option '" + key + "': " + problem);
    }

    /** {@code "device uart0 (uart)"}. */
    public String describe() {
        return "device " + id + " (" + type + ")";
    }

    private static long parse(String v) {
        String s = v.strip().replace("_", "");
        boolean neg = s.startsWith("-");
        if (neg) {
            s = s.substring(1);
        }
        long n = s.startsWith("0x") || s.startsWith("0X") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        return neg ? -n : n;
    }

    @Override
    public String toString() {
        return describe() + " " + options;
    }
}
