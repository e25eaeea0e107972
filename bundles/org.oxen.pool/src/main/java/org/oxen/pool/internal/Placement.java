package org.oxen.pool.internal;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a domain goes: the live host with the most room, where room is what the host says is
 * free less the memory of the domains placed on it that it does not run yet (so two placements
 * in a row do not both count the same free memory). Ties go to the smaller name, so a placement
 * is a function of the pool's state.
 */
final class Placement {

    private Placement() {
    }

    /** MiB that {@code host} still has for new domains. */
    static long room(HostRecord host, Collection<DomainRecord> domains) {
        Set<String> running = Set.copyOf(host.domainNames());
        long pending = 0;
        for (DomainRecord d : domains) {
            if (d.host().equals(host.name()) && d.state().equals(DomainRecord.PLACED) && !running.contains(d.name())) {
                pending += d.memoryMiB();
            }
        }
        return host.freeMiB() - pending;
    }

    /** The host with room for {@code memoryMiB}, other than {@code excluded} (may be null). */
    static Optional<String> choose(Map<String, HostRecord> hosts, Collection<DomainRecord> domains, long memoryMiB,
            String excluded) {
        String best = null;
        long bestRoom = Long.MIN_VALUE;
        for (HostRecord h : hosts.values()) {
            if (h.name().equals(excluded)) {
                continue;
            }
            long room = room(h, domains);
            if (room >= memoryMiB && (room > bestRoom || room == bestRoom && h.name().compareTo(best) < 0)) {
                best = h.name();
                bestRoom = room;
            }
        }
        return Optional.ofNullable(best);
    }
}
