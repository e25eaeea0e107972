package org.oxen.toolstack.xl.cfg;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed xl.cfg: its settings in file order. A key set twice keeps its last value, as in xl.
 */
public final class XlConfig {

    /** One {@code key = value} line. */
    public record Setting(String key, ConfigValue value, ConfigPosition position) {
    }

    private final String file;
    private final Map<String, Setting> settings;

    XlConfig(String file, Map<String, Setting> settings) {
        this.file = file;
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** The file name used in messages. */
    public String file() {
        return file;
    }

    /** Every setting, in the order their keys first appeared. */
    public Map<String, Setting> settings() {
        return settings;
    }

    public Optional<Setting> get(String key) {
        return Optional.ofNullable(settings.get(key));
    }
}
