package org.oxen.toolstack.xl.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;

/**
 * "A domain is named by name or id everywhere": resolves what the user typed to a domain, with
 * xl's error lines. Domain-0 (id 0, name {@value DomainInfo#DOMAIN0}) is the Java host.
 */
final class Domains {

    private Domains() {
    }

    /**
     * Resolves {@code qualifier} (a domain id or name) to a snapshot of the domain.
     *
     * @throws XlError {@code foo is an invalid domain identifier (rc=-6)} for an unknown name (xl's
     *     {@code find_domain}), {@code Error: Domain '7' does not exist.} for an unknown id
     */
    static DomainInfo resolve(Hypervisor hv, String qualifier) throws XlError {
        if (isId(qualifier)) {
            long id = parseId(qualifier);
            if (id == 0) {
                return DomainInfo.host();
            }
            Optional<Domain> d = id <= Integer.MAX_VALUE ? hv.find((int) id) : Optional.empty();
            return DomainInfo.of(d.orElseThrow(() -> new XlError("Error: Domain '" + qualifier + "' does not exist.")));
        }
        if (DomainInfo.DOMAIN0.equals(qualifier)) {
            return DomainInfo.host();
        }
        return DomainInfo.of(hv.find(qualifier)
                .orElseThrow(() -> new XlError(qualifier + " is an invalid domain identifier (rc=-6)")));
    }

    /** Like {@link #resolve} for commands that act on a guest: Domain-0 is refused with {@code what}. */
    static Domain guest(Hypervisor hv, String qualifier, String what) throws XlError {
        DomainInfo info = resolve(hv, qualifier);
        if (info.isHost()) {
            throw new XlError("Domain-0 is oxen's host (the Java runtime): it cannot be " + what
                    + "; 'stop 0' stops oxen");
        }
        return info.domain();
    }

    /** Every domain, Domain-0 first, then by id. */
    static List<DomainInfo> all(Hypervisor hv) {
        List<DomainInfo> out = new ArrayList<>();
        out.add(DomainInfo.host());
        List<Domain> guests = new ArrayList<>(hv.list());
        guests.sort(Comparator.comparingInt(Domain::id));
        for (Domain d : guests) {
            out.add(DomainInfo.of(d));
        }
        return out;
    }

    static boolean isId(String s) {
        return !s.isEmpty() && s.length() <= 18 && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static long parseId(String s) {
        return Long.parseLong(s);
    }
}
