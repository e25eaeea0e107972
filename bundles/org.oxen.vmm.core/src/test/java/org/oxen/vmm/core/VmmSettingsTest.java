package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.oxen.vmm.api.GuestClock;
import org.junit.jupiter.api.Test;

/** Issue 12: bad runtime properties are one line naming the property and its range. */
class VmmSettingsTest {

    @Test
    void goodSettingsAreRead() {
        assertEquals(new VmmSettings(256, 3), VmmSettings.read(Map.of("oxen.memory.mib", " 256", "oxen.pcpus", "3")::get, 4096));
        assertEquals(VmmSettings.DEFAULT_MEMORY_MIB, VmmSettings.read(k -> null, 4096).memoryMiB());
        assertEquals(GuestClock.REAL, VmmSettings.read(k -> null, 4096).clock());
        assertEquals(GuestClock.INSTRUCTIONS, VmmSettings.read(Map.of("oxen.clock", "instructions")::get, 4096).clock());
        assertEquals(GuestClock.REAL, VmmSettings.read(Map.of("oxen.clock", " real ")::get, 4096).clock());
        assertEquals(true, VmmSettings.read(k -> null, 4096).metrics(), "metrics count unless told not to");
        assertEquals(false, VmmSettings.read(Map.of("oxen.metrics", "off")::get, 4096).metrics());
        assertEquals(true, VmmSettings.read(Map.of("oxen.metrics", " on")::get, 4096).metrics());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "oxen.memory.mib|0|oxen.memory.mib=0 is outside 8..15360 MiB",
        "oxen.memory.mib|abc|oxen.memory.mib=abc is not a whole number (8..15360 MiB)",
        "oxen.memory.mib|16384|oxen.memory.mib=16384 is outside 8..15360 MiB",
        "oxen.pcpus|0|oxen.pcpus=0 is outside 1..256 pCPUs",
        "oxen.pcpus|two|oxen.pcpus=two is not a whole number (1..256 pCPUs)",
        "oxen.clock|tsc|oxen.clock=tsc is not a clock (real or instructions)",
        "oxen.clock|default|oxen.clock=default is not a clock (real or instructions)",
        "oxen.metrics|false|oxen.metrics=false is not on or off",
        "oxen.memory.mib|2048|oxen.memory.mib=2048 does not fit the Java heap (1024 MiB max, 17 MiB of it for the frame table and 128 MiB for the rest of oxen): start java with -Xmx2304m or a smaller oxen.memory.mib",
    })
    void badSettingsAreOneLine(String key, String value, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> VmmSettings.read(Map.of(key, value)::get, 1024)).getMessage());
    }
}
