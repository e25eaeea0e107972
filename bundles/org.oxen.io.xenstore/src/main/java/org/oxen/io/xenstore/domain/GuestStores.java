package org.oxen.io.xenstore.domain;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

import org.oxen.io.xenstore.store.Store;
import org.oxen.io.xenstore.wire.StoreRing;
import org.oxen.io.xenstore.wire.WireConnection;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.EventChannelException;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.backend.IntroducedDomain;

/**
 * The guests' side of xenstored (tools/xenstored domain.c): one {@link GuestConnection} per
 * introduced domain, its store ring served on one server thread, as xenstored's single-threaded
 * main loop serves every connection.
 *
 * <p>Design: a guest's event (on the pCPU that sent it) or a watch event for it only queues
 * its connection (once: a flag coalesces); the server thread takes connections in arrival order
 * and serves each ring once ({@link StoreRing#BUDGET} messages at most), notifies the guest if
 * indexes moved, and queues the connection again while requests remain, so a guest flooding its
 * ring gets its turn among the others and no more. A ring a guest breaks (hostile indexes, an
 * oversized message, responses never read) stops being served; the reason is logged once and
 * the page's error field says which (XENSTORE_ERROR_*); the domain and everything else run on.
 *
 * <p>Locking: the connection map is concurrent; introduce and release come from the VMM's
 * introduction (one at a time per domain); the server thread is the only one servicing rings.
 */
public final class GuestStores implements AutoCloseable {

    private final Store store;
    private final Consumer<String> log;
    private final Map<Integer, GuestConnection> connections = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<GuestConnection> ready = new LinkedBlockingQueue<>();
    private final Thread server;
    private volatile boolean closed;

    public GuestStores(Store store, Consumer<String> log) {
        this.store = store;
        this.log = log;
        server = new Thread(this::serve, "xenstored rings");
        server.setDaemon(true);
        server.start();
    }

    /** XS_INTRODUCE: serves the domain's ring over its store event channel. */
    public void introduce(IntroducedDomain d, Dom0EventChannels events) throws EventChannelException {
        int domid = d.domain().id();
        if (connections.containsKey(domid)) {
            throw new IllegalStateException("domain " + domid + " is introduced already");
        }
        GuestConnection c = new GuestConnection(domid);
        c.ring = new StoreRing(d.storePage(), sink -> new WireConnection(store, domid, sink), () -> schedule(c));
        c.ring.announceFeatures();
        connections.put(domid, c);
        try {
            // binding marks our port pending once: the listener runs and the ring is scanned
            // for what the guest wrote before we were there (its sends to the unbound port were dropped)
            c.port = events.bindInterdomain(domid, d.storeEventChannel(), p -> schedule(c));
        } catch (EventChannelException | RuntimeException e) {
            connections.remove(domid);
            c.ring.connection().close();
            throw e;
        }
        schedule(c);
        store.fireSpecial("@introduceDomain");
    }

    /** XS_RELEASE: the domain is going; its watches and transactions go, @releaseDomain fires. */
    public void release(int domid) {
        GuestConnection c = connections.remove(domid);
        if (c == null) return;
        c.released = true;
        synchronized (c) {
            c.ring.connection().close();
            if (c.port != null) c.port.close();
        }
        store.fireSpecial("@releaseDomain");
    }

    /** Whether the domain is introduced (XS_IS_DOMAIN_INTRODUCED). */
    public boolean isIntroduced(int domid) {
        return connections.containsKey(domid);
    }

    /** Why the domain's ring was dropped, or null while good (tests, xenstore-control). */
    public String broken(int domid) {
        GuestConnection c = connections.get(domid);
        return c == null ? null : c.ring.broken();
    }

    private void schedule(GuestConnection c) {
        if (!c.released && c.queued.compareAndSet(false, true)) {
            ready.add(c);
        }
    }

    private void serve() {
        while (!closed) {
            GuestConnection c;
            try {
                c = ready.take();
            } catch (InterruptedException e) {
                return;
            }
            c.queued.set(false);
            synchronized (c) {
                if (c.released) continue;
                try {
                    if (c.ring.service()) c.kick = true;
                    EventPort p = c.port;
                    // a pass may run before bindInterdomain has returned the port (the event Xen
                    // marks pending at bind time): the notification waits for the next pass
                    if (c.kick && p != null && p.isOpen()) {
                        c.kick = false;
                        p.send();
                    }
                    String broken = c.ring.broken();
                    if (broken != null) {
                        if (!c.reported) {
                            c.reported = true;
                            log.accept("xenstored: d" + c.domid + ": ring dropped: " + broken);
                        }
                    } else if (c.ring.hasRequests()) {
                        schedule(c);
                    }
                } catch (RuntimeException e) {
                    // the page went away under us (domain destroyed) or a bug: never the server's end
                    if (!c.reported) {
                        c.reported = true;
                        log.accept("xenstored: d" + c.domid + ": ring service failed: " + e);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        server.interrupt();
        for (Integer id : connections.keySet()) {
            release(id);
        }
    }

    /** One domain's connection. Guarded by its monitor while served or released. */
    static final class GuestConnection {
        final int domid;
        final java.util.concurrent.atomic.AtomicBoolean queued = new java.util.concurrent.atomic.AtomicBoolean();
        StoreRing ring;
        volatile EventPort port;
        /** The guest is owed an event (indexes moved while the port was not yet known). */
        boolean kick;
        volatile boolean released;
        boolean reported;

        GuestConnection(int domid) {
            this.domid = domid;
        }
    }
}
