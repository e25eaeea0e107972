package org.oxen.x86.machine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One device of a machine description: its id (unique in the machine, names it in messages),
 * its type (the {@code oxen.device.name} of a device factory) and its options
 * ({@code io.<region>}, {@code mmio.<region>}, {@code irq}, {@code console}, ...), in order.
 */
public record DeviceEntry(String id, String type, Map<String, String> options) {

    public DeviceEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** This entry with {@code key=value} (a {@code null} or empty value removes the key). */
    public DeviceEntry with(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(options);
        if (value == null || value.isEmpty()) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return new DeviceEntry(id, type, m);
    }

    /** The text form: {@code id:type key=value ...} ({@code type ...} when id equals type). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(id.equals(type) ? type : id + ":" + type);
        options.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }
}
