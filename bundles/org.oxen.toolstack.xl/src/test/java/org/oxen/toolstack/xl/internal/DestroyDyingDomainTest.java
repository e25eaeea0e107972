package org.oxen.toolstack.xl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.Hypervisor;

/**
 * Issue 24 F4: a second destroy of a dying domain is harmless and says so. The toolstack is
 * given a hypervisor (a dynamic proxy answering only what destroy asks) holding domain 7 in the
 * state under test; every destroy reaches the hypervisor, which completes what an earlier one
 * left, and xl tells the user what it found.
 */
class DestroyDyingDomainTest {

    private final List<Integer> destroyed = new ArrayList<>();

    private static Domain domain(int id, String name, DomainState state) {
        return (Domain) Proxy.newProxyInstance(Domain.class.getClassLoader(), new Class<?>[] {Domain.class},
                (p, m, a) -> switch (m.getName()) {
                    case "id" -> id;
                    case "name" -> name;
                    case "state" -> state;
                    case "hashCode" -> id;
                    case "equals" -> p == a[0];
                    case "toString" -> name;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** A hypervisor with {@code d}; its destroy records the id and throws {@code onDestroy} if set. */
    private Hypervisor hypervisor(Domain d, RuntimeException onDestroy) {
        return (Hypervisor) Proxy.newProxyInstance(Hypervisor.class.getClassLoader(), new Class<?>[] {Hypervisor.class},
                (p, m, a) -> switch (m.getName()) {
                    case "addListener", "removeListener" -> null;
                    case "list" -> List.of(d);
                    case "find" -> a[0] instanceof Integer i ? Optional.ofNullable(i == d.id() ? d : null)
                            : Optional.ofNullable(a[0].equals(d.name()) ? d : null);
                    case "destroy" -> {
                        destroyed.add((Integer) a[0]);
                        if (onDestroy != null) throw onDestroy;
                        yield null;
                    }
                    case "hashCode" -> 1;
                    case "equals" -> p == a[0];
                    case "toString" -> "fake hypervisor";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void destroyOfADyingDomainCompletesItAndSaysSo_F4() throws Exception {
        Toolstack t = new Toolstack(hypervisor(domain(7, "busy", DomainState.DYING), null));
        assertEquals("domain 7 (busy) was already dying; its destruction is now complete", t.destroy("busy"));
        assertEquals(List.of(7), destroyed);
    }

    @Test
    void destroyOfADomainGoneMeanwhileSaysSo_F4() throws Exception {
        Toolstack t = new Toolstack(hypervisor(domain(7, "busy", DomainState.RUNNING),
                new IllegalArgumentException("no domain 7")));
        assertEquals("domain 7 (busy) was destroyed meanwhile", t.destroy("7"));
        assertEquals(List.of(7), destroyed);
    }

    @Test
    void destroyOfARunningDomainSaysNothingMore() throws Exception {
        Toolstack t = new Toolstack(hypervisor(domain(7, "busy", DomainState.RUNNING), null));
        assertNull(t.destroy("busy"));
        assertEquals(List.of(7), destroyed);
    }
}
