package org.oxen.io.ring;

import org.oxen.vmm.api.backend.PageView;

/**
 * The frontend's end of a shared ring (ring.h's {@code *_front_ring}): it produces requests and
 * consumes responses.
 *
 * <p>Design: the private index {@code reqProdPvt} collects requests until {@link #pushRequests}
 * publishes them with a release store of req_prod; the return value says whether the backend
 * asked to be notified (its req_event lies in the pushed range). Responses are copied out of the
 * slot before the caller sees them. A backend whose rsp_prod claims more responses than there
 * are requests outstanding is hostile: {@link RingOverflowException}.
 *
 * <p>Locking: none, as the C macros; one thread uses an end at a time.
 */
public final class FrontRing {

    private final RingLayout ring;
    private final PageView header;
    private final int size;
    private final int requestSize;
    private final int responseSize;
    /** The producer index last pushed. */
    private int pushed;
    private int reqProdPvt;
    private int rspCons;
    /** The rsp_prod last read (responses below it may be taken). */
    private int rspProdSeen;

    private FrontRing(RingLayout ring, int requestSize, int responseSize) {
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

    /** SHARED_RING_INIT then FRONT_RING_INIT: the frontend owns the shared page's first state. */
    public static FrontRing init(RingLayout ring, int requestSize, int responseSize) {
        FrontRing f = new FrontRing(ring, requestSize, responseSize);
        ring.initShared();
        return f;
    }

    public int size() {
        return size;
    }

    /** RING_FREE_REQUESTS: slots not holding a request or an unconsumed response. */
    public int freeRequests() {
        return size - (reqProdPvt - rspCons);
    }

    /**
     * Copies {@code request} ({@code requestSize} bytes) into the next slot; it becomes visible
     * to the backend at the next {@link #pushRequests}.
     *
     * @throws IllegalStateException if the ring is full (check {@link #freeRequests} first)
     */
    public void putRequest(byte[] request) {
        if (freeRequests() == 0) throw new IllegalStateException("ring full: " + size + " requests outstanding");
        ring.write(reqProdPvt, request, requestSize);
        reqProdPvt++;
    }

    /**
     * RING_PUSH_REQUESTS_AND_CHECK_NOTIFY.
     *
     * @return whether to notify the backend (its req_event is in the pushed range)
     */
    public boolean pushRequests() {
        int old = pushed; // private: a peer scribbling on the shared index cannot change it
        int now = reqProdPvt;
        pushed = now;
        header.putIntRelease(RingLayout.REQ_PROD, now);
        header.fullFence(); // the backend's req_event is read after req_prod is visible
        int event = header.getInt(RingLayout.REQ_EVENT);
        return Integer.compareUnsigned(now - event, now - old) < 0;
    }

    /**
     * RING_HAS_UNCONSUMED_RESPONSES: responses waiting.
     *
     * @throws RingOverflowException if rsp_prod claims responses to requests never made
     */
    public int unconsumedResponses() throws RingOverflowException {
        int prod = header.getIntAcquire(RingLayout.RSP_PROD);
        int n = prod - rspCons;
        if (Integer.compareUnsigned(n, reqProdPvt - rspCons) > 0) {
            throw new RingOverflowException("backend's rsp_prod " + Integer.toUnsignedString(prod) + " is beyond the "
                    + (reqProdPvt - rspCons) + " requests outstanding after rsp_cons " + Integer.toUnsignedString(rspCons));
        }
        rspProdSeen = prod;
        return n;
    }

    /**
     * Copies the next response ({@code responseSize} bytes) into {@code dst} and consumes it.
     *
     * @throws IllegalStateException if {@link #unconsumedResponses} did not report one
     */
    public void takeResponse(byte[] dst) {
        if (rspCons == rspProdSeen) throw new IllegalStateException("no response seen at rsp_cons " + rspCons);
        ring.read(rspCons, dst, responseSize);
        rspCons++;
    }

    /**
     * RING_FINAL_CHECK_FOR_RESPONSES: before sleeping, asks for an event at the next response
     * and checks again.
     *
     * @return whether responses are waiting after all (then do not sleep)
     */
    public boolean finalCheckForResponses() throws RingOverflowException {
        if (unconsumedResponses() > 0) return true;
        header.putIntRelease(RingLayout.RSP_EVENT, rspCons + 1);
        header.fullFence();
        return unconsumedResponses() > 0;
    }
}
