package org.oxen.io.xenstore.wire;

/**
 * The xenstore wire protocol (xen/include/public/io/xs_wire.h): a 16-byte little-endian header
 * {@code {u32 type, u32 req_id, u32 tx_id, u32 len}} and {@code len} bytes of payload, at most
 * {@link #PAYLOAD_MAX}. The one copy of these numbers in oxen.
 */
public final class XsWire {

    public static final int HEADER = 16;
    /** XENSTORE_PAYLOAD_MAX. */
    public static final int PAYLOAD_MAX = 4096;

    public static final int CONTROL = 0;
    public static final int DIRECTORY = 1;
    public static final int READ = 2;
    public static final int GET_PERMS = 3;
    public static final int WATCH = 4;
    public static final int UNWATCH = 5;
    public static final int TRANSACTION_START = 6;
    public static final int TRANSACTION_END = 7;
    public static final int INTRODUCE = 8;
    public static final int RELEASE = 9;
    public static final int GET_DOMAIN_PATH = 10;
    public static final int WRITE = 11;
    public static final int MKDIR = 12;
    public static final int RM = 13;
    public static final int SET_PERMS = 14;
    public static final int WATCH_EVENT = 15;
    public static final int ERROR = 16;
    public static final int IS_DOMAIN_INTRODUCED = 17;
    public static final int RESUME = 18;
    public static final int SET_TARGET = 19;
    /** 20 was XS_RESTRICT, removed from Xen. */
    public static final int RESET_WATCHES = 21;
    public static final int DIRECTORY_PART = 22;
    public static final int GET_FEATURE = 23;
    public static final int SET_FEATURE = 24;
    public static final int GET_QUOTA = 25;
    public static final int SET_QUOTA = 26;
    public static final int TYPE_COUNT = 27;

    private XsWire() {
    }

    static int getInt(byte[] b, int off) {
        return b[off] & 0xFF | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    /** A whole message: header and payload. */
    public static byte[] message(int type, int reqId, int txId, byte[] payload) {
        if (payload.length > PAYLOAD_MAX) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes is over " + PAYLOAD_MAX);
        }
        byte[] m = new byte[HEADER + payload.length];
        putInt(m, 0, type);
        putInt(m, 4, reqId);
        putInt(m, 8, txId);
        putInt(m, 12, payload.length);
        System.arraycopy(payload, 0, m, HEADER, payload.length);
        return m;
    }

    public static int type(byte[] message) {
        return getInt(message, 0);
    }

    public static int reqId(byte[] message) {
        return getInt(message, 4);
    }

    public static int txId(byte[] message) {
        return getInt(message, 8);
    }

    /** The header's len field (unchecked). */
    public static int length(byte[] message) {
        return getInt(message, 12);
    }
}
