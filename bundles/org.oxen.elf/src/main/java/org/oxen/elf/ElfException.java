package org.oxen.elf;

/** An image that is not a well-formed ELF32 file; the message says what and where. */
public final class ElfException extends Exception {
    private static final long serialVersionUID = 1L;

    public ElfException(String message) {
        super(message);
    }
}
