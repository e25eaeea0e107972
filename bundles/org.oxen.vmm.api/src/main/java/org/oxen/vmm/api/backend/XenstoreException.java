package org.oxen.vmm.api.backend;

/**
 * xenstored refused an operation; {@link #error()} is the error name xs_wire sends (Xen's
 * xsd_errors: "ENOENT", "EACCES", "EEXIST", "EINVAL", "E2BIG", "EQUOTA", "EAGAIN", ...).
 */
public class XenstoreException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String error;

    public XenstoreException(String error, String message) {
        super(error + ": " + message);
        this.error = error;
    }

    public String error() {
        return error;
    }
}
