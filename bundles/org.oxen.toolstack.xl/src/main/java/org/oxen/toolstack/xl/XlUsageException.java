package org.oxen.toolstack.xl;

/**
 * Thrown when a subcommand's arguments do not fit its usage; the dispatcher prints the message
 * and the subcommand's usage, and xl exits with status 1.
 */
public final class XlUsageException extends Exception {

    private static final long serialVersionUID = 1L;

    public XlUsageException(String message) {
        super(message);
    }
}
