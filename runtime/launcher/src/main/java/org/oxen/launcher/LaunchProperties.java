package org.oxen.launcher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.osgi.framework.Constants;

/**
 * What a launch starts, read from the launcher properties that bnd's export writes
 * (runtime/target/launch/machine.properties, as runtime/launch.sh rewrites them): the bundles in
 * install order with their start levels, and the framework's configuration. The keys are bnd's
 * launcher's, read the way it reads them, so either launcher runs the same properties:
 * {@code launch.bundles} (paths), {@code launch.runbundles.attrs} (each bundle's
 * {@code startlevel}), {@code launch.startlevel.default}, {@code launch.system.packages} (the
 * framework's {@code org.osgi.framework.system.packages.extra}), {@code launch.storage.dir} and
 * {@code launch.keep} (a kept framework storage); every key outside {@code launch.*} is a
 * framework property.
 */
public final class LaunchProperties {

    /** Prefix of the launcher's own keys; every other key is a framework property. */
    static final String LAUNCH_PREFIX = "launch.";

    private final List<String> bundles;
    private final Map<String, Integer> startLevels;
    private final int defaultStartLevel;
    private final Map<String, String> framework;
    private final String storage;
    private final boolean keep;

    private LaunchProperties(List<String> bundles, Map<String, Integer> startLevels, int defaultStartLevel,
            Map<String, String> framework, String storage, boolean keep) {
        this.bundles = List.copyOf(bundles);
        this.startLevels = Map.copyOf(startLevels);
        this.defaultStartLevel = defaultStartLevel;
        this.framework = framework;
        this.storage = storage;
        this.keep = keep;
    }

    /** The launch that {@code p} describes; an {@link IllegalArgumentException} names a malformed key. */
    public static LaunchProperties of(Properties p) {
        List<String> bundles = new ArrayList<>();
        for (String b : p.getProperty("launch.bundles", "").split(",")) {
            if (!b.isBlank()) {
                bundles.add(b.trim());
            }
        }
        Map<String, Integer> levels = new HashMap<>();
        for (String clause : p.getProperty("launch.runbundles.attrs", "").split(",")) {
            int semi = clause.indexOf(';');
            if (semi < 0) {
                continue;
            }
            String bsn = clause.substring(0, semi).trim();
            for (String attr : clause.substring(semi + 1).split(";")) {
                int eq = attr.indexOf('=');
                if (eq > 0 && attr.substring(0, eq).trim().equals("startlevel")) {
                    levels.put(bsn, number("launch.runbundles.attrs", attr.substring(eq + 1).trim()));
                }
            }
        }
        String def = p.getProperty("launch.startlevel.default");
        int defaultLevel = def == null ? 1 : number("launch.startlevel.default", def);
        Map<String, String> framework = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (!k.startsWith(LAUNCH_PREFIX)) {
                framework.put(k, p.getProperty(k));
            }
        }
        String extra = p.getProperty("launch.system.packages");
        if (extra != null && !extra.isBlank()) {
            framework.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, extra);
        }
        String storage = p.getProperty("launch.storage.dir");
        return new LaunchProperties(bundles, levels, defaultLevel, framework,
                storage == null || storage.isBlank() ? null : storage, "true".equals(p.getProperty("launch.keep")));
    }

    private static int number(String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not a start level: " + value);
        }
    }

    /** The bundles' paths, in the order they are installed. */
    public List<String> bundles() {
        return bundles;
    }

    /** The start level of the bundle with symbolic name {@code bsn}. */
    public int startLevel(String bsn) {
        return startLevels.getOrDefault(bsn, defaultStartLevel);
    }

    /** The framework's configuration (a fresh copy), without its storage. */
    public Map<String, String> framework() {
        return new HashMap<>(framework);
    }

    /** The framework storage's directory, or null for a temporary one. */
    public String storage() {
        return storage;
    }

    /** Whether the storage is kept from start to start (else it is cleaned when the framework first initialises). */
    public boolean keep() {
        return keep;
    }
}
