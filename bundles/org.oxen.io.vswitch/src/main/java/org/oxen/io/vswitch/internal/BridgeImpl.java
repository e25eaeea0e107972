package org.oxen.io.vswitch.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.FrameChecksum;
import org.oxen.io.vswitch.FrameSink;
import org.oxen.io.vswitch.MacAddress;
import org.oxen.io.vswitch.SwitchPort;

/**
 * A learning bridge (see {@link Bridge}).
 *
 * <p>Design: the port list is a copy-on-write array read without locks by the forwarding path;
 * the MAC table has its own monitor held only inside its calls; a frame is delivered to each
 * destination's sink on the sending thread, and sinks copy it. A frame carries its checksum
 * state ({@link FrameChecksum}); a PARTIAL one is completed in the sending port's own buffer
 * (a port sends from one thread at a time) for the capture and the ports that need it whole. The capture is a volatile
 * reference: a frame is written to whichever writer was current when it entered.
 *
 * <p>Locking: {@code this} guards attach/detach and capture start/stop (never held while
 * forwarding); the MAC table's and the pcap writer's monitors are leaves.
 */
final class BridgeImpl implements Bridge {

    private final String name;
    private final LongSupplier nanoClock;
    private final LongSupplier epochMicros;
    private final Consumer<String> log;
    private final MacTable macs;
    private volatile PortImpl[] ports = new PortImpl[0];
    private volatile PcapWriter capture;

    BridgeImpl(String name, LongSupplier nanoClock, LongSupplier epochMicros, Consumer<String> log) {
        this.name = name;
        this.nanoClock = nanoClock;
        this.epochMicros = epochMicros;
        this.log = log;
        this.macs = new MacTable(4096, AGEING_NANOS);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized SwitchPort attach(String portName, FrameSink sink, int maxFrame, boolean partialChecksums) {
        if (portName == null || portName.isEmpty()) throw new IllegalArgumentException("a port needs a name");
        if (maxFrame < MIN_FRAME || maxFrame > MAX_JUMBO_FRAME) {
            throw new IllegalArgumentException("port " + portName + ": a maximum frame of " + maxFrame + " bytes (expected "
                    + MIN_FRAME + ".." + MAX_JUMBO_FRAME + ")");
        }
        for (PortImpl p : ports) {
            if (p.name().equals(portName)) {
                throw new IllegalArgumentException("bridge " + name + " has a port named " + portName + " already");
            }
        }
        PortImpl p = new PortImpl(this, portName, sink, maxFrame, partialChecksums);
        PortImpl[] next = java.util.Arrays.copyOf(ports, ports.length + 1);
        next[ports.length] = p;
        ports = next;
        return p;
    }

    synchronized void detach(PortImpl port) {
        ports = java.util.Arrays.stream(ports).filter(p -> p != port).toArray(PortImpl[]::new);
        macs.forget(port);
    }

    @Override
    public List<SwitchPort> ports() {
        return List.of(ports);
    }

    @Override
    public Optional<SwitchPort> port(String portName) {
        for (PortImpl p : ports) {
            if (p.name().equals(portName)) return Optional.of(p);
        }
        return Optional.empty();
    }

    @Override
    public int learnedAddresses() {
        return macs.live(nanoClock.getAsLong());
    }

    /**
     * The forwarding decision for a frame that entered {@code in} (length checked by the port).
     * A PARTIAL frame is completed once, into {@code in}'s buffer, for the capture (which
     * records frames as a wire carries them) and for the ports that do not take partial
     * checksums; the others get it as it is.
     */
    void forward(PortImpl in, byte[] frame, int offset, int length, int checksum) {
        byte[] wire = frame;
        int wireOffset = offset;
        if (checksum == FrameChecksum.PARTIAL) {
            wire = in.completed;
            wireOffset = 0;
            System.arraycopy(frame, offset, wire, 0, length);
            if (!FrameChecksum.complete(wire, 0, length)) {
                checksum = FrameChecksum.NONE; // nothing to finish: the frame is what it is
                wire = frame;
                wireOffset = offset;
            }
        }
        PcapWriter pcap = capture;
        if (pcap != null) {
            IOException e = pcap.write(epochMicros.getAsLong(), wire, wireOffset, length);
            if (e != null) {
                log.accept("vswitch: " + name + ": capture to " + pcap.file() + " ended: " + e.getMessage());
                endCapture(pcap);
            }
        }
        long now = nanoClock.getAsLong();
        boolean srcGroup = (frame[offset + 6] & 1) != 0;
        if (!srcGroup) macs.learn(MacAddress.read(frame, offset + 6), in, now);
        boolean dstGroup = (frame[offset] & 1) != 0;
        PortImpl out = dstGroup ? null : macs.lookup(MacAddress.read(frame, offset), now);
        if (out != null) {
            if (out != in) deliver(out, frame, offset, wire, wireOffset, length, checksum); // else filtered
            return;
        }
        for (PortImpl p : ports) {
            if (p != in) deliver(p, frame, offset, wire, wireOffset, length, checksum);
        }
    }

    private static void deliver(PortImpl out, byte[] frame, int offset, byte[] wire, int wireOffset, int length,
            int checksum) {
        if (checksum == FrameChecksum.PARTIAL && !out.takesPartialChecksums()) {
            out.deliver(wire, wireOffset, length, FrameChecksum.NONE); // completed, as skb_checksum_help leaves it
        } else {
            out.deliver(frame, offset, length, checksum);
        }
    }

    private synchronized void endCapture(PcapWriter pcap) {
        if (capture == pcap) capture = null;
    }

    @Override
    public synchronized void startCapture(Path file) throws IOException {
        stopCapture();
        capture = new PcapWriter(file);
    }

    @Override
    public synchronized void stopCapture() throws IOException {
        PcapWriter c = capture;
        capture = null;
        if (c != null) c.close();
    }

    @Override
    public Optional<Path> capture() {
        PcapWriter c = capture;
        return c == null ? Optional.empty() : Optional.of(c.file());
    }

    /** Detaches every port and ends the capture (the service is going). */
    void shutdown() {
        for (PortImpl p : ports) p.close();
        try {
            stopCapture();
        } catch (IOException e) {
            log.accept("vswitch: " + name + ": closing capture: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
