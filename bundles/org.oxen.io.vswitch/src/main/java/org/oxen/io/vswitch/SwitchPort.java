package org.oxen.io.vswitch;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A device's port on a {@link Bridge}. The device sends frames into the bridge with
 * {@link #send}; frames for the device arrive at its {@link FrameSink}. {@link #close()}
 * detaches it.
 */
@ProviderType
public interface SwitchPort extends AutoCloseable {

    String name();

    Bridge bridge();

    /**
     * A frame from the device enters the bridge and is forwarded before this returns (the bytes
     * may be reused afterwards). A frame shorter than {@link Bridge#MIN_FRAME} or longer than
     * {@link Bridge#MAX_FRAME} is counted as an error and dropped. Nothing happens once closed.
     */
    void send(byte[] frame, int offset, int length);

    /** The port's figures so far. */
    PortCounters counters();

    boolean isOpen();

    /** Detaches the port; its learned addresses are forgotten. Idempotent. */
    @Override
    void close();
}
