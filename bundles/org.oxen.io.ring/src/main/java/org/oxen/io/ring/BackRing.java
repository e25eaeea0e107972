package org.oxen.io.ring;

import org.oxen.vmm.api.backend.PageView;

/**
 * The backend's end of a shared ring (ring.h's {@code *_back_ring}): it consumes requests and
 * produces responses. It never writes the shared page but for rsp_prod and req_event
 * (BACK_RING_ATTACH: the frontend initialised it).
 *
 * <p>Design: every request is copied out of shared memory before the caller sees it
 * (RING_COPY_REQUEST), so a frontend changing a slot afterwards changes nothing. A req_prod that
 * claims more than {@link #size} requests ahead of the responses, or that moved backwards, is
 * hostile (RING_REQUEST_PROD_OVERFLOW): {@link RingOverflowException}, and the backend should
 * disconnect. Responses collect at {@code rspProdPvt} until {@link #pushResponses}.
 *
 * <p>Locking: none, as the C macros; one thread uses an end at a time.
 */
public final class BackRing {

    private final RingLayout ring;
    private final PageView header;
    private final int size;
    private final int requestSize;
    private final int responseSize;
    /** The producer index last pushed. */
    private int pushed;
    private int reqCons;
    private int rspProdPvt;
    /** The req_prod last read and checked. */
    private int reqProdSeen;

    /** BACK_RING_ATTACH at indexes 0 (a fresh ring). */
    public BackRing(RingLayout ring, int requestSize, int responseSize) {
        if (requestSize > ring.slotSize() || responseSize > ring.slotSize()) {
            throw new IllegalArgumentException("request " + requestSize + " / response " + responseSize
                    + " bytes do not fit the ring's " + ring.slotSize() + "-byte slots");
        }
        this.ring = ring;
        this.header = ring.header();
        this.size = ring.size();
        this.requestSize = requestSize;
        this.responseSize = responseSize;
    }

    public int size() {
        return size;
    }

    /**
     * RING_HAS_UNCONSUMED_REQUESTS: requests that may be taken now (no more than there is room
     * for their responses).
     *
     * @throws RingOverflowException if req_prod is more than a ring ahead of the responses or
     *         moved backwards
     */
    public int unconsumedRequests() throws RingOverflowException {
        int prod = header.getIntAcquire(RingLayout.REQ_PROD);
        if (Integer.compareUnsigned(prod - rspProdPvt, size) > 0 || Integer.compareUnsigned(prod - reqCons, size) > 0) {
            throw new RingOverflowException("frontend's req_prod " + Integer.toUnsignedString(prod) + " overflows the "
                    + size + "-slot ring (req_cons " + Integer.toUnsignedString(reqCons) + ", rsp_prod "
                    + Integer.toUnsignedString(rspProdPvt) + ")");
        }
        reqProdSeen = prod;
        int req = prod - reqCons;
        int rsp = size - (reqCons - rspProdPvt);
        return Math.min(req, rsp);
    }

    /**
     * RING_COPY_REQUEST and consume: copies the next request ({@code requestSize} bytes) into
     * {@code dst}, which is private to the backend.
     *
     * @throws IllegalStateException if {@link #unconsumedRequests} did not report one
     */
    public void takeRequest(byte[] dst) {
        if (reqCons == reqProdSeen || reqCons - rspProdPvt == size) {
            throw new IllegalStateException("no request to take at req_cons " + reqCons);
        }
        ring.read(reqCons, dst, requestSize);
        reqCons++;
    }

    /**
     * Copies {@code response} into the next response slot; visible at the next
     * {@link #pushResponses}.
     *
     * @throws IllegalStateException if every consumed request already has a response
     */
    public void putResponse(byte[] response) {
        if (rspProdPvt == reqCons) throw new IllegalStateException("more responses than requests taken (" + reqCons + ")");
        ring.write(rspProdPvt, response, responseSize);
        rspProdPvt++;
    }

    /**
     * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY.
     *
     * @return whether to notify the frontend (its rsp_event is in the pushed range)
     */
    public boolean pushResponses() {
        int old = pushed; // private: a peer scribbling on the shared index cannot change it
        int now = rspProdPvt;
        pushed = now;
        header.putIntRelease(RingLayout.RSP_PROD, now);
        header.fullFence();
        int event = header.getInt(RingLayout.RSP_EVENT);
        return Integer.compareUnsigned(now - event, now - old) < 0;
    }

    /**
     * RING_FINAL_CHECK_FOR_REQUESTS: before sleeping, asks for an event at the next request and
     * checks again.
     *
     * @return whether requests are waiting after all (then do not sleep)
     */
    public boolean finalCheckForRequests() throws RingOverflowException {
        return finalCheckForRequests(1);
    }

    /**
     * The final check for a backend that needs {@code needed} requests at once (netback's rx,
     * xenvif_rx_ring_slots_available: a frame over several slots): while fewer are waiting, asks
     * for an event at the next request (req_event = req_prod + 1) and checks again.
     *
     * @return whether {@code needed} requests are waiting (then do not sleep)
     */
    public boolean finalCheckForRequests(int needed) throws RingOverflowException {
        for (;;) {
            int have = unconsumedRequests();
            if (have >= needed) return true;
            header.putIntRelease(RingLayout.REQ_EVENT, reqCons + have + 1);
            header.fullFence();
            if (unconsumedRequests() == have) return false;
        }
    }
}
