package org.oxen.vmm.core.save;

import static org.oxen.vmm.core.save.StreamFormat.*;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * Reads a stream (see {@link StreamFormat}), refusing what oxen cannot restore with a
 * {@link StreamFormatException} that names the problem and where it is (the record's number
 * and byte offset): another format or version, a domain type or page size oxen does not run,
 * a record longer than any oxen writes, a CRC that does not match (corruption), a stream that
 * ends early (truncation). Not thread-safe: one reader per stream.
 */
public final class StreamReader {

    private final InputStream in;
    private final byte[] body = new byte[MAX_BODY];
    private final ByteBuffer bodyBuf = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
    private final byte[] head = new byte[RECORD_HEADER_SIZE];
    private final CRC32 crc = new CRC32();
    private long offset;
    private int records;
    private int type = -1;
    private boolean ended;
    private int domainType;

    /** The domain header's type ({@link StreamFormat#DHDR_TYPE_X86_PV} or {@code _HVM}), after {@link #header()}. */
    public int domainType() {
        return domainType;
    }

    public StreamReader(InputStream in) {
        this.in = in;
    }

    /** The saving hypervisor's version, major << 16 | minor. */
    public int header() throws IOException {
        byte[] h = new byte[IMAGE_HEADER_SIZE + DOMAIN_HEADER_SIZE];
        int n = readFully(h, h.length);
        if (n < IMAGE_HEADER_SIZE) {
            throw new StreamFormatException("not an oxen save stream: " + n + " bytes, shorter than its "
                    + IMAGE_HEADER_SIZE + "-byte image header");
        }
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.BIG_ENDIAN);
        long marker = b.getLong();
        int id = b.getInt();
        if (marker != MARKER || id != ID) {
            throw new StreamFormatException(String.format("not an oxen save stream: image header marker 0x%016x id 0x%08x"
                    + " (want 0x%016x, 0x%08x \"OXNF\")%s", marker, id, MARKER, ID,
                    marker == MARKER && id == 0x58454E46 ? ": this is Xen's stream (XENF), which oxen does not read" : ""));
        }
        int version = b.getInt();
        if (version != VERSION) {
            throw new StreamFormatException("the stream is version " + version + " of oxen's save format; this oxen reads"
                    + " version " + VERSION + " only");
        }
        int options = b.getShort() & 0xFFFF;
        if ((options & OPT_BIG_ENDIAN) != 0) {
            throw new StreamFormatException("the stream's records are big-endian (options 0x" + Integer.toHexString(options)
                    + "); oxen reads little-endian streams");
        }
        if (n < h.length) {
            throw new StreamFormatException("truncated: the stream ends inside its domain header at byte " + n);
        }
        b.position(IMAGE_HEADER_SIZE);
        b.order(ByteOrder.LITTLE_ENDIAN);
        int dtype = b.getInt();
        int shift = b.getShort() & 0xFFFF;
        b.getShort();
        int major = b.getShort() & 0xFFFF, minor = b.getShort() & 0xFFFF;
        if (dtype != DHDR_TYPE_X86_PV && dtype != DHDR_TYPE_X86_HVM) {
            throw new StreamFormatException("the stream holds a domain of type " + dtype + "; oxen restores x86 PV and"
                    + " HVM domains (types " + DHDR_TYPE_X86_PV + ", " + DHDR_TYPE_X86_HVM + ")");
        }
        domainType = dtype;
        if (shift != PAGE_SHIFT) {
            throw new StreamFormatException("the stream's pages are 2^" + shift + " bytes; oxen's are 4096");
        }
        offset = h.length;
        return major << 16 | minor;
    }

    /**
     * The next record: its type is returned and its body is {@link #body()} (valid until the
     * next call). After END, calling again is an error.
     */
    public int next() throws IOException {
        if (ended) throw new StreamFormatException("read past the END record");
        long at = offset;
        int n = readFully(head, RECORD_HEADER_SIZE);
        if (n == 0) {
            throw new StreamFormatException("truncated: the stream ends after " + records + " records at byte " + at
                    + " without an END record");
        }
        if (n < RECORD_HEADER_SIZE) {
            throw new StreamFormatException("truncated: the stream ends inside the header of record " + (records + 1)
                    + " at byte " + at);
        }
        ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        int t = h.getInt();
        int len = h.getInt();
        int sum = h.getInt();
        if (len < 0 || len > MAX_BODY) {
            throw new StreamFormatException(String.format("record %d (%s) at byte %d: body length %d is beyond oxen's"
                    + " largest record (%d bytes): the stream is corrupted", records + 1, recordName(t), at,
                    len & 0xFFFFFFFFL, MAX_BODY));
        }
        int padded = len + (-len & 7);
        int got = readFully(body, padded);
        if (got < padded) {
            throw new StreamFormatException(String.format("truncated: the stream ends inside record %d (%s) at byte %d:"
                    + " %d of its %d body bytes", records + 1, recordName(t), at, got, padded));
        }
        crc.reset();
        crc.update(head, 0, 8);
        crc.update(body, 0, len);
        if ((int) crc.getValue() != sum) {
            throw new StreamFormatException(String.format("record %d (%s) at byte %d: CRC32 0x%08x, the record's header"
                    + " says 0x%08x: the stream is corrupted", records + 1, recordName(t), at, (int) crc.getValue(), sum));
        }
        records++;
        offset += RECORD_HEADER_SIZE + padded;
        bodyBuf.clear().limit(len);
        type = t;
        if (t == REC_END) ended = true;
        return t;
    }

    /** The body of the record {@link #next()} returned: position 0, limit its length, little-endian. */
    public ByteBuffer body() {
        return bodyBuf;
    }

    /** "record N (TYPE) ending at byte X": for messages. */
    public String where() {
        return "record " + records + " (" + recordName(type) + ") ending at byte " + offset;
    }

    /** Fails unless the current body has {@code n} more bytes. */
    public void need(int n, String what) throws StreamFormatException {
        if (bodyBuf.remaining() < n) {
            throw new StreamFormatException(where() + ": its body ends before " + what + " (" + bodyBuf.remaining()
                    + " bytes left, " + n + " needed)");
        }
    }

    /**
     * A PAGE_DATA body's header: its count (1..{@link BatchLimits#MAX_BATCH}) and reserved word
     * read, its pfn entries checked present; the body is left at the first entry.
     */
    public int pageBatchCount() throws StreamFormatException {
        need(8, "the batch's count");
        int count = bodyBuf.getInt();
        bodyBuf.getInt();
        if (count <= 0 || count > BatchLimits.MAX_BATCH) {
            throw new StreamFormatException(where() + ": a batch of " + count + " pages (want 1.." + BatchLimits.MAX_BATCH + ")");
        }
        need(8 * count, count + " pfn entries");
        return count;
    }

    /** Checks one PAGE_DATA entry (its type and pfn decoded); throws for one the restorer does not take. */
    @FunctionalInterface
    public interface PageEntryCheck {
        void check(int index, long entry, int type, long pfn) throws StreamFormatException;
    }

    /**
     * The entries of the PAGE_DATA record just read ({@link #pageBatchCount}), each checked by
     * {@code check}, and the body checked to hold a page of data for each that is not XTAB; the
     * body is left at the first page.
     */
    public long[] pageBatch(PageEntryCheck check) throws StreamFormatException {
        int count = pageBatchCount();
        long[] entries = new long[count];
        int withData = 0;
        for (int i = 0; i < count; i++) {
            long e = bodyBuf.getLong();
            int type = (int) (e >>> TYPE_SHIFT);
            check.check(i, e, type, e & PFN_MASK);
            if (type != TYPE_XTAB) withData++;
            entries[i] = e;
        }
        need(4096 * withData, withData + " pages of data");
        return entries;
    }

    public long offset() {
        return offset;
    }

    private int readFully(byte[] b, int n) throws IOException {
        int off = 0;
        while (off < n) {
            int r;
            try {
                r = in.read(b, off, n - off);
            } catch (EOFException e) {
                r = -1;
            }
            if (r < 0) break;
            off += r;
        }
        return off;
    }
}
