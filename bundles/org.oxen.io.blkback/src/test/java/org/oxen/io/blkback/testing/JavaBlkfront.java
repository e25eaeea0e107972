package org.oxen.io.blkback.testing;

import static org.oxen.io.blkback.blkif.Blkif.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.oxen.io.blkback.blkif.Blkif;
import org.oxen.io.blkback.blkif.BlkifRequest;
import org.oxen.io.ring.FrontRing;
import org.oxen.io.ring.RingLayout;
import org.oxen.io.ring.RingOverflowException;
import org.oxen.io.xenbus.XenbusFrontend;
import org.oxen.vmm.api.backend.PageView;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.api.backend.XenstoreTransaction;

/**
 * A blkfront in Java, for tests: the frontend half of the blkif protocol as Linux's
 * xen-blkfront does it, from inside a real domain ({@link GuestSide}: the domain's own pages,
 * grant table and event channels), so a backend is driven through exactly the path a guest's
 * frontend uses.
 *
 * <ul>
 * <li>Handshake (talk_to_blkback): on the backend's InitWait, it initialises a ring of
 *     {@code 2^min(order, max-ring-page-order)} of its pages, grants them, allocates an event
 *     channel for the backend, and in one transaction writes {@code ring-ref} (or
 *     {@code ring-page-order} and {@code ring-ref0..}), {@code event-channel},
 *     {@code protocol = x86_32-abi} and {@code feature-persistent}; on Connected
 *     (blkfront_connect) it reads {@code sectors}, {@code info}, {@code sector-size} and the
 *     {@code feature-*} keys.</li>
 * <li>Requests: up to {@code maxInFlight} at once, each with its own data pages (granted once to
 *     the backend and kept: persistent grants), direct with up to 11 segments, indirect beyond
 *     that when the backend offers it; one completion thread takes responses and wakes callers.</li>
 * <li>Reconnect (blkif_recover): when the backend goes Closing, requests in flight stay in the
 *     shadow table; at the next InitWait the old ring's last responses are taken first (the old
 *     backend answered and pushed them before it went Closed), then the rest are resubmitted, in
 *     their original order, once the new backend is Connected. A response to an id not in
 *     flight (an answer given twice) is counted in {@link #unexpectedResponses()}.</li>
 * </ul>
 * Hostile tests use {@link #submitRaw} (any request bytes) and {@link #runProducerAhead}.
 *
 * <p>Locking: the ring, the shadow table and the connection state are guarded by
 * {@link #lock}; xenbus reactions run on the frontend's xenbus thread, responses are taken on the
 * completion thread, callers submit from any thread.
 */
public final class JavaBlkfront extends XenbusFrontend {

    /** What the frontend asks for: ring order, persistent grants, indirect requests, queue depth, pages per request. */
    public record Options(int ringPageOrder, boolean persistent, boolean indirect, int maxInFlight, int maxPages) {
        public static final Options DEFAULT = new Options(0, true, true, 16, 32);
    }

    /** One request of a caller; {@link #await} gives its status. */
    public static final class Request {
        final int slot;
        final int op;
        final long sector;
        final byte[] buf;
        final int off;
        final int len;
        final long seq;
        private final CountDownLatch done = new CountDownLatch(1);
        volatile int status;
        int submissions;

        Request(int slot, int op, long sector, byte[] buf, int off, int len, long seq) {
            this.slot = slot;
            this.op = op;
            this.sector = sector;
            this.buf = buf;
            this.off = off;
            this.len = len;
            this.seq = seq;
        }

        /** BLKIF_RSP_* of the response. */
        public int await(long timeout, TimeUnit unit) throws InterruptedException, TimeoutException {
            if (!done.await(timeout, unit)) throw new TimeoutException("no response to " + this);
            return status;
        }

        public boolean isDone() {
            return done.getCount() == 0;
        }

        @Override
        public String toString() {
            return opName(op) + " of " + len + " bytes at sector " + sector + " (slot " + slot + ", seq " + seq + ")";
        }
    }

    /** Ids of raw requests start here (shadow slots are below). */
    public static final long RAW_ID_BASE = 1L << 40;

    private final GuestSide guest;
    private final Options options;
    private final int handle;
    private final Object lock = new Object();
    private final GuestSide.Page[] ringPages;
    private final int[] ringRefs;
    private int ringRefCount;
    private final GuestSide.Page[][] dataPages;
    private final int[][] dataRefs;
    private final GuestSide.Page[] indirectPages;
    private final int[] indirectRefs;
    private final Request[] shadow;
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final Map<Long, Integer> rawStatus = new ConcurrentHashMap<>();
    private final byte[] slotBytes = new byte[REQUEST_SIZE];
    private final byte[] rspBytes = new byte[RESPONSE_SIZE];
    private final byte[] pageBytes = new byte[PageView.SIZE];
    private final Thread completion;
    private FrontRing front;
    private int port = -1;
    private volatile boolean connected;
    private volatile boolean closed;
    private long seq;
    // the backend's properties, read at Connected
    private volatile long sectors;
    private volatile int info;
    private volatile int sectorSize;
    private volatile boolean flush, barrier, discard, persistentGranted;
    private volatile int maxIndirect;
    // counts
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong resubmitted = new AtomicLong();
    private final AtomicLong unexpected = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();

    public JavaBlkfront(XenstoreClient xs, String frontendPath, GuestSide guest, Options options)
            throws XenstoreException {
        super(xs, frontendPath);
        this.guest = guest;
        this.options = options;
        this.handle = Integer.parseInt(frontendPath.substring(frontendPath.lastIndexOf('/') + 1));
        int ringMax = 1 << options.ringPageOrder();
        ringPages = new GuestSide.Page[ringMax];
        ringRefs = new int[ringMax];
        for (int i = 0; i < ringMax; i++) ringPages[i] = guest.allocPage();
        dataPages = new GuestSide.Page[options.maxInFlight()][options.maxPages()];
        dataRefs = new int[options.maxInFlight()][options.maxPages()];
        indirectPages = new GuestSide.Page[options.maxInFlight()];
        indirectRefs = new int[options.maxInFlight()];
        shadow = new Request[options.maxInFlight()];
        for (int s = 0; s < options.maxInFlight(); s++) {
            for (int p = 0; p < options.maxPages(); p++) {
                dataPages[s][p] = guest.allocPage();
                dataRefs[s][p] = guest.grantAccess(dataPages[s][p].mfn(), 0, false);
            }
            if (options.maxPages() > MAX_SEGMENTS_PER_REQUEST) {
                indirectPages[s] = guest.allocPage();
                indirectRefs[s] = guest.grantAccess(indirectPages[s].mfn(), 0, true);
            }
            freeSlots.add(s);
        }
        completion = new Thread(this::completions, "blkfront " + frontendPath);
        completion.setDaemon(true);
        completion.start();
    }

    // ------------------------------------------------------------------ xenbus

    @Override
    protected void initialise() throws Exception {
        XenstoreClient xs = xenstore();
        String be = backendPath();
        String fe = frontendPath();
        synchronized (lock) {
            connected = false;
            if (front != null) drainLocked(); // the old backend's last answers
            for (int i = 0; i < ringRefCount; i++) {
                if (!guest.endAccess(ringRefs[i])) {
                    throw new IllegalStateException(fe + ": ring grant " + ringRefs[i] + " still in use by the old backend");
                }
            }
            ringRefCount = 0;
            if (port >= 0) guest.closePort(port);
            int maxOrder = xs.read(be + "/max-ring-page-order").map(Integer::parseInt).orElse(0);
            int order = Math.min(options.ringPageOrder(), maxOrder);
            PageView[] views = new PageView[1 << order];
            for (int i = 0; i < views.length; i++) views[i] = ringPages[i].view();
            front = FrontRing.init(new RingLayout(SLOT_SIZE, views), REQUEST_SIZE, RESPONSE_SIZE);
            for (int i = 0; i < views.length; i++) ringRefs[i] = guest.grantAccess(ringPages[i].mfn(), 0, false);
            ringRefCount = views.length;
            port = guest.allocUnbound(0);
            for (;;) {
                try (XenstoreTransaction t = xs.transaction()) {
                    if (order == 0) {
                        t.write(fe + "/ring-ref", Integer.toString(ringRefs[0]));
                    } else {
                        t.write(fe + "/ring-page-order", Integer.toString(order));
                        for (int i = 0; i < views.length; i++) t.write(fe + "/ring-ref" + i, Integer.toString(ringRefs[i]));
                    }
                    t.write(fe + "/event-channel", Integer.toString(port));
                    t.write(fe + "/protocol", PROTOCOL_X86_32);
                    t.write(fe + "/feature-persistent", options.persistent() ? "1" : "0");
                    if (t.commit()) break;
                }
            }
        }
    }

    @Override
    protected void connected() throws Exception {
        XenstoreClient xs = xenstore();
        String be = backendPath();
        sectors = Long.parseLong(xs.read(be + "/sectors").orElseThrow(() -> new IllegalStateException(be + "/sectors missing")));
        info = Integer.parseInt(xs.read(be + "/info").orElse("0"));
        sectorSize = Integer.parseInt(xs.read(be + "/sector-size").orElse("512"));
        flush = xs.read(be + "/feature-flush-cache").map("1"::equals).orElse(false);
        barrier = xs.read(be + "/feature-barrier").map("1"::equals).orElse(false);
        discard = xs.read(be + "/feature-discard").map("1"::equals).orElse(false);
        persistentGranted = xs.read(be + "/feature-persistent").map("1"::equals).orElse(false);
        maxIndirect = options.indirect()
                ? xs.read(be + "/feature-max-indirect-segments").map(Integer::parseInt).orElse(0) : 0;
        synchronized (lock) {
            connected = true;
            connections.incrementAndGet();
            List<Request> inFlight = new ArrayList<>();
            for (Request r : shadow) {
                if (r != null) inFlight.add(r);
            }
            inFlight.sort(Comparator.comparingLong(r -> r.seq));
            for (Request r : inFlight) {
                if (r.submissions > 0) resubmitted.incrementAndGet();
                putLocked(r);
            }
            pushLocked();
            lock.notifyAll();
        }
    }

    @Override
    protected void disconnected() {
        synchronized (lock) {
            connected = false; // in-flight requests stay in the shadow table until reconnect
        }
    }

    // ------------------------------------------------------------------ requests

    /** Reads {@code len} bytes (a multiple of 512) at {@code sector} into {@code buf}. */
    public Request read(long sector, byte[] buf, int off, int len) throws InterruptedException {
        return submit(OP_READ, sector, buf, off, len);
    }

    public Request write(long sector, byte[] buf, int off, int len) throws InterruptedException {
        return submit(OP_WRITE, sector, buf, off, len);
    }

    /** BLKIF_OP_FLUSH_DISKCACHE with no segments (as Mini-OS sends it). */
    public Request flush() throws InterruptedException {
        return submit(OP_FLUSH_DISKCACHE, 0, null, 0, 0);
    }

    public Request barrier() throws InterruptedException {
        return submit(OP_WRITE_BARRIER, 0, null, 0, 0);
    }

    public Request discard(long sector, long count) throws InterruptedException {
        return submit(OP_DISCARD, sector, null, 0, (int) (count * 512));
    }

    /**
     * Queues a request; it goes on the ring now if connected, else at the next connection. Waits
     * while {@code maxInFlight} requests are outstanding.
     */
    public Request submit(int op, long sector, byte[] buf, int off, int len) throws InterruptedException {
        if (len % 512 != 0 || len < 0) throw new IllegalArgumentException("length " + len + " is not whole sectors");
        if ((op == OP_READ || op == OP_WRITE) && (len == 0 || len > options.maxPages() * PageView.SIZE)) {
            throw new IllegalArgumentException("length " + len + " outside 1.." + options.maxPages() * PageView.SIZE);
        }
        synchronized (lock) {
            while (freeSlots.isEmpty() && !closed) lock.wait();
            if (closed) throw new IllegalStateException("frontend closed");
            int s = freeSlots.pop();
            Request r = new Request(s, op, sector, buf, off, len, seq++);
            shadow[s] = r;
            if (op == OP_WRITE) {
                for (int p = 0, done = 0; done < len; p++, done += PageView.SIZE) {
                    dataPages[s][p].view().put(0, buf, off + done, Math.min(PageView.SIZE, len - done));
                }
            }
            if (connected) {
                putLocked(r);
                pushLocked();
            }
            return r;
        }
    }

    private void putLocked(Request r) {
        int s = r.slot;
        int pages = (r.len + PageView.SIZE - 1) / PageView.SIZE;
        switch (r.op) {
            case OP_READ, OP_WRITE -> {
                if (pages <= MAX_SEGMENTS_PER_REQUEST) {
                    int[] first = new int[pages], last = new int[pages];
                    for (int p = 0; p < pages; p++) last[p] = Math.min(PageView.SIZE, r.len - p * PageView.SIZE) / 512 - 1;
                    BlkifRequest.encodeDirect(slotBytes, r.op, handle, s, r.sector, pages, dataRefs[s], first, last);
                } else {
                    if (pages > maxIndirect) {
                        throw new IllegalStateException(r + " needs " + pages + " segments; the backend allows "
                                + maxIndirect + " indirect ones");
                    }
                    java.util.Arrays.fill(pageBytes, (byte) 0);
                    for (int p = 0; p < pages; p++) {
                        int last = Math.min(PageView.SIZE, r.len - p * PageView.SIZE) / 512 - 1;
                        BlkifRequest.encodeSegment(pageBytes, p, dataRefs[s][p], 0, last);
                    }
                    indirectPages[s].view().put(0, pageBytes, 0, PageView.SIZE);
                    BlkifRequest.encodeIndirect(slotBytes, r.op, handle, s, r.sector, pages, new int[] { indirectRefs[s] }, 1);
                }
            }
            case OP_DISCARD -> BlkifRequest.encodeDiscard(slotBytes, handle, s, r.sector, r.len / 512, 0);
            default -> BlkifRequest.encodeDirect(slotBytes, r.op, handle, s, 0, 0, null, null, null);
        }
        r.submissions++;
        front.putRequest(slotBytes);
    }

    private void pushLocked() {
        if (front.pushRequests()) guest.notify(port);
    }

    /**
     * Puts {@code request} (raw bytes, its id at or above {@link #RAW_ID_BASE}) on the ring as it
     * is and notifies; {@link #rawStatus} gives its answer.
     */
    public void submitRaw(byte[] request) {
        synchronized (lock) {
            if (!connected) throw new IllegalStateException("not connected");
            front.putRequest(request);
            pushLocked();
        }
    }

    /** The status of raw request {@code id}, waiting up to {@code millis}; null if none came. */
    public Integer rawStatus(long id, long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        Integer s;
        while ((s = rawStatus.get(id)) == null && System.nanoTime() < end) Thread.sleep(1);
        return s;
    }

    /** A hostile producer: writes req_prod a whole ring plus {@code by} ahead of what was pushed, and notifies. */
    public void runProducerAhead(int by) {
        synchronized (lock) {
            PageView h = ringPages[0].view();
            int prod = h.getInt(RingLayout.REQ_PROD);
            h.putIntRelease(RingLayout.REQ_PROD, prod + front.size() + by);
            guest.notify(port);
        }
    }

    /** The grant reference of data page {@code page} of shadow slot {@code slot} (hostile tests). */
    public int dataRef(int slot, int page) {
        return dataRefs[slot][page];
    }

    // ------------------------------------------------------------------ responses

    private void completions() {
        while (!closed) {
            try {
                boolean more;
                int p;
                synchronized (lock) {
                    while (!connected && !closed) lock.wait();
                    if (closed) return;
                    more = drainLocked() > 0 || front.finalCheckForResponses();
                    p = port;
                }
                if (!more) guest.awaitEvent(p, TimeUnit.MILLISECONDS.toNanos(2));
            } catch (InterruptedException e) {
                return;
            } catch (RingOverflowException e) {
                System.err.println("blkfront " + frontendPath() + ": " + e.getMessage());
                synchronized (lock) {
                    connected = false;
                }
            }
        }
    }

    private int drainLocked() {
        int n;
        try {
            n = front.unconsumedResponses();
        } catch (RingOverflowException e) {
            throw new IllegalStateException(frontendPath() + ": backend overflowed the responses: " + e.getMessage());
        }
        for (int i = 0; i < n; i++) {
            front.takeResponse(rspBytes);
            long id = Blkif.i64(rspBytes, RSP_ID);
            int status = (short) Blkif.u16(rspBytes, RSP_STATUS);
            if (id >= RAW_ID_BASE) {
                rawStatus.put(id, status);
                continue;
            }
            Request r = id >= 0 && id < shadow.length ? shadow[(int) id] : null;
            if (r == null) {
                unexpected.incrementAndGet();
                continue;
            }
            if (r.op == OP_READ && status == RSP_OKAY) {
                for (int p = 0, done = 0; done < r.len; p++, done += PageView.SIZE) {
                    dataPages[r.slot][p].view().get(0, r.buf, r.off + done, Math.min(PageView.SIZE, r.len - done));
                }
            }
            r.status = status;
            shadow[r.slot] = null;
            freeSlots.push(r.slot);
            completed.incrementAndGet();
            r.done.countDown();
        }
        if (n > 0) lock.notifyAll();
        return n;
    }

    // ------------------------------------------------------------------ state

    public boolean isConnected() {
        return connected;
    }

    /** Waits until Connected; false on timeout. */
    public boolean awaitConnected(long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (lock) {
            while (!connected) {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) return false;
                lock.wait(left);
            }
        }
        return true;
    }

    public long sectors() {
        return sectors;
    }

    public int info() {
        return info;
    }

    public int sectorSize() {
        return sectorSize;
    }

    public boolean featureFlush() {
        return flush;
    }

    public boolean featureBarrier() {
        return barrier;
    }

    public boolean featureDiscard() {
        return discard;
    }

    public boolean featurePersistent() {
        return persistentGranted;
    }

    public int maxIndirectSegments() {
        return maxIndirect;
    }

    public long completed() {
        return completed.get();
    }

    /** Requests put on a new ring again after a reconnect. */
    public long resubmitted() {
        return resubmitted.get();
    }

    /** Responses whose id was not in flight (an answer given twice or invented). */
    public long unexpectedResponses() {
        return unexpected.get();
    }

    /** How many times the backend reached Connected with this frontend. */
    public long connections() {
        return connections.get();
    }

    @Override
    public void close() throws Exception {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        completion.interrupt();
        completion.join(5000);
        super.close();
    }
}
