package org.oxen.x86.bus;

import java.util.LinkedHashMap;
import java.util.Map;

import org.oxen.x86.api.device.DeviceConfig;

/**
 * One device entry of a machine description: an id unique in the machine ({@code com1}), a
 * device type ({@code uart}, the factory's {@code oxen.device.name}) and string options.
 */
public record DeviceEntry(String id, String type, Map<String, String> options) {

    public DeviceEntry {
        options = Map.copyOf(options);
    }

    /** A fresh configuration (its used-key tracking starts empty). */
    public DeviceConfig config() {
        return DeviceConfig.of(id, type, options);
    }

    /** This entry with {@code key} set to {@code value}. */
    public DeviceEntry with(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(options);
        m.put(key, value);
        return new DeviceEntry(id, type, m);
    }

    /** This entry under another id (a second COM port from the first). */
    public DeviceEntry withId(String newId) {
        return new DeviceEntry(newId, type, options);
    }
}
