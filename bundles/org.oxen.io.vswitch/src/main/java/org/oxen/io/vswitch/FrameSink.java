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
    boolean deliver(byte[] frame, int offset, int length);
}
