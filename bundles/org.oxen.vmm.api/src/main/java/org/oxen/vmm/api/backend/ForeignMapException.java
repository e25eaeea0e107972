package org.oxen.vmm.api.backend;

/** A foreign mapping Xen would refuse (1.1), with Xen's negative errno. */
public final class ForeignMapException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int errno;

    public ForeignMapException(String message, int errno) {
        super(message + " (" + errno + ")");
        this.errno = errno;
    }

    /** Xen's return value: -ESRCH, -EINVAL or -EBUSY. */
    public int errno() {
        return errno;
    }
}
