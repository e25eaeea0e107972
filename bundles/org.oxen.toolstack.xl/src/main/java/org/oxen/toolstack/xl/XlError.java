package org.oxen.toolstack.xl;

/**
 * A subcommand failed for a reason the user can act on: the dispatcher prints the message as
 * it is, one line on the session's stderr (Xen's wording where Xen has one), and xl exits with
 * status 1. Unlike {@link XlUsageException}, no usage follows.
 *
 * @since 1.2
 */
public class XlError extends Exception {

    private static final long serialVersionUID = 1L;

    public XlError(String message) {
        super(message);
    }
}
