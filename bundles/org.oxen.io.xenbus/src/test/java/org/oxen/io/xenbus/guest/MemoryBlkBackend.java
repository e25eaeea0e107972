package org.oxen.io.xenbus.guest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.oxen.io.ring.BackRing;
import org.oxen.io.ring.RingLayout;
import org.oxen.io.xenbus.AbstractBackend;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.XenstoreException;

/**
 * A test double of blkback for the kit's blkfront until the real one lands: a disk in a Java
 * array shared by every instance (so a swapped-in backend serves the same disk), the blkif
 * protocol for 32-bit frontends (108-byte requests with id at 4 and seg[] at 20, 12-byte
 * responses; /work/shared/notes/xen-split-drivers.md §3), one page ring, segments moved with
 * grant copies, read, write and flush, each request validated and answered with
 * BLKIF_RSP_ERROR when bad. Serves on its own thread while connected; when closed it either
 * answers everything on its ring first (drainOnClose, after a pause that lets the frontend see
 * Closing) or abandons what it has not taken.
 */
final class MemoryBlkBackend extends AbstractBackend {

    static final int REQ = 108, RSP = 12;
    static final int OP_READ = 0, OP_WRITE = 1, OP_FLUSH = 3;

    private final byte[] disk;
    private final boolean drainOnClose;
    private final AtomicLong served;
    private final AtomicReference<Throwable> failure;
    private final Semaphore kicks = new Semaphore(0);
    private GrantMapping ring;
    private EventPort port;
    private Thread server;
    private volatile boolean running, holding, draining;

    MemoryBlkBackend(BackendDevice d, byte[] disk, boolean drainOnClose, AtomicLong served,
            AtomicReference<Throwable> failure) {
        super(d);
        this.disk = disk;
        this.drainOnClose = drainOnClose;
        this.served = served;
        this.failure = failure;
    }

    @Override
    protected void publish() throws XenstoreException {
        device.xenstore().write(device.backendPath() + "/feature-flush-cache", "1");
    }

    private String frontendKey(String key) throws XenstoreException {
        return device.xenstore().read(device.frontendPath() + "/" + key)
                .orElseThrow(() -> new IllegalStateException(device.frontendPath() + "/" + key + " is missing"));
    }

    @Override
    protected void connect() throws Exception {
        if (!"x86_32-abi".equals(frontendKey("protocol"))) {
            throw new IllegalStateException("protocol " + frontendKey("protocol") + ": only x86_32-abi");
        }
        int ref = Integer.parseInt(frontendKey("ring-ref"));
        int evtchn = Integer.parseInt(frontendKey("event-channel"));
        String be = device.backendPath();
        device.xenstore().write(be + "/sectors", Long.toString(disk.length / 512));
        device.xenstore().write(be + "/sector-size", "512");
        device.xenstore().write(be + "/info", "0");
        ring = device.grants().map(device.frontendDomid(), ref, false);
        BackRing back = new BackRing(new RingLayout(REQ, ring.page()), REQ, RSP);
        port = device.eventChannels().bindInterdomain(device.frontendDomid(), evtchn, p -> kicks.release());
        running = true;
        server = new Thread(() -> serve(back), "blk-test-backend");
        server.start();
    }

    private void serve(BackRing back) {
        byte[] req = new byte[REQ];
        ByteBuffer q = ByteBuffer.wrap(req).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer rsp = ByteBuffer.allocate(RSP).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (running) {
                if (holding) {
                    Thread.sleep(1);
                    continue;
                }
                int n = back.unconsumedRequests();
                for (int i = 0; i < n; i++) {
                    back.takeRequest(req);
                    int op = q.get(0) & 0xFF;
                    rsp.putLong(0, q.getLong(4)).put(8, (byte) op).putShort(10, (short) execute(q, op));
                    back.putResponse(rsp.array());
                    served.incrementAndGet();
                }
                if (back.pushResponses()) port.send();
                if (n == 0 && draining) break;
                if (n == 0 && !back.finalCheckForRequests()) kicks.tryAcquire(20, TimeUnit.MILLISECONDS);
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    /** BLKIF_RSP_OKAY (0) or BLKIF_RSP_ERROR (-1) for a request that is not valid. */
    private int execute(ByteBuffer q, int op) {
        int nseg = q.get(1) & 0xFF;
        long sector = q.getLong(12);
        if (op == OP_FLUSH) return nseg == 0 ? 0 : -1;
        if ((op != OP_READ && op != OP_WRITE) || nseg == 0 || nseg > 11) return -1;
        long at = sector * 512;
        for (int s = 0; s < nseg; s++) {
            int gref = q.getInt(20 + 8 * s);
            int first = q.get(24 + 8 * s) & 0xFF, last = q.get(25 + 8 * s) & 0xFF;
            if (first > last || last > 7) return -1;
            int len = (last - first + 1) * 512;
            if (at < 0 || at + len > disk.length) return -1;
            try {
                if (op == OP_READ) {
                    device.grants().copyTo(device.frontendDomid(), gref, first * 512, disk, (int) at, len);
                } else {
                    device.grants().copyFrom(device.frontendDomid(), gref, first * 512, disk, (int) at, len);
                }
            } catch (GrantException e) {
                return -1;
            }
            at += len;
        }
        return 0;
    }

    @Override
    protected void disconnect() {
        try {
            if (server != null && drainOnClose) {
                // a backend finishing the I/O in flight before it lets go: after xenbus wrote
                // Closing it answers nothing for a while (the frontend sees Closing with requests in
                // flight), then answers everything on the ring, and only then is Closed; a frontend
                // that resubmits without taking those answers runs them twice
                holding = true;
                Thread.sleep(300);
                holding = false;
                draining = true;
            }
            // otherwise the backend abandons what it has not taken: the frontend must resubmit it
            running = draining;
            if (server != null) server.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        if (port != null) port.close();
        if (ring != null) ring.close();
        server = null;
        port = null;
        ring = null;
    }
}
