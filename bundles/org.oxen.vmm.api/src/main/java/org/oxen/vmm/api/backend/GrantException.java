package org.oxen.vmm.api.backend;

/**
 * A grant-table operation failed; {@link #status()} is Xen's GNTST_ code (negative, e.g.
 * GNTST_general_error -1, GNTST_bad_domain -2, GNTST_bad_gntref -3, GNTST_bad_handle -4,
 * GNTST_bad_copy_arg -10) and the message says what was wrong.
 */
public class GrantException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;

    public GrantException(int status, String message) {
        super(message + " (GNTST " + status + ")");
        this.status = status;
    }

    /** Xen's GNTST_ status of the failed operation. */
    public int status() {
        return status;
    }
}
