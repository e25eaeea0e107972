package org.oxen.toolstack.xl.internal;

import org.oxen.toolstack.xl.XlError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.Vcpu;

/** Name-or-id resolution with xl's error lines. */
class DomainLookupTest {

    private static Domain domain(int id, String name) {
        return new Domain() {
            public int id() { return id; }
            public String name() { return name; }
            public java.util.UUID uuid() { return new java.util.UUID(0, id); }
            public DomainState state() { return DomainState.BLOCKED; }
            public long memoryPages() { return 4096; }
            public long maxMemoryKiB() { return 16384; }
            public List<Vcpu> vcpus() { return List.of(); }
            public long cpuTimeNanos() { return 0; }
            public Optional<ShutdownReason> shutdownReason() { return Optional.empty(); }
            public Optional<String> crashMessage() { return Optional.empty(); }
            public String cmdline() { return ""; }
            public String consoleOutput() { return ""; }
            public void addConsoleListener(Consumer<String> l) { }
            public void removeConsoleListener(Consumer<String> l) { }
            public boolean awaitShutdown(long t, TimeUnit u) { return false; }
        };
    }

    /** A hypervisor with domains 3 "web" and 5 "db"; only find and list answer. */
    private static Domains hv() {
        List<Domain> ds = List.of(domain(5, "db"), domain(3, "web"));
        return (Domains) Proxy.newProxyInstance(DomainLookupTest.class.getClassLoader(), new Class<?>[] {Domains.class},
                (p, m, a) -> switch (m.getName()) {
                    case "list" -> ds;
                    case "find" -> a[0] instanceof Integer i ? ds.stream().filter(d -> d.id() == i).findFirst()
                            : ds.stream().filter(d -> d.name().equals(a[0])).findFirst();
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void byNameOrById() throws Exception {
        assertEquals(3, DomainLookup.resolve(hv(), "web").id());
        assertEquals("db", DomainLookup.resolve(hv(), "5").name());
        assertTrue(DomainLookup.resolve(hv(), "0").isHost());
        assertTrue(DomainLookup.resolve(hv(), "Domain-0").isHost());
    }

    @Test
    void unknownNamesAndIdsGetXlsLines() {
        assertEquals("nosuch is an invalid domain identifier (rc=-6)",
                assertThrows(XlError.class, () -> DomainLookup.resolve(hv(), "nosuch")).getMessage());
        assertEquals("Error: Domain '7' does not exist.",
                assertThrows(XlError.class, () -> DomainLookup.resolve(hv(), "7")).getMessage());
        assertEquals("Error: Domain '99999999999' does not exist.",
                assertThrows(XlError.class, () -> DomainLookup.resolve(hv(), "99999999999")).getMessage());
    }

    @Test
    void domain0IsRefusedWhereOnlyGuestsMakeSense() {
        assertTrue(assertThrows(XlError.class, () -> DomainLookup.guest(hv(), "0", "paused")).getMessage()
                .startsWith("Domain-0 is oxen's host (the Java runtime): it cannot be paused"));
    }

    @Test
    void listIsDomain0ThenById() {
        assertEquals(List.of(0, 3, 5), DomainLookup.all(hv()).stream().map(DomainInfo::id).toList());
    }
}
