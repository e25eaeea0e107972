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
    private volatile boolean open = true;
    final AtomicLong inFrames = new AtomicLong();
    final AtomicLong inBytes = new AtomicLong();
    final AtomicLong outFrames = new AtomicLong();
    final AtomicLong outBytes = new AtomicLong();
    final AtomicLong outDropped = new AtomicLong();
    final AtomicLong inErrors = new AtomicLong();

    PortImpl(BridgeImpl bridge, String name, FrameSink sink) {
        this.bridge = bridge;
        this.name = name;
        this.sink = sink;
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
    public void send(byte[] frame, int offset, int length) {
        if (!open) return;
        if (length < Bridge.MIN_FRAME || length > Bridge.MAX_FRAME) {
            inErrors.incrementAndGet();
            return;
        }
        inFrames.incrementAndGet();
        inBytes.addAndGet(length);
        bridge.forward(this, frame, offset, length);
    }

    /** The bridge hands this port a frame to deliver to its device. */
    void deliver(byte[] frame, int offset, int length) {
        if (!open) return;
        if (sink.deliver(frame, offset, length)) {
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
