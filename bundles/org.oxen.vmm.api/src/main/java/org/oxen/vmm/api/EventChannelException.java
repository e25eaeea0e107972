package org.oxen.vmm.api;

/** An event-channel operation refused with Xen's errno (e.g. -EINVAL, -ESRCH, -ENOSPC). */
public class EventChannelException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public EventChannelException(String message, int errno) {
        super(message + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** The negative errno Xen's hypercall would have returned. */
    public int errno() {
        return errno;
    }
}
