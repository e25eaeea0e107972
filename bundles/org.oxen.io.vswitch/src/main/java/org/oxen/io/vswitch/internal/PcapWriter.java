package org.oxen.io.vswitch.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A classic pcap file (libpcap's format, what tcpdump -r and Wireshark read): the 24-byte
 * global header (magic 0xa1b2c3d4: microsecond timestamps, version 2.4, snaplen 65535,
 * LINKTYPE_ETHERNET), then per frame a 16-byte record header (seconds, microseconds, captured
 * length, original length) and the frame. Little-endian, as the magic tells readers.
 *
 * <p>Locking: {@link #write} and {@link #close} are synchronized (frames come from every port's
 * thread); the record header buffer is reused, so writing a frame allocates nothing.
 */
final class PcapWriter implements AutoCloseable {

    static final int MAGIC_MICROS = 0xa1b2c3d4;
    static final int LINKTYPE_ETHERNET = 1;
    static final int SNAPLEN = 65535;

    private final Path file;
    private final OutputStream out;
    private final ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    private long frames;
    private boolean closed;

    PcapWriter(Path file) throws IOException {
        this.file = file;
        this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(MAGIC_MICROS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(SNAPLEN)
                .putInt(LINKTYPE_ETHERNET);
        out.write(h.array());
        out.flush();
    }

    Path file() {
        return file;
    }

    /** Appends one frame stamped {@code epochMicros}; an I/O error ends the capture (returned). */
    synchronized IOException write(long epochMicros, byte[] frame, int offset, int length) {
        if (closed) return null;
        try {
            record.clear();
            record.putInt((int) (epochMicros / 1_000_000)).putInt((int) (epochMicros % 1_000_000)).putInt(length)
                    .putInt(length);
            out.write(record.array(), 0, 16);
            out.write(frame, offset, length);
            frames++;
            return null;
        } catch (IOException e) {
            closed = true;
            try {
                out.close();
            } catch (IOException ignored) {
                // the first error is the one reported
            }
            return e;
        }
    }

    synchronized long frames() {
        return frames;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        out.close();
    }
}
