package org.oxen.debug.gdbstub;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

import org.oxen.debug.gdbstub.internal.GdbSession;

/**
 * A gdb remote-protocol server for one {@link DebugTarget}, on a loopback port, one client at a
 * time. Attaching stops the target; detaching (or the client going away) removes the
 * breakpoints and lets it run on.
 *
 * <h2>Locking</h2>
 * One accept thread owns the client connection and the session; {@link #close()} may be called
 * from any thread (it closes the sockets, which ends the accept thread).
 */
public final class GdbServer implements AutoCloseable {

    private final DebugTarget target;
    private final ServerSocket socket;
    private final Thread thread;
    private volatile Socket client;
    private volatile boolean closed;

    private GdbServer(DebugTarget target, ServerSocket socket) {
        this.target = target;
        this.socket = socket;
        this.thread = new Thread(this::serve, "oxen-gdb-" + target.name().replace(' ', '-'));
        this.thread.setDaemon(true);
    }

    /**
     * Listens on 127.0.0.1:{@code port} ({@code 0} picks a free port).
     *
     * @throws IOException if the port cannot be bound
     */
    public static GdbServer start(DebugTarget target, int port) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("gdb port " + port + " is not in 0..65535");
        }
        ServerSocket s = new ServerSocket();
        try {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        } catch (IOException e) {
            s.close();
            throw new IOException("gdb stub for " + target.name() + ": cannot listen on 127.0.0.1:" + port + ": "
                    + e.getMessage(), e);
        }
        GdbServer g = new GdbServer(target, s);
        g.thread.start();
        return g;
    }

    /**
     * A TCP port as a user types it for a stub ({@code machine gdb}, {@code xl debug}): 0..65535,
     * 0 for a free one.
     *
     * @throws IllegalArgumentException naming the text that is not a port
     */
    public static int parsePort(String text) {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "' is not a TCP port (0..65535)");
        }
        return port;
    }

    public int port() {
        return socket.getLocalPort();
    }

    public DebugTarget target() {
        return target;
    }

    private void serve() {
        while (!closed) {
            try (Socket c = socket.accept()) {
                client = c;
                c.setTcpNoDelay(true);
                DebugGate gate = new DebugGate(target);
                if (!target.attach(gate)) {
                    c.getOutputStream().write("$E01#a6".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    continue;
                }
                try {
                    new GdbSession(gate, c.getInputStream(), c.getOutputStream()).run();
                } finally {
                    GdbSession.detach(gate);
                    target.detach(gate);
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                client = null;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
        Socket c = client;
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public String toString() {
        return "gdb stub for " + target.name() + " on 127.0.0.1:" + port();
    }
}
