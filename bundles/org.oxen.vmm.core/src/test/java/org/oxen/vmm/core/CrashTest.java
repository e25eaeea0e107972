package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.ShutdownReason;

/** A guest that faults without a handler, or hands the hypervisor garbage, crashes alone. */
class CrashTest {

    static Vmm vmm;

    @BeforeAll
    static void start() {
        vmm = new Vmm(64L << 20, 1);
    }

    @AfterAll
    static void stop() {
        vmm.shutdown();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ud2 without a trap table    | 0f 0b                     | no trap handler for vector 6",
        "hlt in ring 1               | f4                        | no trap handler for vector 13",
        "cli in ring 1               | fa                        | no trap handler for vector 13",
        "int3 (bounced as #BP, as Xen) | cc                      | no trap handler for vector 3",
        "iret with an unmapped stack | bc 00 10 00 00 b8 17 00 00 00 cd 82 | iret: frame at 0x00001000 unreadable",
        "write to the M2P            | c7 05 00 00 80 f5 01 00 00 00 | no trap handler for vector 14",
        "port I/O in ring 1         | e4 60                     | no trap handler for vector 13",
    })
    void crashesOnlyTheDomain(String what, String hex, String message) throws Exception {
        long free = vmm.freeFrames();
        MiniGuest m = new MiniGuest();
        for (String b : hex.trim().split("\\s+")) m.bytes(Integer.parseInt(b, 16));
        Domain d = vmm.create(DomainConfig.builder("crash").kernel(m.image()).memoryMiB(4).build());
        assertTrue(d.awaitShutdown(10, TimeUnit.SECONDS), what);
        assertEquals(DomainState.CRASHED, d.state(), what);
        assertEquals(ShutdownReason.CRASH, d.shutdownReason().orElseThrow());
        assertTrue(d.crashMessage().orElseThrow().contains(message), d.crashMessage().orElseThrow());
        vmm.destroy(d.id());
        assertEquals(free, vmm.freeFrames());
        assertEquals(0, vmm.internalErrors());
    }
}
