package org.oxen.vmm.core.save;

import static org.oxen.vmm.core.save.StreamFormat.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * Writes a stream (see {@link StreamFormat}): {@link #header} once, then records. A record's
 * body is built in {@link #body()} (a little-endian buffer reused for every record) and written
 * by {@link #finish}. Not thread-safe: one writer per stream.
 */
public final class StreamWriter {

    private final OutputStream out;
    private final ByteBuffer body = ByteBuffer.allocate(MAX_BODY).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer head = ByteBuffer.allocate(RECORD_HEADER_SIZE + 8).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32 crc = new CRC32();
    private long bytes;

    public StreamWriter(OutputStream out) {
        this.out = out;
    }

    /** The image header and the domain header. */
    public void header(int domainType, int xenMajor, int xenMinor) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(IMAGE_HEADER_SIZE + DOMAIN_HEADER_SIZE);
        b.order(ByteOrder.BIG_ENDIAN).putLong(MARKER).putInt(ID).putInt(VERSION).putShort((short) 0).putShort((short) 0)
                .putInt(0);
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(domainType).putShort((short) PAGE_SHIFT).putShort((short) 0)
                .putShort((short) xenMajor).putShort((short) xenMinor).putInt(0);
        out.write(b.array(), 0, b.position());
        bytes += b.position();
    }

    /** The buffer of the next record's body, cleared. */
    public ByteBuffer body() {
        body.clear();
        return body;
    }

    /** Writes a record of {@code type} whose body is what {@link #body()} holds (position = length). */
    public void finish(int type) throws IOException {
        int len = body.position();
        head.clear();
        head.putInt(type).putInt(len);
        crc.reset();
        crc.update(head.array(), 0, 8);
        crc.update(body.array(), 0, len);
        head.putInt((int) crc.getValue()).putInt(0);
        out.write(head.array(), 0, RECORD_HEADER_SIZE);
        out.write(body.array(), 0, len);
        int pad = -len & 7;
        if (pad != 0) out.write(new byte[8], 0, pad);
        bytes += RECORD_HEADER_SIZE + len + pad;
    }

    /** A record with the given body bytes. */
    public void record(int type, byte[] b) throws IOException {
        body().put(b);
        finish(type);
    }

    public void flush() throws IOException {
        out.flush();
    }

    /** Bytes written so far. */
    public long bytes() {
        return bytes;
    }
}
