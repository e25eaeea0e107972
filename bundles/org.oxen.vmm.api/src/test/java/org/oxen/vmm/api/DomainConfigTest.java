package org.oxen.vmm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DomainConfigTest {

    @Test
    void defaultsAndValues() {
        DomainConfig c = DomainConfig.builder("d1").kernel(new byte[] {1}).memoryMiB(16).cmdline("a=b").build();
        assertEquals("d1", c.name());
        assertEquals(16, c.memoryMiB());
        assertEquals(16, c.maxMemoryMiB());
        assertEquals(1, c.vcpus());
        assertEquals("a=b", c.cmdline());
    }

    @Test
    void invalidFieldsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DomainConfig.builder("bad name").kernel(new byte[1]).build()).getMessage().contains("name"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DomainConfig.builder("d").build()).getMessage().contains("kernel"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DomainConfig.builder("d").kernel(new byte[1]).memoryMiB(0).build()).getMessage()
                .contains("memory"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DomainConfig.builder("d").kernel(new byte[1]).vcpus(33).build()).getMessage().contains("vcpus"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DomainConfig.builder("d").kernel(new byte[1]).memoryMiB(8).maxMemoryMiB(4).build())
                .getMessage().contains("maxmem"));
        assertEquals(ShutdownReason.CRASH, ShutdownReason.of(3));
    }
}
