package org.oxen.toolstack.xl.cfg;

/**
 * A config file that cannot be used: the message reads {@code file:line:column: what is wrong}.
 */
public final class XlConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient ConfigPosition position;

    public XlConfigException(ConfigPosition position, String problem) {
        super(position + ": " + problem);
        this.position = position;
    }

    /** Where the problem is. */
    public ConfigPosition position() {
        return position;
    }
}
