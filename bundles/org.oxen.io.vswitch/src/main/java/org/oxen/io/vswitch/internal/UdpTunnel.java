package org.oxen.io.vswitch.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.SwitchPort;
import org.oxen.io.vswitch.Uplink;

/**
 * A UDP tunnel uplink, QEMU's {@code -netdev socket,udp=REMOTE,localaddr=LOCAL}: one Ethernet
 * frame per datagram, no header, both ways. Datagrams from any address but {@code remote} are
 * ignored (counted as malformed), so a stray sender on the host cannot inject frames.
 *
 * <p>Design: a receiver thread blocks in {@code receive} and sends each frame into the bridge
 * through the tunnel's port; frames the bridge sends out of the port are written by the
 * forwarding thread through one reused buffer. Locking: the send buffer's monitor (a leaf).
 */
final class UdpTunnel implements Uplink {

    private final DatagramChannel channel;
    private final InetSocketAddress remote;
    private final SwitchPort port;
    private final String description;
    private final Thread receiver;
    private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(Bridge.MAX_FRAME);
    private final AtomicLong malformed = new AtomicLong();
    private final Consumer<String> log;
    private volatile boolean closed;

    UdpTunnel(Bridge bridge, InetSocketAddress local, InetSocketAddress remote, Consumer<String> log) throws IOException {
        this.remote = remote;
        this.log = log;
        this.channel = DatagramChannel.open();
        try {
            channel.bind(local);
        } catch (IOException e) {
            channel.close();
            throw new IOException("vswitch: cannot bind the UDP tunnel to " + local + ": " + e.getMessage(), e);
        }
        int localPort = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        this.description = "udp " + local.getHostString() + ":" + localPort + " -> " + remote.getHostString() + ":"
                + remote.getPort();
        this.port = bridge.attach("udp:" + localPort, this::transmit);
        this.receiver = new Thread(this::receive, "vswitch " + bridge.name() + " " + description);
        receiver.setDaemon(true);
        receiver.start();
    }

    private boolean transmit(byte[] frame, int offset, int length) {
        if (closed) return false;
        synchronized (sendBuffer) {
            sendBuffer.clear();
            sendBuffer.put(frame, offset, length).flip();
            try {
                return channel.send(sendBuffer, remote) == length;
            } catch (IOException e) {
                return false; // counted as a drop by the bridge (e.g. ICMP port unreachable reported back)
            }
        }
    }

    private void receive() {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        byte[] array = buf.array();
        while (!closed) {
            try {
                buf.clear();
                SocketAddress from = channel.receive(buf);
                if (from == null) continue;
                if (!remote.equals(from)) {
                    malformed.incrementAndGet();
                    continue;
                }
                int n = buf.position();
                if (n < Bridge.MIN_FRAME || n > Bridge.MAX_FRAME) {
                    malformed.incrementAndGet();
                    continue;
                }
                port.send(array, 0, n);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) log.accept("vswitch: " + description + ": " + e.getMessage());
            }
        }
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public SwitchPort port() {
        return port;
    }

    @Override
    public long malformed() {
        return malformed.get();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        port.close();
        try {
            channel.close();
        } catch (IOException e) {
            log.accept("vswitch: " + description + ": close: " + e.getMessage());
        }
        try {
            receiver.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
