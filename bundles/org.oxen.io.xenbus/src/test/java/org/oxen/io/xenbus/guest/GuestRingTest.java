package org.oxen.io.xenbus.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.io.ring.BackRing;
import org.oxen.io.ring.RingLayout;
import org.oxen.io.xenbus.AbstractBackend;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * The guest↔Java ring round trip: the kit's {@code ringping} (C: the kit's ring.h front end,
 * grant-table client and xenbus helper) connects through xenbus to a Java backend of device type
 * {@code vping} (io.ring's {@link BackRing} over the granted page, an interdomain event channel
 * bound by Domain-0), sends {@code count} pipelined requests and then {@code rtt} single round
 * trips; every response must come back in order with its answer (the guest checks), the backend
 * sees every request once and in order (this test checks), and the guest closes the device
 * through Closing/Closed with the backend following and unmapping the ring. The figures the
 * guest prints are docs/PERFORMANCE.md's guest↔Java ring round trip.
 */
class GuestRingTest {

    static final int COUNT = Integer.getInteger("oxen.ringping.count", 100_000);
    static final int RTT = Integer.getInteger("oxen.ringping.rtt", 2_000);
    static final int SLOT = 16;

    /** Answers {id, pad, value} with {id, pad, value * 3 + 1} on its own thread while connected. */
    static final class PingBackend extends AbstractBackend {
        final AtomicLong served;
        final AtomicReference<Throwable> failure;
        private final Semaphore kicks = new Semaphore(0);
        private GrantMapping ring;
        private EventPort port;
        private Thread server;
        private volatile boolean running;

        PingBackend(BackendDevice d, AtomicLong served, AtomicReference<Throwable> failure) {
            super(d);
            this.served = served;
            this.failure = failure;
        }

        @Override
        protected void publish() throws XenstoreException {
            device.xenstore().write(device.backendPath() + "/feature-ping", "1");
        }

        private int frontendKey(String key) throws XenstoreException {
            String v = device.xenstore().read(device.frontendPath() + "/" + key)
                    .orElseThrow(() -> new IllegalStateException(device.frontendPath() + "/" + key + " is missing"));
            return Integer.parseInt(v);
        }

        @Override
        protected void connect() throws Exception {
            int ref = frontendKey("ring-ref");
            int evtchn = frontendKey("event-channel");
            ring = device.grants().map(device.frontendDomid(), ref, false);
            BackRing back = new BackRing(new RingLayout(SLOT, ring.page()), SLOT, SLOT);
            port = device.eventChannels().bindInterdomain(device.frontendDomid(), evtchn, p -> kicks.release());
            running = true;
            server = new Thread(() -> serve(back), "ping-backend");
            server.start();
        }

        private void serve(BackRing back) {
            byte[] req = new byte[SLOT];
            ByteBuffer rq = ByteBuffer.wrap(req).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer rsp = ByteBuffer.allocate(SLOT).order(ByteOrder.LITTLE_ENDIAN);
            try {
                while (running) {
                    int n = back.unconsumedRequests();
                    for (int i = 0; i < n; i++) {
                        back.takeRequest(req);
                        long id = rq.getInt(0) & 0xFFFF_FFFFL;
                        if (id != served.get()) throw new AssertionError("request " + id + " where " + served.get() + " was next");
                        rsp.putInt(0, (int) id).putInt(4, 0).putLong(8, rq.getLong(8) * 3 + 1);
                        back.putResponse(rsp.array());
                        served.incrementAndGet();
                    }
                    if (back.pushResponses()) port.send();
                    if (n == 0 && !back.finalCheckForRequests()) kicks.tryAcquire(20, TimeUnit.MILLISECONDS);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        @Override
        protected void disconnect() {
            running = false;
            try {
                if (server != null) server.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (port != null) port.close();
            if (ring != null) ring.close();
            server = null;
            port = null;
            ring = null;
        }
    }

    @Test
    void theKitsRingFrontendExchangesRequestsWithAJavaBackendInOrder() throws Exception {
        AtomicLong served = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (GuestDevices h = new GuestDevices(64L << 20, 2)) {
            h.addFactory("vping", d -> new PingBackend(d, served, failure), 10L);
            Domain d = h.guest("ringping", "ringping", 8, "count=" + COUNT + " rtt=" + RTT);
            String fe = h.device(d.id(), "vping", 0, Map.of(), Map.of());
            String be = "/local/domain/0/backend/vping/" + d.id() + "/0";
            String out = GuestDevices.passes(d, 300);
            assertNull(failure.get(), () -> "backend: " + failure.get());
            assertEquals(COUNT + RTT, served.get(), "requests the backend served");
            assertTrue(out.contains("ringping: " + COUNT + " requests answered in order"), out);
            assertEquals(Optional.of("6"), h.toolstack.read(be + "/state"), "the backend followed to Closed");
            assertEquals(Optional.of("6"), h.toolstack.read(fe + "/state"));
            Matcher rate = Pattern.compile("ringping: \\d+ requests answered.*").matcher(out);
            Matcher rtt = Pattern.compile("ringping: \\d+ round trips:.*").matcher(out);
            assertTrue(rate.find() && rtt.find(), out);
            System.out.println(rate.group() + "\n" + rtt.group());
        }
    }
}
