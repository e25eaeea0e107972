package org.oxen.io.netback;

import static org.oxen.vmm.abi.Netif.*;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import org.oxen.io.ring.BackRing;
import org.oxen.io.ring.RingLayout;
import org.oxen.io.ring.RingOverflowException;
import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.FrameChecksum;
import org.oxen.io.vswitch.FrameSink;
import org.oxen.io.vswitch.MacAddress;
import org.oxen.io.vswitch.SwitchPort;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.EventChannelException;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.PageView;
import org.oxen.vmm.abi.Netif;
import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.api.trace.HypervisorTrace;

/**
 * One connected vif's data path (Linux xen-netback's queue: xenvif_tx_action and
 * xenvif_rx_action on one kthread): the frontend's tx ring is read, each packet's slots copied
 * out of its grants (GNTTABOP_copy with source_gref) and sent into the vif's bridge port; frames
 * the bridge delivers wait in an {@link RxQueue} and are copied into the grants of the rx
 * requests the frontend posted (dest_gref), a page per slot from offset 0 (xenvif_rx_data_slot:
 * a frame over a page, which only a frontend with feature-sg is given, takes several slots
 * chained by NETRXF_more_data).
 *
 * <p>Checksums (as netback's tx and rx paths): a packet sent NETTXF_csum_blank has its
 * pseudo-header sum set up and enters the bridge {@link FrameChecksum#PARTIAL} (completed by the
 * bridge for whoever needs it whole), one sent NETTXF_data_validated enters
 * {@link FrameChecksum#VALIDATED}; a frame delivered PARTIAL (only to a frontend without
 * feature-no-csum-offload) is answered NETRXF_csum_blank | NETRXF_data_validated, one VALIDATED
 * NETRXF_data_validated.
 *
 * <p>Validation, as netback's xenvif_count_requests / xenvif_tx_build_gops: every request is
 * copied before it is read (the ring's RING_COPY_REQUEST); a req_prod beyond the ring, a packet
 * chaining more than {@link #FATAL_SLOTS} slots or more slots than it published, a fragment
 * larger than what is left of the packet, data crossing its page, a bad extra-info type are
 * <em>fatal</em>: the vif stops serving the frontend at once and the backend goes Closing
 * (xenvif_fatal_tx_err and xenbus_dev_fatal). A packet shorter than an Ethernet header, longer
 * than a frame the bridge carries, of more than {@link Netif#NR_SLOTS_MIN} slots, carrying GSO
 * (not offered), or naming a grant the copy refuses (another domain's, a bad ref, read-only where
 * the copy writes) is answered NETIF_RSP_ERROR and dropped; the vif goes on. Each frame either
 * way is a trace record (TRC_OXEN_NETBACK_TX/RX {domid, devid, bytes, status}) when the
 * hypervisor traces the backend class: with tracing off, one volatile read and a branch.
 *
 * <p>Locking: everything but {@link #kick} and the rx queue is confined to the vif's thread
 * (started by {@link #start}); {@link #stop} joins it before releasing the rings.
 */
final class Vif implements FrameSink {

    /** Netback's fatal_skb_slots default: a chain this long is an attack. */
    static final int FATAL_SLOTS = 20;
    /** Packets handled per pass before the rx side gets a turn (netback's budget). */
    static final int TX_BUDGET = 64;
    static final int RX_QUEUE_FRAMES = 256;
    /** Netback's rx_queue_max: half a ring of pages. */
    static final int RX_QUEUE_BYTES = 128 * PageView.SIZE;

    interface Owner {
        /** The frontend misbehaved: the vif has stopped; the backend should go Closing. */
        void fatal(Vif vif, String why);
    }

    private final String name;
    private final int domid;
    private final int devid;
    /** The hypervisor's trace buffers (TRC_OXEN_NETBACK_TX/RX per frame), or null. */
    private final HypervisorTrace trace;
    private final GrantTables grants;
    private final GrantMapping txMap;
    private final GrantMapping rxMap;
    private final BackRing tx;
    private final BackRing rx;
    private final long mac;
    private final CreditLimiter credit;
    private final LongSupplier clock;
    private final Owner owner;
    private final RxQueue rxQueue = new RxQueue(RX_QUEUE_FRAMES, RX_QUEUE_BYTES);
    /** The frontend's feature-sg: frames up to {@link Bridge#MAX_JUMBO_FRAME} both ways. */
    private final boolean sg;
    /** Not the frontend's feature-no-csum-offload: it takes partial checksums (NETRXF_csum_blank). */
    private final boolean csumOffload;
    private final int maxFrame;
    private EventPort port;
    private SwitchPort switchPort;
    private Thread thread;
    private volatile boolean running;
    private volatile boolean kicked;
    private final AtomicBoolean stopped = new AtomicBoolean();

    // the packet being taken (private copies of its requests)
    private final byte[] req = new byte[TX_REQUEST_SIZE];
    private final byte[] txRsp = new byte[TX_RESPONSE_SIZE];
    private final byte[] rxReq = new byte[RX_REQUEST_SIZE];
    private final byte[] rxRsp = new byte[RX_RESPONSE_SIZE];
    private final int[] slotGref = new int[FATAL_SLOTS];
    private final int[] slotOffset = new int[FATAL_SLOTS];
    private final int[] slotLength = new int[FATAL_SLOTS];
    private final int[] slotId = new int[FATAL_SLOTS];
    private final byte[] frame = new byte[MAX_TX_SIZE];
    private int slots;
    private int extras;
    private int packetSize;
    private int packetFlags;
    private int packetStatus;
    private boolean pending;
    private boolean waitingCredit;

    /** The device's figures (Linux's, the backend's side), written by this vif's thread only. */
    private final VifCounters counters;

    Vif(String name, int domid, int devid, GrantTables grants, HypervisorTrace trace, GrantMapping txMap, GrantMapping rxMap,
            long mac, boolean sg, boolean csumOffload, CreditLimiter credit, LongSupplier clock, Owner owner,
            VifCounters counters) {
        this.sg = sg;
        this.csumOffload = csumOffload;
        this.maxFrame = sg ? Bridge.MAX_JUMBO_FRAME : Bridge.MAX_FRAME;
        this.name = name;
        this.domid = domid;
        this.devid = devid;
        this.trace = trace;
        this.grants = grants;
        this.txMap = txMap;
        this.rxMap = rxMap;
        this.tx = new BackRing(new RingLayout(TX_SLOT_SIZE, txMap.page()), TX_REQUEST_SIZE, TX_RESPONSE_SIZE);
        this.rx = new BackRing(new RingLayout(RX_SLOT_SIZE, rxMap.page()), RX_REQUEST_SIZE, RX_RESPONSE_SIZE);
        this.mac = mac;
        this.credit = credit;
        this.clock = clock;
        this.owner = owner;
        this.counters = counters;
    }

    String name() {
        return name;
    }

    /** Binds the frontend's event channel, attaches to the bridge and starts serving. */
    void start(Dom0EventChannels events, int frontendPort, Bridge bridge) throws EventChannelException {
        running = true;
        thread = new Thread(this::run, "netback " + name);
        thread.setDaemon(true);
        port = events.bindInterdomain(domid, frontendPort, p -> kick());
        try {
            switchPort = bridge.attach(name, this, maxFrame, csumOffload);
        } catch (RuntimeException e) {
            port.close();
            throw e;
        }
        thread.start();
    }

    SwitchPort switchPort() {
        return switchPort;
    }

    /** Whether the frontend said feature-sg and not feature-no-csum-offload. */
    boolean scatterGather() {
        return sg;
    }

    boolean checksumOffload() {
        return csumOffload;
    }

    @Override
    public boolean deliver(byte[] f, int offset, int length) {
        return deliver(f, offset, length, FrameChecksum.NONE);
    }

    /** From the bridge: a frame for the frontend. */
    @Override
    public boolean deliver(byte[] f, int offset, int length, int checksum) {
        if (!running) return false;
        if (!rxQueue.offer(f, offset, length, checksum)) {
            counters.txDropped.incrementAndGet(); // xenvif_start_xmit's drop: the frontend's queue is full
            return false;
        }
        kick();
        return true;
    }

    void kick() {
        kicked = true;
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }

    private void run() {
        try {
            while (running) {
                kicked = false;
                boolean did = txWork();
                did |= rxWork();
                if (did) continue;
                if (!waitingCredit && tx.finalCheckForRequests()) continue;
                if (!rxQueue.isEmpty() && rx.finalCheckForRequests(slotsFor(rxQueue.headLength()))) continue;
                long wait = waitingCredit ? Math.max(1000, credit.waitNanos(clock.getAsLong())) : 1_000_000_000L;
                if (!kicked && running) LockSupport.parkNanos(this, wait);
            }
        } catch (RingOverflowException e) {
            fatal(e.getMessage());
        } catch (IllegalStateException e) {
            // a page unmapped under us: stop() is releasing the rings, or the domain is gone
            if (running) fatal("ring no longer mapped: " + e.getMessage());
        } catch (RuntimeException e) {
            fatal("netback internal error: " + e);
        }
    }

    private void fatal(String why) {
        if (!running) return;
        running = false;
        owner.fatal(this, why);
    }

    // ---- transmit (frontend to bridge) ----

    private boolean txWork() throws RingOverflowException {
        boolean did = false;
        for (int budget = TX_BUDGET; budget > 0 && running; budget--) {
            if (!pending) {
                int avail = tx.unconsumedRequests();
                if (avail == 0) break;
                if (!takePacket(avail)) return did;
                pending = true;
                did = true;
            }
            if (packetStatus == RSP_OKAY && !credit.take(packetSize, clock.getAsLong())) {
                waitingCredit = true;
                break;
            }
            waitingCredit = false;
            pending = false;
            finishPacket();
            did = true;
        }
        if (did && tx.pushResponses()) port.send();
        return did;
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    private static int s32(byte[] b, int off) {
        return u16(b, off) | u16(b, off + 2) << 16;
    }

    /**
     * Takes one packet's requests (first, extras, fragments) into private arrays and checks
     * them; false if the frontend is hostile (then the vif has stopped).
     */
    private boolean takePacket(int avail) throws RingOverflowException {
        tx.takeRequest(req);
        int consumed = 1;
        slots = 1;
        extras = 0;
        slotGref[0] = s32(req, TX_REQ_GREF);
        slotOffset[0] = u16(req, TX_REQ_OFFSET);
        packetFlags = u16(req, TX_REQ_FLAGS);
        slotId[0] = u16(req, TX_REQ_ID);
        packetSize = u16(req, TX_REQ_SIZE);
        packetStatus = RSP_OKAY;
        boolean gso = false;
        if ((packetFlags & NETTXF_EXTRA_INFO) != 0) {
            boolean more = true;
            while (more) {
                if (consumed >= avail) {
                    fatal("Missing extra info");
                    return false;
                }
                tx.takeRequest(req);
                consumed++;
                extras++;
                int type = req[EXTRA_TYPE] & 0xFF;
                if (type == EXTRA_TYPE_NONE || type >= EXTRA_TYPE_MAX) {
                    fatal("Invalid extra type: " + type);
                    return false;
                }
                if (type == EXTRA_TYPE_GSO) gso = true;
                more = (req[EXTRA_FLAGS] & EXTRA_FLAG_MORE) != 0;
            }
        }
        int firstLength = packetSize;
        boolean more = (packetFlags & NETTXF_MORE_DATA) != 0;
        while (more) {
            if (slots >= FATAL_SLOTS) {
                fatal("Malicious frontend using " + (slots + 1) + " slots, threshold " + FATAL_SLOTS);
                return false;
            }
            if (consumed >= avail) {
                fatal("Asked for " + (slots + 1) + " slots but exceeds this limit (" + avail + " published)");
                return false;
            }
            tx.takeRequest(req);
            consumed++;
            int s = slots++;
            slotGref[s] = s32(req, TX_REQ_GREF);
            slotOffset[s] = u16(req, TX_REQ_OFFSET);
            slotId[s] = u16(req, TX_REQ_ID);
            slotLength[s] = u16(req, TX_REQ_SIZE);
            more = (u16(req, TX_REQ_FLAGS) & NETTXF_MORE_DATA) != 0;
            if (slotLength[s] > firstLength) {
                fatal("Packet is bigger than frame: fragment of " + slotLength[s] + " with " + firstLength + " left");
                return false;
            }
            firstLength -= slotLength[s];
            if (slotOffset[s] + slotLength[s] > PageView.SIZE) {
                fatal("Cross page boundary, offset: " + slotOffset[s] + ", size: " + slotLength[s]);
                return false;
            }
        }
        slotLength[0] = firstLength;
        if (slotOffset[0] + firstLength > PageView.SIZE) {
            fatal("Cross page boundary, offset: " + slotOffset[0] + ", size: " + firstLength);
            return false;
        }
        if (packetSize < Bridge.MIN_FRAME || packetSize > maxFrame || slots > NR_SLOTS_MIN || gso) {
            packetStatus = RSP_ERROR; // answered and dropped: netback's "Bad packet size", drop_err, no GSO offered
        }
        return true;
    }

    private void finishPacket() {
        int status = packetStatus;
        if (status == RSP_OKAY) {
            int pos = 0;
            try {
                for (int s = 0; s < slots; s++) {
                    grants.copyFrom(domid, slotGref[s], slotOffset[s], frame, pos, slotLength[s]);
                    pos += slotLength[s];
                }
            } catch (GrantException e) {
                status = RSP_ERROR;
            }
            if (status == RSP_OKAY) {
                int checksum = FrameChecksum.NONE;
                if ((packetFlags & NETTXF_CSUM_BLANK) != 0) {
                    // checksum_setup: the frame cannot be set up (not TCP/UDP over IPv4) goes on as it is
                    if (FrameChecksum.setupPartial(frame, 0, pos)) checksum = FrameChecksum.PARTIAL;
                } else if ((packetFlags & NETTXF_DATA_VALIDATED) != 0) {
                    checksum = FrameChecksum.VALIDATED;
                }
                if (mac != 0 && MacAddress.read(frame, 6) != mac) {
                    counters.rxDropped++; // one MAC per vif: a frame from another source is not forwarded
                } else {
                    counters.rxPackets++; // counted before it leaves, as xenvif_tx_submit does
                    counters.rxBytes += pos;
                    switchPort.send(frame, 0, pos, checksum);
                }
            }
        }
        if (status != RSP_OKAY) counters.rxErrors++;
        traceFrame(Trace.TRC_OXEN_NETBACK_TX, packetSize, status);
        respond(slotId[0], status);
        for (int e = 0; e < extras; e++) respond(slotId[0], RSP_NULL);
        for (int s = 1; s < slots; s++) respond(slotId[s], status);
    }

    /** Trace point of a frame from ({@code TX}) or to ({@code RX}) the guest: {domid, devid, bytes, status}. */
    private void traceFrame(int event, int bytes, int status) {
        if (trace != null && trace.on(Trace.TRC_OXEN_BACKEND)) trace.trace4(event, domid, devid, bytes, status);
    }

    private void respond(int id, int status) {
        txRsp[0] = (byte) id;
        txRsp[1] = (byte) (id >> 8);
        txRsp[2] = (byte) status;
        txRsp[3] = (byte) (status >> 8);
        tx.putResponse(txRsp);
    }

    // ---- receive (bridge to frontend) ----

    /** The rx slots a frame takes: a page each (xenvif_rx_ring_slots_available's need). */
    private static int slotsFor(int length) {
        return (length + PageView.SIZE - 1) / PageView.SIZE;
    }

    /**
     * Gives queued frames to the frontend while it has posted enough requests for the head
     * frame: each slot filled from offset 0 with up to a page, the response's status its own
     * length, NETRXF_more_data on every slot but the last and the checksum flags on the first
     * (xenvif_rx_skb, xenvif_rx_data_slot).
     */
    private boolean rxWork() throws RingOverflowException {
        boolean did = false;
        while (running && !rxQueue.isEmpty()) {
            byte[] ring = rxQueue.ring();
            int start = rxQueue.headStart();
            int len = rxQueue.headLength();
            int checksum = rxQueue.headChecksum();
            int needed = slotsFor(len);
            if (rx.unconsumedRequests() < needed) break;
            int csumFlags = checksum == FrameChecksum.PARTIAL ? NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED
                    : checksum == FrameChecksum.VALIDATED ? NETRXF_DATA_VALIDATED : 0;
            boolean failed = false;
            for (int slot = 0, done = 0; slot < needed; slot++) {
                rx.takeRequest(rxReq);
                int id = u16(rxReq, RX_REQ_ID);
                int gref = s32(rxReq, RX_REQ_GREF);
                int chunk = Math.min(PageView.SIZE, len - done);
                int status = chunk;
                if (!failed) {
                    try {
                        grants.copyTo(domid, gref, 0, ring, start + done, chunk);
                    } catch (GrantException e) {
                        failed = true;
                    }
                }
                if (failed) status = RSP_ERROR; // this slot and the rest of the frame's
                done += chunk;
                int flags = (done < len ? NETRXF_MORE_DATA : 0) | (slot == 0 ? csumFlags : 0);
                rxRsp[0] = (byte) id;
                rxRsp[1] = (byte) (id >> 8);
                rxRsp[2] = 0; // offset
                rxRsp[3] = 0;
                rxRsp[4] = (byte) flags;
                rxRsp[5] = (byte) (flags >> 8);
                rxRsp[6] = (byte) status;
                rxRsp[7] = (byte) (status >> 8);
                rx.putResponse(rxRsp);
            }
            if (failed) {
                counters.txErrors++;
            } else {
                counters.txPackets++; // before the response is pushed: the frontend never sees a frame uncounted
                counters.txBytes += len;
            }
            rxQueue.release();
            traceFrame(Trace.TRC_OXEN_NETBACK_RX, len, failed ? RSP_ERROR : RSP_OKAY);
            did = true;
        }
        if (did && rx.pushResponses()) port.send();
        return did;
    }

    // ---- teardown ----

    int rxQueued() {
        return rxQueue.size();
    }

    /** Stops serving and releases the port, the event channel and both rings. Idempotent. */
    void stop() {
        if (!stopped.compareAndSet(false, true)) return;
        running = false;
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            LockSupport.unpark(t);
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (switchPort != null) switchPort.close();
        if (port != null) port.close();
        txMap.close();
        rxMap.close();
        rxQueue.clear();
    }

    @Override
    public String toString() {
        return name;
    }
}
