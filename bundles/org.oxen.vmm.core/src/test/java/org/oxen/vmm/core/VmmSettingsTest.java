package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.oxen.vmm.api.GuestClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.vmm.core.mm.HostMemoryBudget;

/**
 * Issue 12: bad runtime properties are one line naming the property and its range. Session 16:
 * machine memory is checked against what the host can back, only its frame table against the
 * Java heap (guest RAM is outside it).
 */
class VmmSettingsTest {

    /** A host that can back 8 GiB (the unit tests' budget unless a case says otherwise). */
    private static final HostMemoryBudget HOST = new HostMemoryBudget(8192, "MemAvailable in /proc/meminfo");

    @TempDir
    Path dir;

    @Test
    void goodSettingsAreRead() {
        assertEquals(new VmmSettings(256, 3), VmmSettings.read(Map.of("oxen.memory.mib", " 256", "oxen.pcpus", "3")::get, 4096, HOST));
        assertEquals(VmmSettings.DEFAULT_MEMORY_MIB, VmmSettings.read(k -> null, 4096, HOST).memoryMiB());
        assertEquals(GuestClock.REAL, VmmSettings.read(k -> null, 4096, HOST).clock());
        assertEquals(GuestClock.INSTRUCTIONS, VmmSettings.read(Map.of("oxen.clock", "instructions")::get, 4096, HOST).clock());
        assertEquals(GuestClock.REAL, VmmSettings.read(Map.of("oxen.clock", " real ")::get, 4096, HOST).clock());
        assertEquals(true, VmmSettings.read(k -> null, 4096, HOST).metrics(), "metrics count unless told not to");
        assertEquals(false, VmmSettings.read(Map.of("oxen.metrics", "off")::get, 4096, HOST).metrics());
        assertEquals(true, VmmSettings.read(Map.of("oxen.metrics", " on")::get, 4096, HOST).metrics());
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
        "oxen.memory.mib|15360|oxen.memory.mib=15360 needs 136 MiB of Java heap for its frame table and 128 MiB for the rest of oxen, more than this JVM's 256 MiB maximum heap (guest RAM itself is host memory outside the heap): start java with -Xmx320m or a smaller oxen.memory.mib",
        "oxen.memory.mib|9000|oxen.memory.mib=9000 is more guest RAM than the host can back: 8192 MiB (MemAvailable in /proc/meminfo; guest RAM is host memory outside the Java heap, committed as domains touch it): a smaller oxen.memory.mib",
    })
    void badSettingsAreOneLine(String key, String value, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> VmmSettings.read(Map.of(key, value)::get, 256, HOST)).getMessage());
    }

    @Test
    void machineMemoryIsNotCountedAgainstTheJavaHeap() {
        // 2 GiB of machine memory in a 256 MiB heap: its frame table (17 MiB) and the reserve fit
        assertEquals(2048, VmmSettings.read(Map.of("oxen.memory.mib", "2048")::get, 256, HOST).memoryMiB());
        // (before session 16: "does not fit the Java heap (256 MiB max ...): start java with -Xmx2304m")
    }

    @Test
    void theDefaultPoolIsWhatTheHostCanBackWhenThatIsLess() {
        assertEquals(1024, VmmSettings.read(k -> null, 256, HOST).memoryMiB());
        assertEquals(600, VmmSettings.read(k -> null, 256, new HostMemoryBudget(600, "MemAvailable")).memoryMiB());
        assertEquals("oxen.memory.mib=8 (the default) is more guest RAM than the host can back: 5 MiB (MemAvailable; guest"
                + " RAM is host memory outside the Java heap, committed as domains touch it): a smaller oxen.memory.mib",
                assertThrows(IllegalArgumentException.class,
                        () -> VmmSettings.read(k -> null, 256, new HostMemoryBudget(5, "MemAvailable"))).getMessage());
    }

    @Test
    void theHostBudgetIsTheExplicitLimitOrStrictOvercommitsOrMemAvailable() throws Exception {
        Path meminfo = Files.writeString(dir.resolve("meminfo"), "MemTotal:       16000000 kB\nMemFree:  1000 kB\n"
                + "MemAvailable:    3145728 kB\nCommitLimit:     2097152 kB\nCommitted_AS:    1048576 kB\n");
        Path heuristic = Files.writeString(dir.resolve("oc0"), "0\n");
        Path strict = Files.writeString(dir.resolve("oc2"), "2\n");
        assertEquals(new HostMemoryBudget(3072, "MemAvailable in " + meminfo), HostMemoryBudget.of(k -> null, meminfo, heuristic));
        assertEquals(new HostMemoryBudget(1024, "CommitLimit - Committed_AS in " + meminfo
                + " (strict overcommit, vm.overcommit_memory=2)"), HostMemoryBudget.of(k -> null, meminfo, strict));
        assertEquals(new HostMemoryBudget(64, "oxen.memory.limit.mib"),
                HostMemoryBudget.of(Map.of("oxen.memory.limit.mib", " 64")::get, meminfo, strict));
        assertEquals("oxen.memory.limit.mib=-1 is not a positive whole number of MiB", assertThrows(IllegalArgumentException.class,
                () -> HostMemoryBudget.of(Map.of("oxen.memory.limit.mib", "-1")::get, meminfo, strict)).getMessage());
        assertEquals("oxen.memory.mib=128 is more guest RAM than the host can back: 64 MiB (oxen.memory.limit.mib; guest RAM"
                + " is host memory outside the Java heap, committed as domains touch it): a smaller oxen.memory.mib or a larger"
                + " oxen.memory.limit.mib", assertThrows(IllegalArgumentException.class, () -> VmmSettings.read(
                        Map.of("oxen.memory.mib", "128", "oxen.memory.limit.mib", "64")::get, 256)).getMessage());
        Path none = Files.writeString(dir.resolve("bare"), "MemTotal: 1 kB\n");
        assertEquals(none + " has no MemAvailable line: set oxen.memory.limit.mib", assertThrows(IllegalArgumentException.class,
                () -> HostMemoryBudget.of(k -> null, none, heuristic)).getMessage());
        assertTrue(HostMemoryBudget.of(k -> null).mib() > 0, "this host's own /proc");
    }
}
