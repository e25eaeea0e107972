package org.oxen.io.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * A frontend thread and a backend thread exchange 100,000 requests over one ring (blkif's slot
 * size), each side sleeping on its "event channel" (a semaphore) only after ring.h's final check
 * and waking the other only when the push says so. A lost wake-up would leave a side asleep: the
 * test then fails on the 10-second wait instead of hanging. Every request is answered once, in
 * order, with its own id and payload check.
 */
class RingExchangeTest {

    static final int N = 100_000;
    static final int REQ = 108;
    static final int RSP = 12;

    private static final long WAIT_S = 10;

    @Test
    void hundredThousandRequestsNothingLost() throws Exception {
        RingLayout l = new RingLayout(REQ, new ArrayPage());
        FrontRing front = FrontRing.init(l, REQ, RSP);
        BackRing back = new BackRing(l, REQ, RSP);
        Semaphore toBack = new Semaphore(0);
        Semaphore toFront = new Semaphore(0);
        AtomicInteger kicksToBack = new AtomicInteger();
        AtomicInteger kicksToFront = new AtomicInteger();

        CompletableFuture<Integer> backend = CompletableFuture.supplyAsync(() -> {
            try {
                byte[] req = new byte[REQ];
                byte[] rsp = new byte[RSP];
                ByteBuffer in = ByteBuffer.wrap(req).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer out = ByteBuffer.wrap(rsp).order(ByteOrder.LITTLE_ENDIAN);
                int done = 0;
                while (done < N) {
                    int n = back.unconsumedRequests();
                    if (n == 0) {
                        if (back.finalCheckForRequests()) continue;
                        if (!toBack.tryAcquire(WAIT_S, TimeUnit.SECONDS)) {
                            throw new AssertionError("backend never woken after " + done + " requests");
                        }
                        continue;
                    }
                    for (int i = 0; i < n; i++) {
                        back.takeRequest(req);
                        int id = in.getInt(0);
                        int sum = 0;
                        for (int k = 4; k < REQ; k++) sum += req[k];
                        out.putInt(0, id);
                        out.putInt(4, sum);
                        out.putInt(8, done);
                        back.putResponse(rsp);
                        done++;
                    }
                    if (back.pushResponses()) {
                        kicksToFront.incrementAndGet();
                        toFront.release();
                    }
                }
                return done;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });

        byte[] req = new byte[REQ];
        byte[] rsp = new byte[RSP];
        ByteBuffer out = ByteBuffer.wrap(req).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer in = ByteBuffer.wrap(rsp).order(ByteOrder.LITTLE_ENDIAN);
        int sent = 0;
        int received = 0;
        while (received < N) {
            boolean progress = false;
            while (sent < N && front.freeRequests() > 0) {
                out.putInt(0, sent);
                for (int k = 4; k < REQ; k++) req[k] = (byte) (sent + k);
                front.putRequest(req);
                sent++;
                progress = true;
            }
            if (progress && front.pushRequests()) {
                kicksToBack.incrementAndGet();
                toBack.release();
            }
            int n = front.unconsumedResponses();
            for (int i = 0; i < n; i++) {
                front.takeResponse(rsp);
                int id = in.getInt(0);
                assertEquals(received, id, "responses come in request order");
                int sum = 0;
                for (int k = 4; k < REQ; k++) sum += (byte) (id + k);
                assertEquals(sum, in.getInt(4), "the backend saw request " + id + "'s payload");
                assertEquals(received, in.getInt(8));
                received++;
                progress = true;
            }
            if (!progress && !front.finalCheckForResponses()) {
                assertTrue(toFront.tryAcquire(WAIT_S, TimeUnit.SECONDS), "frontend never woken after " + received
                        + " responses");
            }
        }
        assertEquals(N, backend.get(WAIT_S, TimeUnit.SECONDS));
        assertEquals(N, sent);
        assertEquals(0, front.unconsumedResponses());
        assertEquals(0, back.unconsumedRequests());
        assertEquals(l.size(), front.freeRequests());
        assertTrue(kicksToBack.get() > 0 && kicksToBack.get() <= N, "kicks to the backend: " + kicksToBack);
        assertTrue(kicksToFront.get() > 0 && kicksToFront.get() <= N, "kicks to the frontend: " + kicksToFront);
    }
}
