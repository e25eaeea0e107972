package org.oxen.io.blkback.internal;

import static org.oxen.io.blkback.blkif.Blkif.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.oxen.io.ring.BackRing;
import org.oxen.io.ring.RingLayout;
import org.oxen.io.xenbus.AbstractBackend;
import org.oxen.storage.api.BlockImage;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.backend.BackendDevice;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.PageView;
import org.oxen.vmm.api.backend.XenstoreClient;
import org.oxen.vmm.api.backend.XenstoreException;
import org.oxen.vmm.api.backend.XenstoreTransaction;

/**
 * The backend of one virtual block device, with Linux xen-blkback's xenstore handshake
 * (xenbus.c): at probe it publishes {@code feature-max-indirect-segments},
 * {@code max-ring-page-order} and {@code multi-queue-max-queues}, then InitWait; on the
 * frontend's Initialised or Connected it reads {@code ring-ref} (or {@code ring-page-order} and
 * {@code ring-ref0..}), {@code event-channel}, {@code protocol} and {@code feature-persistent}
 * (connect_ring), opens the image its {@code params} node names, maps the ring, binds the event
 * channel, and in one transaction writes {@code feature-flush-cache}, {@code feature-barrier},
 * the discard keys (unless the toolstack wrote {@code discard-enable = 0}),
 * {@code feature-persistent}, {@code sectors}, {@code info},
 * {@code sector-size} and {@code physical-sector-size} (connect), before xenbus writes
 * Connected. A failure is reported as xenbus_dev_fatal does, in
 * {@code /local/domain/0/error/backend/vbd/<domU>/<devid>/error}, and leaves nothing mapped.
 *
 * <p>Called by xenbus on its thread only; the served ring runs on its {@link BlkifServer}'s
 * thread.
 */
final class VbdBackend extends AbstractBackend {

    /** The JDK's platform log (java.util.logging unless configured otherwise): connections' ends. */
    static final System.Logger LOG = System.getLogger("org.oxen.io.blkback");

    /**
     * What this backend offers (Linux blkback's module parameters), how many requests of one
     * ring may be at the disk at once ({@link BlkifServer}; {@code -Doxen.blkback.depth}, 8 by
     * default; 1 serves one at a time on the ring's thread), and whether a kick finding a ring
     * idle is served on the notifying thread ({@link BlkifServer}; off by default, {@code
     * -Doxen.blkback.inline=true} turns it on: on the loaded development host it helped 128 KiB
     * requests but made 4 KiB ones 5-10x slower, see docs/PERFORMANCE.md), and how many I/O
     * threads the blkback instance shares between all its rings ({@link BlkIoPool}; {@code
     * -Doxen.blkback.ioThreads}, {@link BlkIoPool#defaultSize}: two per core and at least the queue
     * depth, by default; at least 2).
     */
    record Settings(int maxRingPageOrder, int maxIndirectSegments, int maxPersistentGrants, int depth, boolean inline,
            int ioThreads) {
        static final Settings DEFAULT = create(Integer.getInteger("oxen.blkback.depth", 8));

        private static Settings create(int depth) {
            return new Settings(4, 256, 1056, depth, Boolean.parseBoolean(System.getProperty("oxen.blkback.inline", "false")),
                    Math.max(2, Integer.getInteger("oxen.blkback.ioThreads", BlkIoPool.defaultSize(depth))));
        }

        Settings withInline(boolean on) {
            return new Settings(maxRingPageOrder, maxIndirectSegments, maxPersistentGrants, depth, on, ioThreads);
        }

        Settings withDepth(int requests) {
            return new Settings(maxRingPageOrder, maxIndirectSegments, maxPersistentGrants, requests, inline, ioThreads);
        }

        Settings withIoThreads(int threads) {
            return new Settings(maxRingPageOrder, maxIndirectSegments, maxPersistentGrants, depth, inline, threads);
        }
    }

    private final ImageOpener opener;
    private final Settings settings;
    private final VbdCounters counters;
    private final BlkIoPool pool;
    private BlockImage image;
    private final List<GrantMapping> ringPages = new ArrayList<>();
    private EventPort port;
    private BlkifServer server;

    private final Runnable closed;

    /**
     * @param pool the blkback instance's I/O threads, shared with its other devices
     * @param closed told when xenbus takes the backend away ({@link #close()})
     */
    VbdBackend(BackendDevice device, ImageOpener opener, Settings settings, VbdCounters counters, BlkIoPool pool,
            Runnable closed) {
        super(device);
        this.pool = pool;
        this.closed = closed;
        this.opener = opener;
        this.settings = settings;
        this.counters = counters;
    }

    @Override
    protected void publish() throws XenstoreException {
        XenstoreClient xs = device.xenstore();
        String be = device.backendPath();
        if (settings.maxIndirectSegments() > 0) {
            xs.write(be + "/feature-max-indirect-segments", Integer.toString(settings.maxIndirectSegments()));
        }
        xs.write(be + "/max-ring-page-order", Integer.toString(settings.maxRingPageOrder()));
        xs.write(be + "/multi-queue-max-queues", "1");
    }

    @Override
    protected void connect() throws Exception {
        try {
            connectRing();
        } catch (Exception e) {
            disconnect();
            fatal(e.getMessage());
            throw e;
        }
    }

    private void connectRing() throws Exception {
        XenstoreClient xs = device.xenstore();
        String fe = device.frontendPath();
        String be = device.backendPath();
        int domid = device.frontendDomid();

        String protocol = xs.read(fe + "/protocol").orElse(PROTOCOL_X86_32);
        if (!protocol.equals(PROTOCOL_X86_32)) {
            throw new IllegalArgumentException("unsupported frontend protocol '" + protocol + "' in " + fe
                    + "/protocol (oxen's guests are 32-bit: " + PROTOCOL_X86_32 + ")");
        }
        Optional<String> queues = xs.read(fe + "/multi-queue-num-queues");
        if (queues.isPresent() && !queues.get().equals("1")) {
            throw new IllegalArgumentException(fe + "/multi-queue-num-queues is " + queues.get()
                    + ": this backend offers one queue");
        }
        int order = 0;
        Optional<String> orderNode = xs.read(fe + "/ring-page-order");
        if (orderNode.isPresent()) {
            order = number(fe + "/ring-page-order", orderNode.get());
            if (order < 0 || order > settings.maxRingPageOrder()) {
                throw new IllegalArgumentException(fe + "/ring-page-order " + order + " is above max-ring-page-order "
                        + settings.maxRingPageOrder());
            }
        }
        int[] refs = new int[1 << order];
        if (orderNode.isEmpty()) {
            refs[0] = number(fe + "/ring-ref", required(xs, fe + "/ring-ref"));
        } else {
            for (int i = 0; i < refs.length; i++) refs[i] = number(fe + "/ring-ref" + i, required(xs, fe + "/ring-ref" + i));
        }
        int evtchn = number(fe + "/event-channel", required(xs, fe + "/event-channel"));
        boolean persistent = settings.maxPersistentGrants() > 0
                && xs.read(fe + "/feature-persistent").map("1"::equals).orElse(false);

        String params = required(xs, be + "/params");
        boolean readOnly = !xs.read(be + "/mode").orElse("w").startsWith("w");
        boolean cdrom = xs.read(be + "/device-type").map("cdrom"::equals).orElse(false);
        boolean removable = xs.read(be + "/removable").map("1"::equals).orElse(false);
        boolean discardEnabled = !xs.read(be + "/discard-enable").map("0"::equals).orElse(false);
        boolean directIoSafe = xs.read(be + "/direct-io-safe").map("1"::equals).orElse(false);

        image = opener.open(params, readOnly || cdrom, directIoSafe);
        // an O_DIRECT image takes requests aligned to its block: the guest's logical sector size
        String sectorSize = Integer.toString(Math.max(BlockImage.SECTOR_SIZE, image.requestAlignment()));
        boolean ro = image.readOnly();
        long sectors = image.size() / BlockImage.SECTOR_SIZE;

        PageView[] pages = new PageView[refs.length];
        for (int i = 0; i < refs.length; i++) {
            GrantMapping m = device.grants().map(domid, refs[i], false);
            ringPages.add(m);
            pages[i] = m.page();
        }
        BackRing ring = new BackRing(new RingLayout(SLOT_SIZE, pages), REQUEST_SIZE, RESPONSE_SIZE);
        boolean discard = !ro && discardEnabled;
        BlkifServer.Limits limits = new BlkifServer.Limits(sectors, ro, !ro, discard, settings.maxIndirectSegments(),
                persistent, settings.maxPersistentGrants());
        String name = "d" + domid + "/" + device.devid();
        server = new BlkifServer(name, domid, device.devid(), device.grants(), device.trace(), ring, image, limits, counters,
                this::halted, settings.depth(), settings.inline(), pool);
        port = device.eventChannels().bindInterdomain(domid, evtchn, server);

        int info = (ro ? VDISK_READONLY : 0) | (cdrom ? VDISK_CDROM : 0) | (removable ? VDISK_REMOVABLE : 0);
        for (;;) {
            try (XenstoreTransaction t = xs.transaction()) {
                t.write(be + "/feature-flush-cache", ro ? "0" : "1");
                t.write(be + "/feature-barrier", ro ? "0" : "1");
                t.write(be + "/feature-discard", discard ? "1" : "0");
                if (discard) {
                    t.write(be + "/discard-granularity", Integer.toString(image.clusterSize()));
                    t.write(be + "/discard-alignment", "0");
                    t.write(be + "/discard-secure", "0");
                }
                t.write(be + "/feature-persistent", settings.maxPersistentGrants() > 0 ? "1" : "0");
                t.write(be + "/sectors", Long.toString(sectors));
                t.write(be + "/info", Integer.toString(info));
                t.write(be + "/sector-size", sectorSize);
                t.write(be + "/physical-sector-size", sectorSize);
                if (t.commit()) break;
            }
        }
        server.start(port);
    }

    @Override
    protected void disconnect() {
        if (server != null) {
            server.stop();
            // what the frontend must have taken from this ring (it counts its side: a hot-swap
            // neither loses nor repeats a request when the two agree)
            LOG.log(System.Logger.Level.INFO, "blkback d" + device.frontendDomid() + "/" + device.devid()
                    + ": disconnected, " + server.answered() + " requests answered on this connection");
            server = null;
        }
        if (port != null) {
            port.close();
            port = null;
        }
        for (GrantMapping m : ringPages) m.close();
        ringPages.clear();
        if (image != null) {
            try {
                image.close();
            } catch (Exception e) {
                System.err.println("blkback " + device.backendPath() + ": closing " + image.path() + ": " + e);
            }
            image = null;
        }
    }

    @Override
    public void close() {
        super.close();
        closed.run();
    }

    /** xenbus_dev_fatal's report: {@code error/<backend path>/error} in Domain-0's home. */
    /**
     * A hostile frontend's ring (a req_prod overrun) halted, as Linux's xen-blkback does:
     * __do_block_io_op's RING_REQUEST_PROD_OVERFLOW check warns and returns -EACCES, and the
     * ring's thread then waits until the device disconnects. The device stays Connected and
     * nothing is written to xenstore (no xenbus_dev_error or _fatal); the frontend's next ring,
     * after it closes and connects again, is served anew.
     */
    private void halted(String why) {
        counters.halts++;
        counters.lastHalt = why;
        LOG.log(System.Logger.Level.WARNING, "blkback " + device.backendPath() + ": " + why);
    }

    private void fatal(String message) {
        String node = "/local/domain/0/error" + device.backendPath().substring("/local/domain/0".length()) + "/error";
        try {
            device.xenstore().write(node, message);
        } catch (XenstoreException e) {
            // the device is going away
        }
        System.err.println("blkback " + device.backendPath() + ": " + message);
    }

    private static String required(XenstoreClient xs, String path) throws XenstoreException {
        return xs.read(path).orElseThrow(() -> new IllegalArgumentException(path + " is missing"));
    }

    private static int number(String path, String value) {
        try {
            return Integer.parseUnsignedInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(path + " is '" + value + "', not a number");
        }
    }

    /** The connected server (tests: persistent grants held), or null. */
    BlkifServer server() {
        return server;
    }
}
