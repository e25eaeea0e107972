package org.oxen.vmm.api;

/**
 * A lifecycle event of a domain.
 *
 * @param type what happened
 * @param domid the domain
 * @param name its name
 * @param detail e.g. the shutdown reason or crash message, else empty
 */
public record DomainEvent(Type type, int domid, String name, String detail) {

    public enum Type {
        CREATED, PAUSED, UNPAUSED, SHUTDOWN, CRASHED, DESTROYED,
        /** A suspended domain goes on in place (xc_domain_resume): backends serve it again. @since 1.11 */
        RESUMED
    }
}
