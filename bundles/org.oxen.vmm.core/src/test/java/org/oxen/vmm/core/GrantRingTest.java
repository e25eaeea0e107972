package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;

import org.junit.jupiter.api.Test;
import org.oxen.io.ring.BackRing;
import org.oxen.io.ring.FrontRing;
import org.oxen.io.ring.RingLayout;
import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.MappedFrame;
import org.oxen.x86.api.Ram;

/**
 * A Java frontend and a Java backend exchange 100,000 requests over an io/ring.h ring in a page
 * one domain granted to another: the kit's {@code grants} guest (mode=ring) grants a page and
 * allocates an event channel for Domain-0; the frontend plays that guest's part (its own frame,
 * its port: sends through the guest's event channel, waits for the port's pending bit); the
 * backend is Domain-0 through the backend API (the grant mapped with {@code GrantTables}, the
 * port bound with {@code Dom0EventChannels}, woken by its listener). Every request gets exactly
 * one response with its id and the answer to its payload; the counts say nothing was lost.
 */
class GrantRingTest {

    static final int REQUESTS = Integer.getInteger("oxen.ring.requests", 100_000);
    static final int SLOT = 16; // request {id u32, pad, value u64}; response {id u32, pad, value u64}

    @Test
    void frontendAndBackendExchangeRequestsOverAGrantedPageWithNoneLost() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2);
        try {
            long free = vmm.freeFrames();
            Domain g = GrantTableTest.grants(vmm, "front", "ring");
            Matcher m = GrantTableTest.await(g, "grants: ring port=(\\d+) ref=(\\d+) mfn=(\\d+)");
            int guestPort = Integer.parseInt(m.group(1));
            int ref = Integer.parseInt(m.group(2));
            int mfn = Integer.parseInt(m.group(3));
            DomainImpl guest = (DomainImpl) g;
            Ram ram = vmm.pool().ram();

            // the backend: Domain-0 maps the grant and binds the port
            Semaphore backendKicks = new Semaphore(0);
            AtomicLong backendEvents = new AtomicLong();
            EventPort backendPort = vmm.eventChannels().bindInterdomain(g.id(), guestPort, p -> {
                backendEvents.incrementAndGet();
                backendKicks.release();
            });
            GrantMapping mapping = vmm.grantTables().map(g.id(), ref, false);

            // the frontend initialises the shared ring in the guest's own frame
            FrontRing front = FrontRing.init(new RingLayout(SLOT, new MappedFrame(vmm.pool(), mfn, true)), SLOT, SLOT);
            BackRing back = new BackRing(new RingLayout(SLOT, mapping.page()), SLOT, SLOT);
            assertEquals(128, front.size());

            AtomicLong served = new AtomicLong();
            AtomicReference<Throwable> backendFailure = new AtomicReference<>();
            Thread backend = new Thread(() -> {
                byte[] req = new byte[SLOT];
                ByteBuffer rsp = ByteBuffer.allocate(SLOT).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer rq = ByteBuffer.wrap(req).order(ByteOrder.LITTLE_ENDIAN);
                try {
                    while (served.get() < REQUESTS) {
                        int n = back.unconsumedRequests();
                        for (int i = 0; i < n; i++) {
                            back.takeRequest(req);
                            rsp.clear();
                            rsp.putInt(0, rq.getInt(0)).putLong(8, rq.getLong(8) * 3 + 1);
                            back.putResponse(rsp.array());
                            served.incrementAndGet();
                        }
                        if (back.pushResponses()) backendPort.send();
                        if (n == 0 && !back.finalCheckForRequests()) {
                            if (!backendKicks.tryAcquire(10, TimeUnit.SECONDS)) {
                                throw new AssertionError("backend: no kick after " + served.get() + " requests");
                            }
                        }
                    }
                } catch (Throwable t) {
                    backendFailure.set(t);
                }
            }, "ring-backend");
            backend.start();

            long pendingWord = ((long) guest.sharedInfoMfn() << 12) + SharedInfo.EVTCHN_PENDING + (guestPort / 32) * 4L;
            byte[] req = new byte[SLOT];
            byte[] rsp = new byte[SLOT];
            ByteBuffer rq = ByteBuffer.wrap(req).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer rs = ByteBuffer.wrap(rsp).order(ByteOrder.LITTLE_ENDIAN);
            int sent = 0, answered = 0;
            long frontendWakeups = 0, kicks = 0;
            long t0 = System.nanoTime();
            while (answered < REQUESTS) {
                while (sent < REQUESTS && front.freeRequests() > 0) {
                    rq.putInt(0, sent).putInt(4, 0).putLong(8, 1000L + sent);
                    front.putRequest(req);
                    sent++;
                }
                if (front.pushRequests()) {
                    assertEquals(0, guest.events().send(guestPort), "the guest's send");
                    kicks++;
                }
                int n = front.unconsumedResponses();
                for (int i = 0; i < n; i++) {
                    front.takeResponse(rsp);
                    assertEquals(answered, rs.getInt(0), "responses in order, none lost or doubled");
                    assertEquals((1000L + answered) * 3 + 1, rs.getLong(8), "the answer to request " + answered);
                    answered++;
                }
                if (n == 0 && !front.finalCheckForResponses()) {
                    // wait for the backend's event: the guest port's pending bit
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!ram.testAndClearBit32(pendingWord, guestPort % 32)) {
                        assertTrue(System.nanoTime() < end && backendFailure.get() == null,
                                "frontend: no event after " + answered + " responses: " + backendFailure.get());
                        LockSupport.parkNanos(20_000);
                    }
                    frontendWakeups++;
                }
            }
            long ns = System.nanoTime() - t0;
            backend.join(10_000);
            if (backendFailure.get() != null) throw new AssertionError(backendFailure.get());
            assertEquals(REQUESTS, served.get(), "requests the backend served");
            assertEquals(REQUESTS, answered, "responses the frontend took");
            assertEquals(0, front.unconsumedResponses());
            assertTrue(backendEvents.get() >= 1 && frontendWakeups >= 1, "both ends were woken by events");
            System.out.printf("ring: %d requests in %.1f ms (%.0f requests/s); frontend kicks %d, backend events %d, "
                    + "frontend wake-ups %d%n", REQUESTS, ns / 1e6, REQUESTS * 1e9 / ns, kicks, backendEvents.get(),
                    frontendWakeups);

            mapping.unmap();
            backendPort.close();
            vmm.destroy(g.id());
            assertEquals(free, vmm.freeFrames());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
