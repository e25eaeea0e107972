package org.oxen.webconsole.ws;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The server side of RFC 6455 frames going out: unmasked, unfragmented. Locking: every write
 * holds this writer's monitor, so frames from several threads (a console's output, a pong, the
 * close) never interleave; callers never hold it across anything else.
 */
public final class FrameWriter {

    private final OutputStream out;
    private final byte[] header = new byte[10];
    private boolean closed;

    public FrameWriter(OutputStream out) {
        this.out = out;
    }

    public synchronized void binary(byte[] b, int off, int len) throws IOException {
        frame(FrameReader.OP_BINARY, b, off, len);
    }

    public synchronized void text(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        frame(FrameReader.OP_TEXT, b, 0, b.length);
    }

    public synchronized void pong(byte[] b, int len) throws IOException {
        frame(FrameReader.OP_PONG, b, 0, len);
    }

    /** Sends a close frame with {@code code} and a reason (cut to fit 125 bytes) once; later writes are dropped. */
    public synchronized void close(int code, String reason) throws IOException {
        if (closed) return;
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(r.length, 123);
        byte[] p = new byte[2 + n];
        p[0] = (byte) (code >> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, n);
        frame(FrameReader.OP_CLOSE, p, 0, p.length);
        closed = true;
    }

    private void frame(int opcode, byte[] b, int off, int len) throws IOException {
        if (closed) return;
        int h = 0;
        header[h++] = (byte) (0x80 | opcode);
        if (len < 126) {
            header[h++] = (byte) len;
        } else if (len < 65536) {
            header[h++] = 126;
            header[h++] = (byte) (len >> 8);
            header[h++] = (byte) len;
        } else {
            header[h++] = 127;
            for (int i = 7; i >= 0; i--) {
                header[h++] = (byte) (i >= 4 ? 0 : len >>> (8 * i));
            }
        }
        out.write(header, 0, h);
        out.write(b, off, len);
        out.flush();
    }
}
