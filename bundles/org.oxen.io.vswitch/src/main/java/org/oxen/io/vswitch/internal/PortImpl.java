package org.oxen.io.vswitch.internal;

import java.util.concurrent.atomic.AtomicLong;

import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.FrameSink;
import org.oxen.io.vswitch.PortCounters;
import org.oxen.io.vswitch.SwitchPort;

/**
 * One port of a {@link BridgeImpl}. The in-counters are written by the device's sending thread,
 * the out-counters by every other port's; all are atomics (no locks on the frame path).
 */
final class PortImpl implements SwitchPort {

    private final BridgeImpl bridge;
    private final String name;
    private final FrameSink sink;
    private final int maxFrame;
    private final boolean partialChecksums;
    /** A PARTIAL frame this port sends, completed ({@link BridgeImpl#forward}; the sending thread's). */
    final byte[] completed;
    private volatile boolean open = true;
    final AtomicLong inFrames = new AtomicLong();
    final AtomicLong inBytes = new AtomicLong();
    final AtomicLong outFrames = new AtomicLong();
    final AtomicLong outBytes = new AtomicLong();
    final AtomicLong outDropped = new AtomicLong();
    final AtomicLong inErrors = new AtomicLong();

    PortImpl(BridgeImpl bridge, String name, FrameSink sink, int maxFrame, boolean partialChecksums) {
        this.bridge = bridge;
        this.name = name;
        this.sink = sink;
        this.maxFrame = maxFrame;
        this.partialChecksums = partialChecksums;
        this.completed = new byte[maxFrame];
    }

    @Override
    public int maxFrame() {
        return maxFrame;
    }

    @Override
    public boolean takesPartialChecksums() {
        return partialChecksums;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Bridge bridge() {
        return bridge;
    }

    @Override
    public void send(byte[] frame, int offset, int length, int checksum) {
        if (!open) return;
        if (length < Bridge.MIN_FRAME || length > maxFrame) {
            inErrors.incrementAndGet();
            return;
        }
        inFrames.incrementAndGet();
        inBytes.addAndGet(length);
        bridge.forward(this, frame, offset, length, checksum);
    }

    /**
     * The bridge hands this port a frame to deliver to its device; one longer than the port's
     * maximum is dropped (counted), as a Linux bridge drops a frame over the device's MTU.
     */
    void deliver(byte[] frame, int offset, int length, int checksum) {
        if (!open) return;
        if (length > maxFrame) {
            outDropped.incrementAndGet();
            return;
        }
        if (sink.deliver(frame, offset, length, checksum)) {
            outFrames.incrementAndGet();
            outBytes.addAndGet(length);
        } else {
            outDropped.incrementAndGet();
        }
    }

    @Override
    public PortCounters counters() {
        return new PortCounters(inFrames.get(), inBytes.get(), outFrames.get(), outBytes.get(), outDropped.get(),
                inErrors.get());
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        if (!open) return;
        open = false;
        bridge.detach(this);
    }

    @Override
    public String toString() {
        return bridge.name() + "/" + name;
    }
}
