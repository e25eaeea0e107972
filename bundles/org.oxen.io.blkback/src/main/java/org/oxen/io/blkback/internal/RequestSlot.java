package org.oxen.io.blkback.internal;

import static org.oxen.io.blkback.blkif.Blkif.*;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.oxen.io.blkback.blkif.Blkif;
import org.oxen.io.blkback.blkif.BlkifRequest;
import org.oxen.storage.api.BlockImage;
import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.PageView;
import org.oxen.vmm.api.trace.HypervisorTrace;

/**
 * One request of a connection from the ring slot to its response (Linux xen-blkback's
 * pending_req): a private copy of the slot (RING_COPY_REQUEST), the decoded request, its data
 * buffer, and its response. A connection has a fixed set of these, one per request it may have in
 * flight at the disk ({@link BlkifServer}); nothing is allocated per request.
 *
 * <p>Either served whole by {@link #serve()} (what the ring's thread does itself: flushes,
 * barriers, discards, anything unknown, and every request when the queue depth is 1 or on a
 * notifying thread), or in three steps for READ, WRITE and INDIRECT: {@link #prepare()} checks
 * the request and gathers a write's data (holding the connection's lock), {@link #transfer()}
 * does the image's read or write (no lock: several slots at once), {@link #finish()} scatters a
 * read's data and makes the response (holding the lock again).
 *
 * <p>Every request is checked before anything is done (dispatch_rw_block_io and
 * xen_vbd_translate): a known operation (else BLKIF_RSP_EOPNOTSUPP), a segment count within the
 * limit (1..11 direct, 1..the advertised indirect maximum, none only for a flush or barrier),
 * each segment within its page ({@code first_sect <= last_sect < 8}), the sector range within
 * the disk without wrapping, no write, flush or discard to a read-only disk, grants the frontend
 * gave Domain-0 with the access the operation needs; anything else is answered with
 * BLKIF_RSP_ERROR and the disk is not touched.
 *
 * <p>Data moves through one direct buffer of the largest request the connection allows,
 * page-aligned (an O_DIRECT image requires it), allocated when the slot is first used: one bulk
 * copy per segment between it and the guest's frame (grant copy, GNTTABOP_copy, for ordinary
 * grants; the mapped page for persistent ones), and the request's one positional read or write of
 * the image straight from it (a heap buffer would make the JDK copy it once more).
 *
 * <p>Locking: none of its own; used by one thread at a time, handed over through the
 * connection's lock ({@link BlkifServer}), which guards the persistent grants and the counters.
 */
final class RequestSlot {

    /** What every slot of a connection shares. */
    record Disk(String name, int domid, int devid, GrantTables grants, HypervisorTrace trace, BlockImage image,
            BlkifServer.Limits limits, VbdCounters counters, PersistentGrants persistent) {
    }

    private final Disk disk;
    /** The private copy of the ring slot ({@code BackRing.takeRequest}). */
    final byte[] slot = new byte[REQUEST_SIZE];
    /** The response, made by {@link #serve()} or {@link #finish()}. */
    final byte[] rsp = new byte[RESPONSE_SIZE];
    final BlkifRequest req;
    private final byte[] indirect = new byte[4096];
    private final int maxSegments;
    /** The request's bytes in storage order; allocated at first use. */
    private ByteBuffer data;

    // the image transfer prepared by prepare(), done by transfer()
    /** OP_READ or OP_WRITE. */
    private int ioOp;
    /** The transfer's first sector and sector count. */
    private long start, sectors;
    private long ioNanos;
    private Exception ioFailure;

    RequestSlot(Disk disk) {
        this.disk = disk;
        this.maxSegments = Math.max(MAX_SEGMENTS_PER_REQUEST, disk.limits().maxIndirectSegments());
        this.req = new BlkifRequest(maxSegments);
    }

    /** Whether a taken request (decoded) is one {@link #prepare()} can send to the disk concurrently. */
    static boolean concurrent(int op) {
        return op == OP_READ || op == OP_WRITE || op == OP_INDIRECT;
    }

    /** Whether this prepared transfer and {@code o}'s overlap with at least one of them a write. */
    boolean conflictsWith(RequestSlot o) {
        return (ioOp == OP_WRITE || o.ioOp == OP_WRITE) && start < o.start + o.sectors && o.start < start + sectors;
    }

    private ByteBuffer data() {
        if (data == null) {
            int align = Math.max(PageView.SIZE, disk.image().requestAlignment());
            data = ByteBuffer.allocateDirect(maxSegments * PageView.SIZE + align - 1).alignedSlice(align);
        }
        return data;
    }

    /** Serves the request in {@link #slot} whole and makes its response in {@link #rsp}. */
    void serve() {
        req.decode(slot);
        int op = req.operation();
        respond(switch (op) {
            case OP_READ, OP_WRITE -> readWrite(op, false, false);
            case OP_WRITE_BARRIER -> disk.limits().flush() ? readWrite(OP_WRITE, true, true) : RSP_EOPNOTSUPP;
            case OP_FLUSH_DISKCACHE -> disk.limits().flush() ? readWrite(OP_WRITE, true, false) : RSP_EOPNOTSUPP;
            case OP_DISCARD -> disk.limits().discard() ? discard() : RSP_EOPNOTSUPP;
            case OP_INDIRECT -> {
                int rc = loadIndirect();
                yield rc == RSP_OKAY ? readWrite(req.indirectOp(), false, false) : rc;
            }
            default -> RSP_EOPNOTSUPP;
        });
    }

    /**
     * Checks a READ, WRITE or INDIRECT request (in {@link #slot}) and gathers a write's data:
     * true if its transfer is to be done ({@link #transfer()}, then {@link #finish()}); false if
     * it was refused, its response made.
     */
    boolean prepare() {
        req.decode(slot);
        int op = req.operation(), rc = RSP_OKAY;
        if (op == OP_INDIRECT) {
            rc = loadIndirect();
            op = req.indirectOp();
        }
        if (rc == RSP_OKAY) rc = check(op, false);
        if (rc == RSP_OKAY && op == OP_WRITE) {
            long t = System.nanoTime();
            rc = gather(req.nrSegments());
            disk.counters().copyNanos += System.nanoTime() - t;
        }
        if (rc != RSP_OKAY) {
            respond(rc);
            return false;
        }
        ioOp = op;
        return true;
    }

    /** The prepared transfer between the image and the data buffer; takes no lock. */
    void transfer() {
        ByteBuffer buf = data();
        buf.clear().limit((int) (sectors << SECTOR_SHIFT));
        long t = System.nanoTime();
        ioFailure = null;
        try {
            if (ioOp == OP_WRITE) disk.image().write(start << SECTOR_SHIFT, buf);
            else disk.image().read(start << SECTOR_SHIFT, buf);
        } catch (IOException | RuntimeException e) {
            ioFailure = e;
        }
        ioNanos = System.nanoTime() - t;
    }

    /** After {@link #transfer()}: scatters a read's data, counts, and makes the response. */
    void finish() {
        VbdCounters c = disk.counters();
        c.ioNanos += ioNanos;
        int rc;
        if (ioFailure != null) {
            rc = reject(opName(req.operation()) + " at sector " + Long.toUnsignedString(start) + ": " + ioFailure);
        } else if (ioOp == OP_WRITE) {
            c.writes++;
            c.sectorsWritten += sectors;
            rc = RSP_OKAY;
        } else {
            long t = System.nanoTime();
            rc = scatter(req.nrSegments());
            c.copyNanos += System.nanoTime() - t;
            if (rc == RSP_OKAY) {
                c.reads++;
                c.sectorsRead += sectors;
            }
        }
        respond(rc);
    }

    private void respond(int status) {
        if (status == RSP_EOPNOTSUPP) disk.counters().unsupported++;
        int op = req.operation();
        int answered = op == OP_INDIRECT ? req.indirectOp() : op;
        Blkif.encodeResponse(rsp, req.id(), answered, status);
        HypervisorTrace trace = disk.trace();
        if (trace != null && trace.on(Trace.TRC_OXEN_BACKEND)) {
            trace.trace5(Trace.TRC_OXEN_BLKBACK_REQUEST, disk.domid(), disk.devid(), answered, req.nrSegments(), status);
        }
    }

    /** Copies an INDIRECT request's segment descriptors from its indirect pages into {@link #req}. */
    private int loadIndirect() {
        int max = disk.limits().maxIndirectSegments();
        if (max == 0) return RSP_EOPNOTSUPP;
        int op = req.indirectOp();
        if (op != OP_READ && op != OP_WRITE) return reject("indirect request with indirect_op " + op);
        int n = req.nrSegments();
        if (n == 0 || n > max) return reject("indirect request with " + n + " segments (1.." + max + ")");
        int pages = req.indirectPages();
        for (int p = 0; p < pages; p++) {
            int inPage = Math.min(SEGMENTS_PER_INDIRECT_FRAME, n - p * SEGMENTS_PER_INDIRECT_FRAME);
            try {
                disk.grants().copyFrom(disk.domid(), req.indirectGref(p), 0, indirect, 0, inPage * SEGMENT_SIZE);
            } catch (GrantException e) {
                return reject("indirect page " + p + " (gref " + req.indirectGref(p) + "): " + e.getMessage());
            }
            for (int s = 0; s < inPage; s++) {
                req.setSegment(p * SEGMENTS_PER_INDIRECT_FRAME + s, indirect, s * SEGMENT_SIZE);
            }
        }
        return RSP_OKAY;
    }

    /**
     * Checks a read or write of the request's segments ({@code flush}: a flush or barrier, which
     * may carry none) and sets {@link #start} and {@link #sectors}.
     */
    private int check(int op, boolean flush) {
        int n = req.nrSegments();
        boolean direct = req.operation() != OP_INDIRECT;
        if ((n == 0 && !flush) || (direct && n > MAX_SEGMENTS_PER_REQUEST)) {
            return reject(opName(req.operation()) + " with " + n + " segments");
        }
        if (op == OP_WRITE && disk.limits().readOnly()) return reject(opName(req.operation()) + " to a read-only disk");
        long count = 0;
        for (int i = 0; i < n; i++) {
            int first = req.firstSect(i), last = req.lastSect(i);
            if (last >= SECTORS_PER_PAGE || last < first) {
                return reject("segment " + i + " has first_sect " + first + ", last_sect " + last);
            }
            count += last - first + 1;
        }
        long from = req.sector(), end = from + count;
        if (count > 0 && (Long.compareUnsigned(end, from) < 0 || Long.compareUnsigned(end, disk.limits().sectors()) > 0)) {
            return reject("sectors " + Long.toUnsignedString(from) + "+" + count + " beyond the disk's "
                    + disk.limits().sectors());
        }
        start = from;
        sectors = count;
        return RSP_OKAY;
    }

    /**
     * A read or write of the request's segments served whole; {@code preflush} flushes first (a
     * flush or barrier, which may carry no segments), {@code postflush} after the data (a barrier).
     */
    private int readWrite(int op, boolean preflush, boolean postflush) {
        int rc = check(op, preflush);
        if (rc != RSP_OKAY) return rc;
        VbdCounters c = disk.counters();
        int n = req.nrSegments();
        try {
            if (preflush) {
                long t = System.nanoTime();
                disk.image().flush();
                c.flushNanos += System.nanoTime() - t;
                c.flushes++;
            }
            if (sectors > 0) {
                ByteBuffer buf = data();
                int bytes = (int) (sectors << SECTOR_SHIFT);
                long t0 = System.nanoTime(), t1, t2;
                if (op == OP_WRITE) {
                    rc = gather(n);
                    if (rc != RSP_OKAY) return rc;
                    buf.clear().limit(bytes);
                    t1 = System.nanoTime();
                    disk.image().write(start << SECTOR_SHIFT, buf);
                    t2 = System.nanoTime();
                    c.copyNanos += t1 - t0;
                    c.ioNanos += t2 - t1;
                    c.writes++;
                    c.sectorsWritten += sectors;
                } else {
                    buf.clear().limit(bytes);
                    disk.image().read(start << SECTOR_SHIFT, buf);
                    t1 = System.nanoTime();
                    rc = scatter(n);
                    if (rc != RSP_OKAY) return rc;
                    t2 = System.nanoTime();
                    c.ioNanos += t1 - t0;
                    c.copyNanos += t2 - t1;
                    c.reads++;
                    c.sectorsRead += sectors;
                }
            }
            if (postflush) {
                long t = System.nanoTime();
                disk.image().flush();
                c.flushNanos += System.nanoTime() - t;
            }
            return RSP_OKAY;
        } catch (IOException | RuntimeException e) {
            return reject(opName(req.operation()) + " at sector " + Long.toUnsignedString(start) + ": " + e);
        }
    }

    /** Copies each segment's bytes from the frontend's pages into the data buffer, in order. */
    private int gather(int n) {
        return copySegments(n, false);
    }

    /** Copies the data buffer into each segment's bytes of the frontend's pages, in order. */
    private int scatter(int n) {
        return copySegments(n, true);
    }

    private int copySegments(int n, boolean toGuest) {
        ByteBuffer buf = data().clear();
        PersistentGrants persistent = disk.persistent();
        int at = 0;
        for (int i = 0; i < n; i++) {
            int off = req.firstSect(i) << SECTOR_SHIFT;
            int len = (req.lastSect(i) - req.firstSect(i) + 1) << SECTOR_SHIFT;
            int gref = req.gref(i);
            try {
                PageView page = persistent == null ? null : persistent.page(gref);
                buf.limit(at + len).position(at);
                if (page != null) {
                    if (toGuest) page.put(off, buf);
                    else page.get(off, buf);
                } else if (toGuest) {
                    disk.grants().copyTo(disk.domid(), gref, off, buf);
                } else {
                    disk.grants().copyFrom(disk.domid(), gref, off, buf);
                }
            } catch (GrantException e) {
                return reject("segment " + i + " (gref " + Integer.toUnsignedString(gref) + "): " + e.getMessage());
            }
            at += len;
        }
        return RSP_OKAY;
    }

    private int discard() {
        if (disk.limits().readOnly()) return reject("discard on a read-only disk");
        if ((req.discardFlag() & DISCARD_SECURE) != 0) return reject("secure discard (discard-secure is 0)");
        long from = req.sector(), count = req.discardSectors();
        long end = from + count;
        if (Long.compareUnsigned(end, from) < 0 || Long.compareUnsigned(end, disk.limits().sectors()) > 0) {
            return reject("discard of sectors " + Long.toUnsignedString(from) + "+" + Long.toUnsignedString(count)
                    + " beyond the disk's " + disk.limits().sectors());
        }
        try {
            if (count > 0) disk.image().discard(from << SECTOR_SHIFT, count << SECTOR_SHIFT);
            disk.counters().discards++;
            return RSP_OKAY;
        } catch (IOException | RuntimeException e) {
            return reject("discard at sector " + from + ": " + e);
        }
    }

    /**
     * A request refused: BLKIF_RSP_ERROR, and the reason logged (rate-limited: the first few per
     * connection, then every 1000th, so a hostile frontend cannot flood the log).
     */
    private int reject(String why) {
        long n = disk.counters().errors++;
        if (n < 8 || n % 1000 == 0) {
            System.err.println("blkback " + disk.name() + ": request " + Long.toUnsignedString(req.id()) + " refused: "
                    + why + (n == 7 ? " (further refusals are logged every 1000th)" : ""));
        }
        return RSP_ERROR;
    }
}
