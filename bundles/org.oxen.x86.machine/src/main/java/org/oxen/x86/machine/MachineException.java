package org.oxen.x86.machine;

/**
 * A machine cannot be built or booted: a bad description (unknown device, overlapping ports,
 * bad option), an image that is neither a multiboot ELF, a Linux bzImage nor a ROM. The message says what and
 * where; nothing was started.
 */
public class MachineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MachineException(String message) {
        super(message);
    }

    public MachineException(String message, Throwable cause) {
        super(message, cause);
    }
}
