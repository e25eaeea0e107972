package org.oxen.vmm.api.backend;

/**
 * The xenbus device states of io/xenbus.h; {@link #value()} is the digit in a device's
 * {@code state} node.
 */
public enum XenbusState {
    UNKNOWN, INITIALISING, INIT_WAIT, INITIALISED, CONNECTED, CLOSING, CLOSED, RECONFIGURING, RECONFIGURED;

    /** The number xenstore holds (0..8). */
    public int value() {
        return ordinal();
    }

    /**
     * The state a {@code state} node's value names.
     *
     * @throws IllegalArgumentException naming the value if it is not a digit 0..8
     */
    public static XenbusState parse(String value) {
        if (value != null && value.length() == 1 && value.charAt(0) >= '0' && value.charAt(0) <= '8') {
            return values()[value.charAt(0) - '0'];
        }
        throw new IllegalArgumentException("not a xenbus state (0..8): '" + value + "'");
    }
}
