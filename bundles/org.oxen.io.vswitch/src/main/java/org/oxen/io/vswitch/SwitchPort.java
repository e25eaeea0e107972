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
     * the port's {@link #maxFrame()} is counted as an error and dropped; a frame longer than a
     * destination port's maximum is that port's drop (Linux's bridge drops a frame over the
     * outgoing device's MTU). Nothing happens once closed.
     */
    default void send(byte[] frame, int offset, int length) {
        send(frame, offset, length, FrameChecksum.NONE);
    }

    /**
     * As {@link #send(byte[], int, int)}, with the frame's checksum state ({@link FrameChecksum}).
     * A {@link FrameChecksum#PARTIAL} frame is completed for the capture and for every port that
     * does not take partial checksums (in a buffer of this port's, so a port sends from one
     * thread at a time). A frame longer than this port's maximum is an error.
     */
    void send(byte[] frame, int offset, int length, int checksum);

    /** The longest frame this port sends and takes ({@link Bridge#MAX_FRAME} unless attached otherwise). */
    int maxFrame();

    /** Whether frames with a {@link FrameChecksum#PARTIAL} checksum are delivered to it as they are. */
    boolean takesPartialChecksums();

    /** The port's figures so far. */
    PortCounters counters();

    boolean isOpen();

    /** Detaches the port; its learned addresses are forgotten. Idempotent. */
    @Override
    void close();
}
