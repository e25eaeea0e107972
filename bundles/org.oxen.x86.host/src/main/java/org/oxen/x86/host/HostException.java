package org.oxen.x86.host;

/**
 * A host system call of the host library failed. The message names the call with its arguments
 * and errno's text, e.g. {@code mprotect(0x7f12345001, 4096 bytes, PROT_READ|PROT_EXEC): Invalid
 * argument (errno 22)}. Thrown by the JNI library itself.
 */
public final class HostException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public HostException(String message) {
        super(message);
    }
}
