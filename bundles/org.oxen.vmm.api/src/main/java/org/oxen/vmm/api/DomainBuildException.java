package org.oxen.vmm.api;

/** The domain builder refused an image or could not build the domain (the message says why). */
public class DomainBuildException extends Exception {
    private static final long serialVersionUID = 1L;

    public DomainBuildException(String message) {
        super(message);
    }

    public DomainBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
