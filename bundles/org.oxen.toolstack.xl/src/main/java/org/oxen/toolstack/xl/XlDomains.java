package org.oxen.toolstack.xl;

import java.util.Optional;

import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Domains;

/**
 * The one resolver of "a domain, by name or id" for every subcommand, whichever bundle provides
 * it, with xl's error lines (xl's {@code find_domain}):
 * {@code foo is an invalid domain identifier (rc=-6)} for an unknown name and
 * {@code Error: Domain '7' does not exist.} for an unknown id. Domain-0 (id 0, name
 * {@value #HOST}) is oxen's host, the Java runtime: it is no {@link Domain} of the hypervisor.
 *
 * @since 1.2
 */
public final class XlDomains {

    /** The name of domain 0, oxen's host; reserved, so no guest may take it. */
    public static final String HOST = "Domain-0";

    private XlDomains() {
    }

    /** Whether {@code qualifier} names Domain-0 (by name or as id 0). */
    public static boolean isHost(String qualifier) {
        return HOST.equals(qualifier) || isId(qualifier) && Long.parseLong(qualifier) == 0;
    }

    /** Whether {@code s} is written as a domain id (decimal digits) rather than a name. */
    public static boolean isId(String s) {
        return !s.isEmpty() && s.length() <= 18 && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * The guest domain {@code qualifier} names.
     *
     * @param what what the command would do to it, for the refusal of Domain-0 ("destroyed", ...)
     * @throws XlError the unknown name or id in xl's words, or Domain-0 refused
     */
    public static Domain guest(Domains hv, String qualifier, String what) throws XlError {
        if (isHost(qualifier)) {
            throw new XlError(HOST + " is oxen's host (the Java runtime): it cannot be " + what
                    + "; 'stop 0' stops oxen");
        }
        return find(hv, qualifier);
    }

    /** {@link #guest} for a qualifier already known not to name Domain-0. */
    static Domain find(Domains hv, String qualifier) throws XlError {
        if (isId(qualifier)) {
            long id = Long.parseLong(qualifier);
            Optional<Domain> d = id <= Integer.MAX_VALUE ? hv.find((int) id) : Optional.empty();
            return d.orElseThrow(() -> new XlError("Error: Domain '" + qualifier + "' does not exist."));
        }
        return hv.find(qualifier)
                .orElseThrow(() -> new XlError(qualifier + " is an invalid domain identifier (rc=-6)"));
    }
}
