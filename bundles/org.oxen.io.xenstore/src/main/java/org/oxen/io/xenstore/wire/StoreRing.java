package org.oxen.io.xenstore.wire;

import java.util.ArrayDeque;

import org.oxen.vmm.api.backend.PageView;

/**
 * The server end of a domain's xenstore ring (xen/include/public/io/xs_wire.h's
 * {@code struct xenstore_domain_interface}, docs/misc/xenstore-ring.txt): two 1024-byte byte
 * rings in the store page, requests at 0 and responses at 1024, with free-running u32 indexes at
 * 2048 (req_cons, req_prod, rsp_cons, rsp_prod). Bytes are framed into xs_wire messages for a
 * {@link WireConnection}; its replies and watch events queue here and go out as the guest frees
 * room in the response ring.
 *
 * <p>Hostile guests: a req_prod more than 1024 ahead of req_cons breaks the connection; a guest
 * that does not read its responses has at most {@link #OUT_MAX} bytes queued, then its
 * connection is dropped; a flood of requests is served at most {@link #BUDGET} messages per
 * {@link #service} call, so one guest cannot hold the server.
 *
 * <p>Locking: {@link #service} is called by one thread at a time (the domain's store event);
 * the outbound queue is guarded by this object's monitor because watch events arrive on the
 * store's delivery thread.
 */
public final class StoreRing {

    public static final int RING_SIZE = 1024;
    public static final int REQ = 0;
    public static final int RSP = 1024;
    public static final int REQ_CONS = 2048;
    public static final int REQ_PROD = 2052;
    public static final int RSP_CONS = 2056;
    public static final int RSP_PROD = 2060;
    /** server_features, connection, error (xs_wire.h). */
    public static final int SERVER_FEATURES = 2064;
    public static final int CONNECTION = 2068;
    public static final int ERROR = 2072;
    /** XENSTORE_SERVER_FEATURE_ERROR: the server reports a broken ring in {@link #ERROR}. */
    public static final int FEATURE_ERROR = 2;
    /** XENSTORE_ERROR_COMM, _RINGIDX, _PROTO. */
    public static final int ERROR_COMM = 1, ERROR_RINGIDX = 2, ERROR_PROTO = 3;
    /** Bytes of replies and events queued for a guest before its connection is dropped. */
    public static final int OUT_MAX = 64 * 1024;
    /** Messages served per {@link #service} call. */
    public static final int BUDGET = 64;

    private final PageView page;
    private final WireConnection connection;
    private final ArrayDeque<byte[]> out = new ArrayDeque<>();
    private int outBytes;
    private int outOffset;
    private final byte[] header = new byte[XsWire.HEADER];
    private int headerFill;
    private byte[] message;
    private int messageFill;
    private String broken;
    private final Runnable wake;

    /**
     * @param connect makes the connection given the sink its replies go to (this ring)
     */
    public StoreRing(PageView page, java.util.function.Function<java.util.function.Consumer<byte[]>, WireConnection> connect) {
        this(page, connect, () -> { });
    }

    /**
     * @param wake called (outside this ring's lock) when output was queued from outside
     *        {@link #service} (a watch event): the server should service the ring soon
     */
    public StoreRing(PageView page, java.util.function.Function<java.util.function.Consumer<byte[]>, WireConnection> connect,
            Runnable wake) {
        this.page = page;
        this.wake = wake;
        this.connection = connect.apply(m -> {
            enqueue(m);
            wake.run();
        });
    }

    /**
     * Announces XENSTORE_SERVER_FEATURE_ERROR in the page, as xenstored does when it
     * introduces a domain.
     */
    public void announceFeatures() {
        page.putIntRelease(SERVER_FEATURES, FEATURE_ERROR);
    }

    /** Whether the guest has request bytes not yet consumed (the budget stopped a pass). */
    public boolean hasRequests() {
        return broken() == null && page.getIntAcquire(REQ_PROD) != page.getInt(REQ_CONS);
    }

    public WireConnection connection() {
        return connection;
    }

    /** Why the ring was dropped (or its connection), null while good. */
    public synchronized String broken() {
        return broken != null ? broken : connection.broken();
    }

    private synchronized void enqueue(byte[] m) {
        if (broken != null) return;
        if (outBytes + m.length > OUT_MAX) {
            broken = "the domain left more than " + OUT_MAX + " bytes of responses unread";
            out.clear();
            return;
        }
        out.add(m);
        outBytes += m.length;
    }

    /**
     * Serves the ring once: takes the guest's request bytes (up to the budget), handles whole
     * messages, writes what responses fit.
     *
     * @return whether the guest should be notified (indexes moved)
     */
    public boolean service() {
        if (broken() != null) return false;
        boolean moved = false;
        int served = 0;
        int prod = page.getIntAcquire(REQ_PROD);
        int cons = page.getInt(REQ_CONS);
        if (Integer.compareUnsigned(prod - cons, RING_SIZE) > 0) {
            synchronized (this) {
                broken = "req_prod " + Integer.toUnsignedString(prod) + " is more than " + RING_SIZE
                        + " bytes ahead of req_cons " + Integer.toUnsignedString(cons);
            }
            page.putIntRelease(ERROR, ERROR_RINGIDX);
            return true;
        }
        while (cons != prod && served < BUDGET && connection.broken() == null) {
            int b = page.getByte(REQ + (cons & (RING_SIZE - 1)));
            cons++;
            if (message == null) {
                header[headerFill++] = (byte) b;
                if (headerFill == XsWire.HEADER) {
                    int len = connection.checkHeader(header);
                    if (len < 0) {
                        page.putIntRelease(ERROR, ERROR_PROTO);
                        moved = true;
                        break;
                    }
                    message = new byte[XsWire.HEADER + len];
                    System.arraycopy(header, 0, message, 0, XsWire.HEADER);
                    messageFill = XsWire.HEADER;
                    headerFill = 0;
                }
            } else {
                message[messageFill++] = (byte) b;
            }
            if (message != null && messageFill == message.length) {
                byte[] m = message;
                message = null;
                connection.receive(m);
                served++;
            }
        }
        if (cons != page.getInt(REQ_CONS)) {
            page.putIntRelease(REQ_CONS, cons);
            moved = true;
        }
        return flush() || moved;
    }

    /** Writes queued responses into the response ring as far as they fit. */
    private synchronized boolean flush() {
        int prod = page.getInt(RSP_PROD);
        int cons = page.getIntAcquire(RSP_CONS);
        if (Integer.compareUnsigned(prod - cons, RING_SIZE) > 0) {
            broken = "rsp_cons " + Integer.toUnsignedString(cons) + " is not within " + RING_SIZE
                    + " bytes behind rsp_prod " + Integer.toUnsignedString(prod);
            page.putIntRelease(ERROR, ERROR_RINGIDX);
            return true;
        }
        int start = prod;
        while (!out.isEmpty() && prod - cons < RING_SIZE) {
            byte[] m = out.peek();
            page.putByte(RSP + (prod & (RING_SIZE - 1)), m[outOffset++]);
            prod++;
            if (outOffset == m.length) {
                out.poll();
                outBytes -= m.length;
                outOffset = 0;
            }
        }
        if (prod != start) {
            page.putIntRelease(RSP_PROD, prod);
            return true;
        }
        return false;
    }

    /** Responses not yet written to the ring (tests, flood checks). */
    public synchronized int pendingBytes() {
        return outBytes;
    }
}
