package org.oxen.io.vswitch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The bridges of this oxen, by name (Xen's xenbr0 is {@link #DEFAULT_BRIDGE}). A bridge exists
 * from the first {@link #bridge} call and lives as long as the service. Thread-safe.
 */
@ProviderType
public interface VirtualSwitches {

    /** The bridge a vif attaches to when its config names none (libxl's default). */
    String DEFAULT_BRIDGE = "xenbr0";

    /**
     * The bridge {@code name}, created empty if it does not exist yet.
     *
     * @throws IllegalArgumentException if the name is not 1..15 characters of letters, digits,
     *         '.', '-' or '_' (a Linux interface name)
     */
    Bridge bridge(String name);

    Optional<Bridge> find(String name);

    /** Every bridge, in order of creation. */
    List<Bridge> bridges();

    /**
     * Joins bridge {@code bridge} to another switch over a UDP tunnel, as QEMU's
     * {@code -netdev socket,udp=REMOTE,localaddr=LOCAL}: every frame the bridge sends out of
     * the uplink's port is one datagram to {@code remote}; every datagram arriving at
     * {@code local} from {@code remote} is a frame entering the bridge. The port is named
     * {@code udp:<local port>}.
     *
     * @throws IOException if {@code local} cannot be bound
     */
    Uplink udpTunnel(String bridge, InetSocketAddress local, InetSocketAddress remote) throws IOException;

    /**
     * Attaches a new Linux TAP interface named {@code ifname} (/dev/net/tun) to bridge
     * {@code bridge}: the host's network stack becomes a port ({@code tap:<ifname>}). The
     * interface exists until the uplink closes; configure it with {@code ip}.
     *
     * @throws IOException if the interface cannot be created (not root, no tun module, name taken)
     * @throws UnsupportedOperationException if JNA (com.sun.jna) is not in the runtime
     */
    Uplink tap(String bridge, String ifname) throws IOException;
}
