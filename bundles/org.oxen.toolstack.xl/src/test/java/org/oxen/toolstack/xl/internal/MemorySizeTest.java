package org.oxen.toolstack.xl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** xl's memory sizes (parse_mem_size_kb): bare = MiB, one suffix letter, case-insensitive. */
class MemorySizeTest {

    @ParameterizedTest
    @CsvSource({"16, 16384", "16m, 16384", "16M, 16384", "12288k, 12288", "12288K, 12288", "1g, 1048576",
        "2G, 2097152", "1t, 1073741824", "8192b, 8", "8191b, 7", "0, 0", "007, 7168"})
    void sizesInXlSyntax(String text, long kib) {
        assertEquals(kib, MemorySize.parseKiB(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "m", "-5", "+5", " 5", "5 ", "5mb", "5x", "1.5g", "0x10", "abc",
        "9999999999999999999", "8388609t"})
    void anythingElseIsRefusedByName(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemorySize.parseKiB(text));
        assertEquals("invalid memory size: " + text, e.getMessage());
    }
}
