package org.oxen.io.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

/** io/ring.h semantics of the two ends, each step asserted on the shared page. */
class RingTest {

    private static int le(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(off);
    }

    private static byte[] msg(int size, int value) {
        byte[] b = new byte[size];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
        for (int i = 4; i < size; i++) b[i] = (byte) (value * 31 + i);
        return b;
    }

    @Test
    void ringSizesAreRingHs() {
        // xen-split-drivers.md: blkif (x86_32) 108-byte slots, netif tx 12, rx 8, ctrl 16
        assertEquals(32, RingLayout.ringSize(108, 1));
        assertEquals(64, RingLayout.ringSize(108, 2));
        assertEquals(128, RingLayout.ringSize(108, 4));
        assertEquals(256, RingLayout.ringSize(108, 8));
        assertEquals(256, RingLayout.ringSize(12, 1));
        assertEquals(256, RingLayout.ringSize(8, 1));
        assertEquals(128, RingLayout.ringSize(16, 1));
        assertThrows(IllegalArgumentException.class, () -> RingLayout.ringSize(4033, 1));
        assertThrows(IllegalArgumentException.class, () -> RingLayout.ringSize(0, 1));
    }

    @Test
    void initWritesTheHeaderAsSharedRingInit() {
        ArrayPage p = new ArrayPage();
        java.util.Arrays.fill(p.bytes, (byte) 0x55);
        FrontRing.init(new RingLayout(16, p), 16, 16);
        assertEquals(0, le(p.bytes, RingLayout.REQ_PROD));
        assertEquals(1, le(p.bytes, RingLayout.REQ_EVENT));
        assertEquals(0, le(p.bytes, RingLayout.RSP_PROD));
        assertEquals(1, le(p.bytes, RingLayout.RSP_EVENT));
        for (int i = 16; i < RingLayout.HEADER; i++) assertEquals(0, p.bytes[i], "pad byte " + i);
        assertEquals(0x55, p.bytes[RingLayout.HEADER] & 0xFF, "slots are not the frontend's to clear");
    }

    /** netback's rx of a frame over three slots: it sleeps until three requests wait, woken at each new one. */
    @Test
    void aBackendNeedingSeveralRequestsAsksForAnEventAtEachNewOne() throws Exception {
        ArrayPage p = new ArrayPage();
        RingLayout l = new RingLayout(16, p);
        FrontRing f = FrontRing.init(l, 16, 16);
        BackRing b = new BackRing(l, 16, 16);
        f.putRequest(msg(16, 1));
        f.pushRequests();
        assertFalse(b.finalCheckForRequests(3), "one request waits, three are needed");
        assertEquals(2, le(p.bytes, RingLayout.REQ_EVENT), "an event at the next request (req_prod + 1)");
        f.putRequest(msg(16, 2));
        assertTrue(f.pushRequests(), "the second request kicks the backend");
        assertFalse(b.finalCheckForRequests(3));
        assertEquals(3, le(p.bytes, RingLayout.REQ_EVENT));
        f.putRequest(msg(16, 3));
        assertTrue(f.pushRequests());
        assertTrue(b.finalCheckForRequests(3));
        assertEquals(3, b.unconsumedRequests());
    }

    @Test
    void notificationsFollowTheEventIndexes() throws Exception {
        ArrayPage p = new ArrayPage();
        RingLayout l = new RingLayout(16, p);
        FrontRing f = FrontRing.init(l, 16, 16);
        BackRing b = new BackRing(l, 16, 16);
        f.putRequest(msg(16, 1));
        assertTrue(f.pushRequests(), "req_event 1 is in (0, 1]");
        f.putRequest(msg(16, 2));
        assertFalse(f.pushRequests(), "req_event 1 is not in (1, 2]: the backend did not ask again");
        assertEquals(2, b.unconsumedRequests());
        byte[] r = new byte[16];
        b.takeRequest(r);
        assertEquals(1, le(r, 0));
        b.takeRequest(r);
        assertEquals(2, le(r, 0));
        assertFalse(b.finalCheckForRequests());
        assertEquals(3, le(p.bytes, RingLayout.REQ_EVENT), "asks for the next request");
        f.putRequest(msg(16, 3));
        f.putRequest(msg(16, 4));
        assertTrue(f.pushRequests(), "req_event 3 is in (2, 4]");

        b.putResponse(msg(16, 101));
        assertTrue(b.pushResponses(), "rsp_event 1 is in (0, 1]");
        b.putResponse(msg(16, 102));
        assertFalse(b.pushResponses());
        assertEquals(2, f.unconsumedResponses());
        f.takeResponse(r);
        assertEquals(101, le(r, 0));
        f.takeResponse(r);
        assertEquals(102, le(r, 0));
        assertFalse(f.finalCheckForResponses());
        assertEquals(3, le(p.bytes, RingLayout.RSP_EVENT));
        assertThrows(IllegalStateException.class, () -> f.takeResponse(new byte[16]));
        assertThrows(IllegalStateException.class, () -> b.putResponse(msg(16, 0)), "no third request taken yet");
    }

    @Test
    void aFullRingRefusesMoreAndTheBackendLimitsToResponseRoom() throws Exception {
        RingLayout l = new RingLayout(1024, new ArrayPage()); // 3 fit, 2 slots
        assertEquals(2, l.size());
        FrontRing f = FrontRing.init(l, 1024, 8);
        BackRing b = new BackRing(l, 1024, 8);
        f.putRequest(msg(1024, 1));
        f.putRequest(msg(1024, 2));
        assertEquals(0, f.freeRequests());
        assertThrows(IllegalStateException.class, () -> f.putRequest(msg(1024, 3)));
        f.pushRequests();
        byte[] r = new byte[1024];
        assertEquals(2, b.unconsumedRequests());
        b.takeRequest(r);
        b.takeRequest(r);
        assertEquals(0, b.unconsumedRequests());
        assertThrows(IllegalStateException.class, () -> b.takeRequest(r));
    }

    @Test
    void requestsAreCopiedOutOfSharedMemory() throws Exception {
        ArrayPage p = new ArrayPage();
        RingLayout l = new RingLayout(16, p);
        FrontRing f = FrontRing.init(l, 16, 16);
        BackRing b = new BackRing(l, 16, 16);
        byte[] sent = msg(16, 77);
        f.putRequest(sent);
        f.pushRequests();
        b.unconsumedRequests();
        byte[] copy = new byte[16];
        b.takeRequest(copy);
        java.util.Arrays.fill(p.bytes, RingLayout.HEADER, RingLayout.HEADER + 16, (byte) 0xEE); // the guest rewrites the slot
        assertArrayEquals(sent, copy);
    }

    @Test
    void aHostileFrontendsProducerIsCaught() throws Exception {
        ArrayPage p = new ArrayPage();
        RingLayout l = new RingLayout(16, p);
        FrontRing.init(l, 16, 16);
        BackRing b = new BackRing(l, 16, 16);
        p.putInt(RingLayout.REQ_PROD, l.size()); // exactly full: fine
        assertEquals(l.size(), b.unconsumedRequests());
        p.putInt(RingLayout.REQ_PROD, l.size() + 1);
        RingOverflowException e = assertThrows(RingOverflowException.class, b::unconsumedRequests);
        assertTrue(e.getMessage().contains("req_prod 129 overflows the 128-slot ring"), e.getMessage());
        p.putInt(RingLayout.REQ_PROD, -1); // backwards
        assertThrows(RingOverflowException.class, b::unconsumedRequests);
        p.putInt(RingLayout.REQ_PROD, 3);
        byte[] r = new byte[16];
        assertEquals(3, b.unconsumedRequests());
        b.takeRequest(r);
        b.takeRequest(r);
        p.putInt(RingLayout.REQ_PROD, 1); // behind req_cons 2
        assertThrows(RingOverflowException.class, b::unconsumedRequests);
    }

    @Test
    void aHostileBackendsProducerIsCaught() throws Exception {
        ArrayPage p = new ArrayPage();
        RingLayout l = new RingLayout(16, p);
        FrontRing f = FrontRing.init(l, 16, 16);
        f.putRequest(msg(16, 1));
        f.pushRequests();
        p.putInt(RingLayout.RSP_PROD, 1);
        assertEquals(1, f.unconsumedResponses());
        p.putInt(RingLayout.RSP_PROD, 2); // a response to a request never made
        RingOverflowException e = assertThrows(RingOverflowException.class, f::unconsumedResponses);
        assertTrue(e.getMessage().contains("rsp_prod 2 is beyond the 1 requests outstanding"), e.getMessage());
    }

    @Test
    void slotsStraddlePagesOfAMultiPageRing() throws Exception {
        ArrayPage p0 = new ArrayPage();
        ArrayPage p1 = new ArrayPage();
        RingLayout l = new RingLayout(108, p0, p1); // blkif, order 1
        assertEquals(64, l.size());
        FrontRing f = FrontRing.init(l, 108, 12);
        BackRing b = new BackRing(l, 108, 12);
        byte[] r = new byte[108];
        for (int i = 0; i < 38; i++) { // slot 37 spans bytes 4060..4167
            f.putRequest(msg(108, i));
            f.pushRequests();
            assertEquals(1, b.unconsumedRequests());
            b.takeRequest(r);
            assertArrayEquals(msg(108, i), r, "slot " + i);
            b.putResponse(msg(12, i));
            b.pushResponses();
            f.unconsumedResponses();
            f.takeResponse(new byte[12]);
        }
        assertEquals(msg(108, 37)[4096 - 4060], p1.bytes[0], "the slot's tail is in the second page");
    }
}
