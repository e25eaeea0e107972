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
        CREATED, PAUSED, UNPAUSED, SHUTDOWN, CRASHED, DESTROYED
    }
}
