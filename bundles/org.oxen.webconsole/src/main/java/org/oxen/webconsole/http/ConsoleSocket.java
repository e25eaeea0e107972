package org.oxen.webconsole.http;

import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;

import org.oxen.vmm.api.ConsoleViewer;
import org.oxen.vmm.api.GuestConsole;
import org.oxen.webconsole.ws.FrameReader;
import org.oxen.webconsole.ws.FrameWriter;
import org.oxen.webconsole.ws.WebSocketProtocolException;

/**
 * One browser attached to one domain's console over a WebSocket.
 *
 * <p>Design: two threads per socket. The reader blocks on the client's frames
 * ({@link FrameReader}: every malformed frame closes the socket with RFC 6455's code and the
 * reason) and writes keys into the guest; the writer sends what the console's viewer queued.
 * The viewer runs on the console backend's thread and never blocks: it offers output to a
 * bounded queue, and a browser that falls {@value #QUEUE} chunks behind is closed (1008), never
 * waited for. Locking: the queue and {@link FrameWriter}'s monitor; {@link #close} runs once.
 */
public final class ConsoleSocket implements HttpUpgradeHandler {

    static final int MAX_MESSAGE = 4096;
    static final int QUEUE = 1024;
    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> outbox = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile GuestConsole console;
    private volatile Runnable onClose = () -> { };
    private volatile Runnable hangUp = () -> { };
    private volatile WebConnection connection;
    private volatile FrameWriter writer;
    private volatile AutoCloseable viewer;
    private volatile int closeCode = 1000;
    private volatile String closeReason = "";

    /** What the servlet hands the next socket created on its thread (see {@link #ConsoleSocket()}). */
    record Binding(GuestConsole console, Runnable onClose, Runnable hangUp) {
    }

    static final ThreadLocal<Binding> NEXT = new ThreadLocal<>();

    /**
     * The container creates the handler by its public no-argument constructor, inside
     * {@code HttpServletRequest.upgrade} on the servlet's thread, and may call {@link #init}
     * before {@code upgrade} returns (Jetty 11 does): so the servlet puts the binding in
     * {@link #NEXT} first and the constructor takes it.
     */
    public ConsoleSocket() {
        Binding b = NEXT.get();
        NEXT.remove();
        if (b != null) {
            this.console = b.console();
            this.onClose = b.onClose();
            this.hangUp = b.hangUp();
        }
    }

    @Override
    public void init(WebConnection wc) {
        this.connection = wc;
        GuestConsole c = console;
        if (c == null) {
            close(); // created by someone else than the servlet: nothing to serve
            return;
        }
        try {
            writer = new FrameWriter(wc.getOutputStream());
            byte[] log = c.log();
            if (log.length > 0) outbox.offer(log);
            viewer = c.attach(new ConsoleViewer() {
                @Override
                public void output(byte[] bytes) {
                    if (!outbox.offer(bytes)) {
                        fail(1008, "the browser fell behind the console's output");
                    }
                }

                @Override
                public void ended() {
                    closeCode = 1000;
                    closeReason = "the domain has ended";
                    outbox.offer(END);
                }
            });
            Thread r = new Thread(this::readLoop, "oxen-web-console-" + c.domid() + "-in");
            Thread w = new Thread(this::writeLoop, "oxen-web-console-" + c.domid() + "-out");
            r.setDaemon(true);
            w.setDaemon(true);
            r.start();
            w.start();
        } catch (IOException | RuntimeException e) {
            close();
        }
    }

    private void fail(int code, String reason) {
        closeCode = code;
        closeReason = reason;
        outbox.clear();
        outbox.offer(END);
    }

    private void readLoop() {
        try {
            FrameReader reader = new FrameReader(connection.getInputStream(), MAX_MESSAGE);
            while (!closed.get()) {
                FrameReader.Message m = reader.next();
                switch (m.opcode()) {
                    case FrameReader.OP_TEXT, FrameReader.OP_BINARY -> {
                        if (console.isLive()) console.write(m.payload(), 0, m.length());
                    }
                    case FrameReader.OP_PING -> writer.pong(m.payload(), m.length());
                    case FrameReader.OP_CLOSE -> {
                        fail(1000, "");
                        return;
                    }
                    default -> {
                        // a pong: nothing to do
                    }
                }
            }
        } catch (WebSocketProtocolException e) {
            fail(e.closeCode(), e.getMessage());
        } catch (EOFException e) {
            close();
        } catch (IOException | RuntimeException e) {
            close();
        }
    }

    private void writeLoop() {
        try {
            while (!closed.get()) {
                byte[] b = outbox.take();
                if (b == END) {
                    writer.close(closeCode, closeReason);
                    break;
                }
                writer.binary(b, 0, b.length);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the browser went away
        }
        close();
    }

    /** Detaches from the console and closes the connection; once. */
    void close() {
        if (!closed.compareAndSet(false, true)) return;
        outbox.offer(END);
        try {
            AutoCloseable v = viewer;
            if (v != null) v.close();
        } catch (Exception e) {
            // detaching never fails the close
        }
        WebConnection wc = connection;
        if (wc != null) {
            // the output first: Jetty ends an upgraded connection when its output is closed
            try {
                wc.getOutputStream().close();
            } catch (Exception e) {
                // already gone
            }
            try {
                wc.getInputStream().close();
            } catch (Exception e) {
                // already gone
            }
            try {
                wc.close();
            } catch (Exception e) {
                // already gone
            }
        }
        hangUp.run();
        onClose.run();
    }

    @Override
    public void destroy() {
        close();
    }
}
