package org.oxen.io.netback;

import static org.oxen.vmm.abi.Netif.*;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.oxen.io.ring.FrontRing;
import org.oxen.io.ring.RingLayout;
import org.oxen.io.xenbus.XenbusFrontend;
import org.oxen.vmm.api.backend.PageView;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreTransaction;

/**
 * A netfront in Java for tests, playing a real domain's part ({@link FrontendDomain}: its own
 * frames, grant entries and event channels): the handshake as Linux xen-netfront does it
 * (rings granted, rx buffers posted, one event channel, {@code request-rx-copy=1},
 * {@code feature-sg}, {@code feature-rx-notify=1} and, unless it takes partial checksums,
 * {@code feature-no-csum-offload=1} in one transaction, Initialised); frames to
 * send are queued, each split over slots of at most {@code fragment} bytes (scatter-gather),
 * optionally with NETTXF_csum_blank; received frames (reassembled across NETRXF_more_data) go
 * to {@code receiver}. On a backend's Closing every frame sent but not answered goes back to the
 * head of the queue and is sent again after the reconnect, as netfront resends its queue.
 *
 * <p>Threading: one frontend thread owns the rings once connected; {@link #send} queues from
 * any thread; {@link #onFrontendThread} runs hostile tests' raw ring writes on that thread.
 */
final class JavaNetfront extends XenbusFrontend {

    static final int BUFFERS = 64;

    final FrontendDomain dom;
    private final int fragment;
    private final boolean csumBlank;
    private final Receiver receiver;
    /** feature-sg (written before start): frames over a page both ways. */
    volatile boolean sg = true;
    /** Not feature-no-csum-offload (written before start): frames may come NETRXF_csum_blank. */
    volatile boolean rxCsumOffload;
    private final int txRingMfn, rxRingMfn;
    private final int[] txBufMfn = new int[BUFFERS], rxBufMfn = new int[BUFFERS];
    private final OwnFrame[] txBuf = new OwnFrame[BUFFERS], rxBuf = new OwnFrame[BUFFERS];
    private final ConcurrentLinkedDeque<byte[]> outbox = new ConcurrentLinkedDeque<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    // per connection
    private FrontRing tx, rx;
    int txRingRef, rxRingRef;
    final int[] txRef = new int[BUFFERS], rxRef = new int[BUFFERS];
    int port = -1;
    private final byte[][] inflight = new byte[BUFFERS][];
    private final ArrayDeque<Integer> freeIds = new ArrayDeque<>();
    private Thread thread;
    private volatile boolean running;
    final AtomicLong sent = new AtomicLong(), received = new AtomicLong(), txErrors = new AtomicLong(),
            resent = new AtomicLong(), connects = new AtomicLong();
    /** Received frames by their first slot's flags, and those that took more than one slot. */
    final AtomicLong rxCsumBlank = new AtomicLong(), rxDataValidated = new AtomicLong(), rxMultiSlot = new AtomicLong();
    volatile String lastError;
    /** Responses to raw requests (ids from 100 up) and the last one's status. */
    final AtomicLong rawResponses = new AtomicLong();
    volatile int lastRawStatus = Integer.MIN_VALUE;

    /** A test's look at every received frame before the receiver's. */
    volatile Receiver spy;

    /** Where received frames go, with the first slot's NETRXF flags. */
    @FunctionalInterface
    interface Receiver {
        void accept(byte[] frame, int rxFlags);
    }

    JavaNetfront(FrontendDomain dom, XenstoreClient xs, String frontendPath, int fragment, boolean csumBlank,
            Receiver receiver) throws Exception {
        super(xs, frontendPath);
        this.dom = dom;
        this.fragment = fragment;
        this.csumBlank = csumBlank;
        this.receiver = receiver;
        txRingMfn = dom.frame();
        rxRingMfn = dom.frame();
        for (int i = 0; i < BUFFERS; i++) {
            txBufMfn[i] = dom.frame();
            rxBufMfn[i] = dom.frame();
            txBuf[i] = new OwnFrame(dom.ram, txBufMfn[i]);
            rxBuf[i] = new OwnFrame(dom.ram, rxBufMfn[i]);
        }
    }

    /** Queues a frame (copied by the caller's promise not to change it). */
    void send(byte[] frame) {
        outbox.addLast(frame);
        wake();
    }

    int queued() {
        return outbox.size();
    }

    void onFrontendThread(Runnable r) {
        tasks.add(r);
        wake();
    }

    private void wake() {
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }

    @Override
    protected void initialise() throws Exception {
        int be = 0;
        OwnFrame txPage = new OwnFrame(dom.ram, txRingMfn), rxPage = new OwnFrame(dom.ram, rxRingMfn);
        txPage.zero();
        rxPage.zero();
        tx = FrontRing.init(new RingLayout(TX_SLOT_SIZE, txPage), TX_REQUEST_SIZE, TX_RESPONSE_SIZE);
        rx = FrontRing.init(new RingLayout(RX_SLOT_SIZE, rxPage), RX_REQUEST_SIZE, RX_RESPONSE_SIZE);
        txRingRef = dom.grant(be, txRingMfn, false);
        rxRingRef = dom.grant(be, rxRingMfn, false);
        freeIds.clear();
        for (int i = 0; i < BUFFERS; i++) {
            txRef[i] = dom.grant(be, txBufMfn[i], true);
            rxRef[i] = dom.grant(be, rxBufMfn[i], false);
            freeIds.add(i);
            postRx(i);
        }
        rx.pushRequests();
        port = dom.allocUnbound();
        XenstoreClient xs = xenstore();
        for (;;) {
            XenstoreTransaction t = xs.transaction();
            t.write(frontendPath() + "/tx-ring-ref", Integer.toString(txRingRef));
            t.write(frontendPath() + "/rx-ring-ref", Integer.toString(rxRingRef));
            t.write(frontendPath() + "/event-channel", Integer.toString(port));
            t.write(frontendPath() + "/request-rx-copy", "1");
            t.write(frontendPath() + "/feature-rx-notify", "1");
            t.write(frontendPath() + "/feature-sg", sg ? "1" : "0");
            if (!rxCsumOffload) t.write(frontendPath() + "/feature-no-csum-offload", "1");
            if (t.commit()) break;
        }
    }

    private final byte[] rxReq = new byte[RX_REQUEST_SIZE];

    private void postRx(int id) {
        rxReq[0] = (byte) id;
        rxReq[1] = (byte) (id >> 8);
        rxReq[2] = rxReq[3] = 0;
        int g = rxRef[id];
        rxReq[4] = (byte) g;
        rxReq[5] = (byte) (g >> 8);
        rxReq[6] = (byte) (g >> 16);
        rxReq[7] = (byte) (g >> 24);
        rx.putRequest(rxReq);
    }

    @Override
    protected void connected() {
        connects.incrementAndGet();
        running = true;
        thread = new Thread(this::run, "netfront " + frontendPath());
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    protected void disconnected() {
        running = false;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
        // take what the backend answered before it went (a frame it forwarded is not sent twice;
        // frames it delivered are not lost with the old ring)
        try {
            takeTxResponses();
            takeRxResponses();
        } catch (Exception e) {
            lastError = e.toString();
        }
        // what was sent and not answered is sent again after the reconnect, in order
        for (int i = BUFFERS - 1; i >= 0; i--) {
            if (inflight[i] != null) {
                outbox.addFirst(inflight[i]);
                inflight[i] = null;
                resent.incrementAndGet();
            }
        }
        if (port >= 0) dom.close(port);
        port = -1;
        dom.endGrant(txRingRef);
        dom.endGrant(rxRingRef);
        for (int i = 0; i < BUFFERS; i++) {
            dom.endGrant(txRef[i]);
            dom.endGrant(rxRef[i]);
        }
    }

    // ---- the frontend thread ----

    private final byte[] txReq = new byte[TX_REQUEST_SIZE];
    private final byte[] txRsp = new byte[TX_RESPONSE_SIZE];
    private final byte[] rxRsp = new byte[RX_RESPONSE_SIZE];
    private byte[] assembling = new byte[0];
    private int assemblingFlags, assemblingSlots;

    private void run() {
        int idle = 0;
        try {
            while (running) {
                boolean did = false;
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                    did = true;
                }
                dom.takePending(port);
                did |= takeTxResponses();
                did |= takeRxResponses();
                did |= sendQueued();
                if (did) {
                    idle = 0;
                    continue;
                }
                if (tx.finalCheckForResponses() || rx.finalCheckForResponses()) continue;
                if (++idle < 50) Thread.onSpinWait();
                else LockSupport.parkNanos(50_000);
            }
        } catch (Exception e) {
            lastError = e.toString();
            running = false;
        }
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    private boolean takeTxResponses() throws Exception {
        boolean did = false;
        int n = tx.unconsumedResponses();
        for (int i = 0; i < n; i++) {
            tx.takeResponse(txRsp);
            int id = u16(txRsp, TX_RSP_ID);
            short status = (short) u16(txRsp, TX_RSP_STATUS);
            if (status == RSP_NULL) continue;
            if (id >= BUFFERS) {
                // a hostile test's raw request (ids from 100 up): its status is written before it
                // is counted, so a test that saw the count reads this response's status
                lastRawStatus = status;
                rawResponses.incrementAndGet();
                continue;
            }
            if (status != RSP_OKAY && inflight[id] != null) txErrors.incrementAndGet();
            inflight[id] = null;
            freeIds.add(id);
            did = true;
        }
        return did;
    }

    private boolean takeRxResponses() throws Exception {
        int n = rx.unconsumedResponses();
        for (int i = 0; i < n; i++) {
            rx.takeResponse(rxRsp);
            int id = u16(rxRsp, RX_RSP_ID);
            int offset = u16(rxRsp, RX_RSP_OFFSET);
            int flags = u16(rxRsp, RX_RSP_FLAGS);
            short status = (short) u16(rxRsp, RX_RSP_STATUS);
            if (status > 0 && offset + status <= PageView.SIZE) {
                byte[] part = new byte[assembling.length + status];
                System.arraycopy(assembling, 0, part, 0, assembling.length);
                rxBuf[id].get(offset, part, assembling.length, status);
                if (assemblingSlots++ == 0) assemblingFlags = flags;
                assembling = part;
                if ((flags & NETRXF_MORE_DATA) == 0) {
                    received.incrementAndGet();
                    if ((assemblingFlags & NETRXF_CSUM_BLANK) != 0) rxCsumBlank.incrementAndGet();
                    if ((assemblingFlags & NETRXF_DATA_VALIDATED) != 0) rxDataValidated.incrementAndGet();
                    if (assemblingSlots > 1) rxMultiSlot.incrementAndGet();
                    byte[] f = assembling;
                    int first = assemblingFlags;
                    assembling = new byte[0];
                    assemblingSlots = 0;
                    Receiver sp = spy;
                    if (sp != null) sp.accept(f, first);
                    receiver.accept(f, first);
                }
            }
            postRx(id);
        }
        if (n > 0 && rx.pushRequests()) dom.send(port);
        return n > 0;
    }

    private boolean sendQueued() {
        boolean did = false;
        byte[] f;
        while ((f = outbox.peekFirst()) != null) {
            int slots = Math.max(1, (f.length + fragment - 1) / fragment);
            if (freeIds.size() < slots || tx.freeRequests() < slots) break;
            outbox.pollFirst();
            for (int s = 0; s < slots; s++) {
                int id = freeIds.poll();
                int off = s * fragment;
                int len = Math.min(fragment, f.length - off);
                txBuf[id].put(0, f, off, len);
                int flags = (s < slots - 1 ? NETTXF_MORE_DATA : 0) | (s == 0 && csumBlank ? NETTXF_CSUM_BLANK : 0);
                putTx(txRef[id], 0, flags, id, s == 0 ? f.length : len);
                if (s == 0) inflight[id] = f;
            }
            sent.incrementAndGet();
            did = true;
        }
        if (did && tx.pushRequests()) dom.send(port);
        return did;
    }

    /** Writes one raw tx request (hostile tests use it on the frontend thread). */
    void putTx(int gref, int offset, int flags, int id, int size) {
        txReq[0] = (byte) gref;
        txReq[1] = (byte) (gref >> 8);
        txReq[2] = (byte) (gref >> 16);
        txReq[3] = (byte) (gref >> 24);
        txReq[4] = (byte) offset;
        txReq[5] = (byte) (offset >> 8);
        txReq[6] = (byte) flags;
        txReq[7] = (byte) (flags >> 8);
        txReq[8] = (byte) id;
        txReq[9] = (byte) (id >> 8);
        txReq[10] = (byte) size;
        txReq[11] = (byte) (size >> 8);
        tx.putRequest(txReq);
    }

    /** Publishes raw requests written with {@link #putTx} and kicks the backend. */
    void pushTx() {
        tx.pushRequests();
        dom.send(port);
    }

    /** Writes the shared req_prod directly (a hostile frontend overrunning the ring). */
    void scribbleTxReqProd(int value) {
        new OwnFrame(dom.ram, txRingMfn).putIntRelease(RingLayout.REQ_PROD, value);
        dom.send(port);
    }

    /** A tx buffer's grant ref and frame for raw requests. */
    OwnFrame txBuffer(int id) {
        return txBuf[id];
    }

    boolean isRunning() {
        return running;
    }
}
