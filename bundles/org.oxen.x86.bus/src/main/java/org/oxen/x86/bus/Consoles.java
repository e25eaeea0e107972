package org.oxen.x86.bus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.DeviceConfigException;

/**
 * Console sinks for {@code DeviceContext.openConsole}: {@code none}, {@code log} (one
 * {@link System.Logger} record per line), {@code file:<path>} (appended), {@code tcp:<port>}
 * (a server on 127.0.0.1 serving one client at a time; output is dropped while none is
 * connected; received bytes are queued for {@link Console#poll()}), and memory consoles for
 * tests. The Gogo session sink belongs to the board, which knows the session.
 */
public final class Consoles {

    private Consoles() {
    }

    /**
     * Opens the console {@code spec} names; {@code owner} (a device id) names the log and
     * error messages. {@code gogo} is not handled here (returns {@code null}).
     */
    public static Console open(String owner, String spec) {
        if (spec == null || spec.isBlank() || spec.equals("none")) {
            return none();
        }
        if (spec.equals("log")) {
            return log(owner);
        }
        if (spec.startsWith("file:")) {
            return file(owner, Path.of(spec.substring(5)));
        }
        if (spec.startsWith("tcp:")) {
            int port;
            try {
                port = Integer.parseInt(spec.substring(4));
            } catch (NumberFormatException e) {
                throw new DeviceConfigException("device " + owner + ": console '" + spec + "': bad port");
            }
            return tcp(owner, port);
        }
        if (spec.equals("gogo")) {
            return null;
        }
        throw new DeviceConfigException("device " + owner + ": unknown console '" + spec
                + "' (expected none, log, file:<path>, gogo or tcp:<port>)");
    }

    /** Discards output, never has input. */
    public static Console none() {
        return new Console() {
            @Override
            public void write(int b) {
            }

            @Override
            public void close() {
            }
        };
    }

    /** One INFO log record per line of output, on logger {@code oxen.console.<owner>}. */
    public static Console log(String owner) {
        System.Logger logger = System.getLogger("oxen.console." + owner);
        return new Console() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                if (b == '\n') {
                    flush();
                } else if (b != '\r') {
                    line.write(b);
                    if (line.size() >= 4096) {
                        flush();
                    }
                }
            }

            @Override
            public void flush() {
                if (line.size() > 0) {
                    logger.log(System.Logger.Level.INFO, line.toString(StandardCharsets.ISO_8859_1));
                    line.reset();
                }
            }

            @Override
            public void close() {
                flush();
            }
        };
    }

    /** Appends to {@code path}, created if absent. */
    public static Console file(String owner, Path path) {
        OutputStream out;
        try {
            out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new DeviceConfigException("device " + owner + ": cannot open console file " + path + ": " + e.getMessage(), e);
        }
        return new Console() {
            private final byte[] buf = new byte[4096];
            private int n;
            private boolean closed;

            @Override
            public void write(int b) {
                buf[n++] = (byte) b;
                if (n == buf.length || b == '\n') {
                    flush();
                }
            }

            @Override
            public void flush() {
                if (n > 0 && !closed) {
                    try {
                        out.write(buf, 0, n);
                        out.flush();
                    } catch (IOException e) {
                        // a full disk must not kill the machine; output is lost
                    }
                }
                n = 0;
            }

            @Override
            public void close() {
                flush();
                closed = true;
                try {
                    out.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        };
    }

    /** A TCP server on 127.0.0.1:{@code port} (0 picks a free port, see {@link TcpConsole#port()}). */
    public static TcpConsole tcp(String owner, int port) {
        try {
            return new TcpConsole(owner, port);
        } catch (IOException e) {
            throw new DeviceConfigException("device " + owner + ": cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
    }

    /** A console kept in memory: output readable as text, input supplied by the test. */
    public static MemoryConsole memory() {
        return new MemoryConsole();
    }

    /** See {@link #memory()}. */
    public static final class MemoryConsole implements Console {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ConcurrentLinkedQueue<Integer> in = new ConcurrentLinkedQueue<>();
        private boolean closed;

        @Override
        public void write(int b) {
            out.write(b);
        }

        @Override
        public int poll() {
            Integer b = in.poll();
            return b == null ? -1 : b;
        }

        @Override
        public boolean readable() {
            return true;
        }

        /** Queues input bytes. */
        public void type(String s) {
            for (byte b : s.getBytes(StandardCharsets.ISO_8859_1)) {
                in.add(b & 0xFF);
            }
        }

        /** Everything written so far, ISO-8859-1. */
        public String text() {
            return out.toString(StandardCharsets.ISO_8859_1);
        }

        public boolean closed() {
            return closed;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** See {@link #tcp(String, int)}. */
    public static final class TcpConsole implements Console {
        private final ServerSocket server;
        private final ConcurrentLinkedQueue<Integer> in = new ConcurrentLinkedQueue<>();
        private final Thread acceptor;
        private volatile Socket client;
        private volatile OutputStream out;

        TcpConsole(String owner, int port) throws IOException {
            server = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
            acceptor = new Thread(this::serve, "oxen-console-" + owner);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        /** The port listened on. */
        public int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.setTcpNoDelay(true);
                    client = s;
                    out = s.getOutputStream();
                    InputStream is = s.getInputStream();
                    int b;
                    while ((b = is.read()) >= 0) {
                        in.add(b);
                    }
                } catch (IOException e) {
                    // client gone or server closed: wait for the next client
                } finally {
                    out = null;
                    client = null;
                }
            }
        }

        @Override
        public void write(int b) {
            OutputStream o = out;
            if (o != null) {
                try {
                    o.write(b);
                } catch (IOException e) {
                    out = null;
                }
            }
        }

        @Override
        public void flush() {
            OutputStream o = out;
            if (o != null) {
                try {
                    o.flush();
                } catch (IOException e) {
                    out = null;
                }
            }
        }

        @Override
        public int poll() {
            Integer b = in.poll();
            return b == null ? -1 : b;
        }

        @Override
        public boolean readable() {
            return true;
        }

        @Override
        public void close() {
            try {
                server.close();
                Socket c = client;
                if (c != null) {
                    c.close();
                }
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
