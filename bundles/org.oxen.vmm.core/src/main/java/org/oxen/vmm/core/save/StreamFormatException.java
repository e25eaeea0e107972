package org.oxen.vmm.core.save;

import java.io.IOException;

/** A save stream that is not one oxen can restore: the message says what and where. */
public final class StreamFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public StreamFormatException(String message) {
        super(message);
    }
}
