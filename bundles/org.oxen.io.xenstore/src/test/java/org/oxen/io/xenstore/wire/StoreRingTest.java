package org.oxen.io.xenstore.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.io.ring.ArrayPage;
import org.oxen.io.xenstore.store.Quotas;
import org.oxen.io.xenstore.store.Store;

/** The store page's byte rings as a guest drives them (docs/misc/xenstore-ring.txt). */
class StoreRingTest {

    private Store store;
    private ArrayPage page;
    private StoreRing ring;
    /** The guest's private indexes. */
    private int reqProd;
    private int rspCons;

    @BeforeEach
    void setUp() throws Exception {
        store = new Store(Quotas.XENSTORED);
        store.mkdir(0, null, "/local/domain/5");
        store.setPermissions(0, null, "/local/domain/5", List.of("n5"));
        page = new ArrayPage();
        ring = new StoreRing(page, sink -> new WireConnection(store, 5, sink));
    }

    @AfterEach
    void tearDown() {
        ring.connection().close();
        store.close();
    }

    /** Writes what fits of {@code bytes} at req_prod; returns how many. */
    private int guestSend(byte[] bytes, int from) {
        int cons = page.getInt(StoreRing.REQ_CONS);
        int n = 0;
        while (from + n < bytes.length && reqProd - cons < StoreRing.RING_SIZE) {
            page.putByte(StoreRing.REQ + (reqProd & 1023), bytes[from + n]);
            reqProd++;
            n++;
        }
        page.putIntRelease(StoreRing.REQ_PROD, reqProd);
        return n;
    }

    private byte[] guestReceiveAll() {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int prod = page.getIntAcquire(StoreRing.RSP_PROD);
        while (rspCons != prod) {
            got.write(page.getByte(StoreRing.RSP + (rspCons & 1023)));
            rspCons++;
        }
        page.putIntRelease(StoreRing.RSP_CONS, rspCons);
        return got.toByteArray();
    }

    private static byte[] req(int type, int id, String payload) {
        return XsWire.message(type, id, 0, payload.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void requestsAndRepliesCrossTheRingsAndWrapAround() {
        for (int i = 0; i < 200; i++) { // 200 writes and reads: both rings wrap many times
            byte[] w = req(XsWire.WRITE, 2 * i, "k\0value-" + i);
            int sent = 0;
            while (sent < w.length) {
                sent += guestSend(w, sent);
                assertTrue(ring.service() || sent < w.length);
            }
            byte[] reply = guestReceiveAll();
            assertEquals(XsWire.WRITE, XsWire.type(reply));
            assertEquals(2 * i, XsWire.reqId(reply));
            guestSend(req(XsWire.READ, 2 * i + 1, "k\0"), 0);
            assertTrue(ring.service());
            byte[] r = guestReceiveAll();
            assertEquals(2 * i + 1, XsWire.reqId(r));
            assertEquals("value-" + i, new String(r, XsWire.HEADER, r.length - XsWire.HEADER, StandardCharsets.ISO_8859_1));
        }
        assertNull(ring.broken());
        assertTrue(Integer.compareUnsigned(reqProd, 1024) > 0 && Integer.compareUnsigned(rspCons, 1024) > 0);
    }

    @Test
    void aMessageArrivingInPiecesIsServedWhenWhole() {
        byte[] w = req(XsWire.GET_DOMAIN_PATH, 9, "5\0");
        guestSend(java.util.Arrays.copyOf(w, 7), 0);
        ring.service();
        assertEquals(0, guestReceiveAll().length, "half a header: nothing yet");
        guestSend(w, 7);
        assertTrue(ring.service());
        byte[] r = guestReceiveAll();
        assertEquals(9, XsWire.reqId(r));
    }

    @Test
    void aRequestProducerBeyondTheRingDropsTheConnection() {
        page.putIntRelease(StoreRing.REQ_PROD, 1025);
        assertTrue(ring.service(), "the guest is notified of the error");
        assertTrue(ring.broken().contains("req_prod 1025 is more than 1024 bytes ahead"), ring.broken());
        assertEquals(StoreRing.ERROR_RINGIDX, page.getInt(StoreRing.ERROR));
        assertFalse(ring.service(), "a broken ring is served no more");
        StoreRing other = new StoreRing(new ArrayPage(), sink -> new WireConnection(store, 6, sink));
        assertFalse(other.service());
        assertNull(other.broken(), "another domain's ring is unaffected");
    }

    @Test
    void aGuestThatNeverReadsItsRepliesIsDropped() {
        int sentMessages = 0;
        while (ring.broken() == null && sentMessages < 10_000) {
            byte[] m = req(XsWire.GET_DOMAIN_PATH, sentMessages, "5\0");
            if (guestSend(m, 0) != m.length) throw new AssertionError("the server stopped reading");
            sentMessages++;
            ring.service(); // the guest reads none of the replies
        }
        assertTrue(ring.broken() != null && ring.broken().contains("more than 65536 bytes of responses unread"),
                "after " + sentMessages + " messages: " + ring.broken());
        assertTrue(ring.pendingBytes() <= StoreRing.OUT_MAX);
    }
}
