package org.oxen.toolstack.xl.internal;

/**
 * A subcommand failed for a reason the user can act on: the message is the one line xl prints
 * on stderr (Xen's wording where Xen has one), and xl exits with status 1.
 */
final class XlError extends Exception {

    private static final long serialVersionUID = 1L;

    XlError(String message) {
        super(message);
    }
}
