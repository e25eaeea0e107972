package org.oxen.toolstack.xl.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.oxen.toolstack.xl.XlDomains;
import org.oxen.toolstack.xl.XlError;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;

/**
 * Snapshots of domains as xl shows them: "a domain is named by name or id everywhere", resolved
 * by {@link XlDomains} (the one resolver, shared with other bundles' subcommands); Domain-0 is
 * the Java host ({@link DomainInfo#host()}).
 */
final class DomainLookup {

    private DomainLookup() {
    }

    /**
     * Resolves {@code qualifier} (a domain id or name) to a snapshot of the domain.
     *
     * @throws XlError the unknown name or id in xl's words (see {@link XlDomains})
     */
    static DomainInfo resolve(Domains hv, String qualifier) throws XlError {
        if (XlDomains.isHost(qualifier)) {
            return DomainInfo.host();
        }
        return DomainInfo.of(XlDomains.guest(hv, qualifier, "used"));
    }

    /** Like {@link #resolve} for commands that act on a guest: Domain-0 is refused with {@code what}. */
    static Domain guest(Domains hv, String qualifier, String what) throws XlError {
        return XlDomains.guest(hv, qualifier, what);
    }

    /** Every domain, Domain-0 first, then by id. */
    static List<DomainInfo> all(Domains hv) {
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
        return XlDomains.isId(s);
    }
}
