package org.oxen.io.vswitch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A learning Ethernet bridge (Linux's bridge as Xen's vif-bridge script uses it): a frame that
 * enters a port teaches the bridge where its source MAC lives; a unicast frame to a known MAC
 * goes out of that port only (or nowhere if that is the port it came from); broadcast, multicast
 * and unknown destinations are flooded to every other port. Learned addresses age out after
 * {@link #AGEING_NANOS} without a frame from them, and are forgotten when their port detaches.
 * Thread-safe: ports send from their own threads.
 */
@ProviderType
public interface Bridge {

    /** Linux's default ageing_time: 300 s. */
    long AGEING_NANOS = 300_000_000_000L;

    /** The shortest frame a port accepts: an Ethernet header (destination, source, type). */
    int MIN_FRAME = 14;
    /** The longest a port takes by default: a 1500-byte payload with header and one VLAN tag. */
    int MAX_FRAME = 1518;
    /**
     * The longest any port may take: a netif packet's size is 16 bits (Linux netback lets a vif
     * whose frontend does scatter-gather raise its MTU to 65517, a 65535-byte frame).
     */
    int MAX_JUMBO_FRAME = 0xFFFF;

    String name();

    /**
     * Attaches a device: frames leaving the bridge through the new port go to {@code sink}.
     *
     * @throws IllegalArgumentException if a port of that name is attached already
     */
    default SwitchPort attach(String portName, FrameSink sink) {
        return attach(portName, sink, MAX_FRAME, false);
    }

    /**
     * Attaches a device whose frames may be up to {@code maxFrame} bytes (its MTU and Ethernet
     * header: {@link #MIN_FRAME}..{@link #MAX_JUMBO_FRAME}) and which, if
     * {@code partialChecksums}, takes {@link FrameChecksum#PARTIAL} frames as they are (else
     * they are completed for it).
     *
     * @throws IllegalArgumentException if a port of that name is attached already, or for a
     *         maximum out of range
     */
    SwitchPort attach(String portName, FrameSink sink, int maxFrame, boolean partialChecksums);

    /** The ports attached now, in order of attachment. */
    List<SwitchPort> ports();

    Optional<SwitchPort> port(String portName);

    /** How many MAC addresses the bridge knows now (aged-out entries not counted). */
    int learnedAddresses();

    /**
     * Starts writing every frame that enters any port to {@code file} in the classic pcap
     * format (LINKTYPE_ETHERNET, microsecond timestamps), which tcpdump and Wireshark read. A
     * capture already running is ended first. The file is replaced.
     */
    void startCapture(Path file) throws IOException;

    /** Ends the capture (the file is complete and flushed); nothing if none runs. */
    void stopCapture() throws IOException;

    /** The file being captured to, if any. */
    Optional<Path> capture();
}
