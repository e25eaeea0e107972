package org.oxen.vmm.core.save;

import static org.oxen.vmm.core.save.StreamFormat.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Rewrites a good stream into a well-formed hostile one (records re-emitted with valid CRCs). */
final class StreamSurgery {
    private StreamSurgery() {
    }

    /** Entry 0 of the first L1 table sent maps the pinned L3's pfn writable. */
    static byte[] mapL3WritableFromAnL1(byte[] good) throws IOException {
        long l3 = -1;
        StreamReader scan = new StreamReader(new ByteArrayInputStream(good));
        scan.header();
        for (int t = scan.next(); t != REC_END; t = scan.next()) {
            if (t != REC_PAGE_DATA) continue;
            ByteBuffer b = scan.body();
            int n = b.getInt(0);
            for (int i = 0; i < n; i++) {
                long e = b.getLong(8 + 8 * i);
                if ((int) (e >>> TYPE_SHIFT) == (TYPE_L3TAB | TYPE_LPINTAB)) l3 = e & PFN_MASK;
            }
        }
        if (l3 < 0) throw new IllegalStateException("no pinned L3 in the stream");
        long l3pfn = l3;
        boolean[] done = {false};
        byte[] bad = rewrite(good, (t, body, w) -> {
            if (t != REC_PAGE_DATA || done[0]) return body;
            ByteBuffer b = ByteBuffer.wrap(body).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int n = b.getInt(0);
            int data = 8 + 8 * n;
            for (int i = 0; i < n; i++) {
                long e = b.getLong(8 + 8 * i);
                int type = (int) (e >>> TYPE_SHIFT);
                if (type != TYPE_XTAB && (type & TYPE_LTAB_MASK) == TYPE_L1TAB) {
                    b.putLong(data, l3pfn << 12 | 0x23); // P | RW | A
                    done[0] = true;
                    return body;
                }
                if (type != TYPE_XTAB) data += 4096;
            }
            return body;
        });
        if (!done[0]) throw new IllegalStateException("no L1 table in the stream");
        return bad;
    }

    /**
     * HVM_CONTEXT's entry of device {@code id}: byte {@code at} of its state set to {@code value}
     * (a well-formed record with a valid CRC whose device state is wrong).
     */
    static byte[] deviceStateByte(byte[] good, String id, int at, int value) throws IOException {
        boolean[] done = {false};
        byte[] bad = rewrite(good, (t, body, w) -> {
            if (t != REC_HVM_CONTEXT) return body;
            ByteBuffer b = ByteBuffer.wrap(body).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int n = b.getInt(0);
            int pos = 8;
            for (int i = 0; i < n; i++) {
                int code = b.getShort(pos) & 0xFFFF, len = b.getInt(pos + 4);
                int data = pos + 8;
                if (code == HVM_CODE_DEVICE) {
                    int idLen = b.getShort(data + 4) & 0xFFFF;
                    String name = new String(body, data + 6, idLen, java.nio.charset.StandardCharsets.UTF_8);
                    int typeLen = b.getShort(data + 6 + idLen) & 0xFFFF;
                    int state = data + 6 + idLen + 2 + typeLen;
                    if (name.equals(id)) {
                        body[state + at] = (byte) value;
                        done[0] = true;
                    }
                }
                pos = data + len;
            }
            return body;
        });
        if (!done[0]) throw new IllegalStateException("no device " + id + " in the stream");
        return bad;
    }

    /**
     * One more PAGE_DATA record just before END: gfn {@code gfn} as XTAB, as a live migration's
     * later round sends a page the guest gave back after an earlier round sent it.
     */
    static byte[] holeBeforeEnd(byte[] good, long gfn) throws IOException {
        return rewrite(good, (t, body, w) -> {
            if (t == REC_END) {
                w.record(REC_PAGE_DATA, ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .putInt(1).putInt(0).putLong((long) TYPE_XTAB << TYPE_SHIFT | gfn).array());
            }
            return body;
        });
    }

    /**
     * HVM_PLATFORM as oxen wrote it before it carried the vcpus' VCPUOP timers: the record ends
     * after the event channels (their count, then 16 bytes each).
     */
    static byte[] hvmPlatformWithoutVcpuTimers(byte[] good, int vcpus) throws IOException {
        return rewrite(good, (t, body, w) -> {
            if (t != REC_HVM_PLATFORM) return body;
            return java.util.Arrays.copyOf(body, body.length - 4 - 16 * vcpus);
        });
    }

    /** Every VCPU_STATE record's periodic timer period (u64 at 8, little-endian) set to {@code ns}. */
    static byte[] vcpuStatePeriod(byte[] good, long ns) throws IOException {
        return rewrite(good, (t, body, w) -> {
            if (t != REC_VCPU_STATE) return body;
            byte[] edited = body.clone();
            ByteBuffer.wrap(edited).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(8, ns);
            return edited;
        });
    }

    /** What a rewrite does at each record of the good stream before it is written: edit its body or give another, or write others first. */
    @FunctionalInterface
    private interface RecordEdit {
        byte[] at(int type, byte[] body, StreamWriter w) throws IOException;
    }

    /** The good stream's header, then each record through {@code edit} and re-emitted with a valid CRC, up to END. */
    private static byte[] rewrite(byte[] good, RecordEdit edit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(good, 0, IMAGE_HEADER_SIZE + DOMAIN_HEADER_SIZE);
        StreamWriter w = new StreamWriter(out);
        StreamReader r = new StreamReader(new ByteArrayInputStream(good));
        r.header();
        for (int t = r.next();; t = r.next()) {
            ByteBuffer in = r.body();
            byte[] body = new byte[in.remaining()];
            in.get(body);
            w.record(t, edit.at(t, body, w));
            if (t == REC_END) break;
        }
        w.flush();
        return out.toByteArray();
    }
}
