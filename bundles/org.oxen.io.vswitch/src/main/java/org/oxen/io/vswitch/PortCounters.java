package org.oxen.io.vswitch;

/**
 * A port's figures, from the bridge's side: {@code in} is what the device sent into the bridge,
 * {@code out} what the bridge delivered to the device; {@code outDropped} frames for the device
 * that its sink refused (queue full); {@code inErrors} frames from the device the bridge refused
 * (too short or too long).
 */
public record PortCounters(long inFrames, long inBytes, long outFrames, long outBytes, long outDropped, long inErrors) {
}
