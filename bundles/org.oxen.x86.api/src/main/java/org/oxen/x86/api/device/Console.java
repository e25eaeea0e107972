package org.oxen.x86.api.device;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A character console behind a serial port or debug console: a byte sink and, for sinks that
 * have one (Gogo session, TCP client), a byte source the device polls.
 */
@ProviderType
public interface Console extends AutoCloseable {

    /** Writes the low byte of {@code b}. Never blocks the machine for long. */
    void write(int b);

    /** Pushes buffered output out (end of a line, end of a batch). */
    default void flush() {
    }

    /**
     * Whether this console can ever deliver input (a TCP client, the Gogo session); devices
     * poll only consoles that can.
     */
    default boolean readable() {
        return false;
    }

    /** The next received byte (0..255), or -1 if none is waiting. Never blocks. */
    default int poll() {
        return -1;
    }

    /** Releases the sink (file, socket). Idempotent. */
    @Override
    void close();
}
