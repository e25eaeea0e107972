package org.oxen.io.vswitch;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where a port's outgoing frames go (a vif's receive queue, an uplink's socket). Called on the
 * sending port's thread, possibly from several threads at once: it must copy the frame (the
 * caller reuses its buffer), must not block, and returns whether the frame was taken (a full
 * queue drops it; the bridge counts the drop).
 */
@ConsumerType
@FunctionalInterface
public interface FrameSink {
    /** A frame as it would be on a wire ({@link FrameChecksum#NONE}). */
    boolean deliver(byte[] frame, int offset, int length);

    /**
     * A frame with its checksum state ({@link FrameChecksum}): {@link FrameChecksum#PARTIAL} only
     * to a port attached with partial checksums taken. A sink that tells its device the state (a
     * vif) overrides this; by default the state is dropped, which is right for a frame that is
     * not PARTIAL.
     */
    default boolean deliver(byte[] frame, int offset, int length, int checksum) {
        return deliver(frame, offset, length);
    }
}
