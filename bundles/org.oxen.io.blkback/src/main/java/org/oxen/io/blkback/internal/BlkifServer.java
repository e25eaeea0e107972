package org.oxen.io.blkback.internal;

import static org.oxen.io.blkback.blkif.Blkif.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.oxen.io.blkback.blkif.Blkif;
import org.oxen.io.blkback.blkif.BlkifRequest;
import org.oxen.io.ring.BackRing;
import org.oxen.io.ring.RingOverflowException;
import org.oxen.storage.api.BlockImage;
import org.oxen.vmm.api.EventListener;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.backend.PageView;
import org.oxen.vmm.api.trace.HypervisorTrace;
import org.oxen.vmm.abi.Trace;

/**
 * One connected blkif ring served (Linux xen-blkback's xen_blkif_schedule and
 * __do_block_io_op): a service thread takes each request as a private copy, validates it,
 * performs it on the {@link BlockImage} and answers it, in ring order, pushing each response and
 * notifying the frontend if it asked; after ring.h's final check it spins for
 * {@link #SPIN_NANOS} (the frontend's next batch usually comes that soon), unless
 * {@link AdaptiveSpin} says recent spins caught nothing, and then sleeps until the frontend's
 * event.
 *
 * <p>Every request is checked before anything is done (dispatch_rw_block_io and
 * xen_vbd_translate): a known operation (else BLKIF_RSP_EOPNOTSUPP), a segment count within the
 * limit (1..11 direct, 1..the advertised indirect maximum, none only for a flush or barrier),
 * each segment within its page ({@code first_sect <= last_sect < 8}), the sector range within
 * the disk without wrapping, no write, flush or discard to a read-only disk, grants the frontend
 * gave Domain-0 with the access the operation needs; anything else is answered with
 * BLKIF_RSP_ERROR and the disk is not touched. A frontend whose req_prod runs ahead of the ring
 * (RING_REQUEST_PROD_OVERFLOW) is hostile: this ring's processing halts, as Linux's does,
 * and {@code onHalt} is told why.
 *
 * <p>Data moves through one direct buffer of the largest request this connection allows,
 * allocated at connect: one bulk copy per segment between it and the guest's frame (grant copy,
 * GNTTABOP_copy, for ordinary grants; the mapped page for persistent ones), and the request's
 * one positional read or write of the image straight from it (a heap buffer would make the JDK
 * copy it once more through a temporary direct buffer). Nothing is allocated per request. Each answered request is a trace record
 * (TRC_OXEN_BLKBACK_REQUEST {domid, devid, operation, segments, status}) when the hypervisor
 * traces the backend class: with tracing off, one volatile read and a branch.
 *
 * <p><b>Served on the notifying thread.</b> A kick that finds nobody serving the ring
 * ({@link #onEvent}, on the frontend's own vcpu thread) serves it there and then, up to
 * {@link #INLINE_SEGMENTS} segments of reads and writes, before the event hypercall returns: the
 * guest finds its responses when it looks, and neither side waits for the host to schedule the
 * other's thread (two hand-offs per batch, 1-10 ms each on a loaded host). Xen's blkback runs in
 * Domain 0 on another CPU; here the frontend's vcpu pays the backend's work, which the scheduler
 * charges to it, as QEMU's vcpu thread pays a virtqueue kick it handles itself. What would hold the
 * vcpu's pCPU for long is left to the service thread: flushes, barriers and discards (a flush is an
 * fsync), the rest of a batch beyond the budget, and any kick from a thread with its interrupt
 * set (an interrupted thread's FileChannel I/O would close the image's channel). The service thread
 * takes every kick that finds the ring busy, and the ring after a hand-off.
 *
 * <p>Design/Locking: the ring, the image, the persistent grants, the request buffers and the
 * counters are guarded by {@link #serving}: the service thread holds it while it serves, a
 * notifying thread only if {@code tryLock} succeeds (it never waits for it); a request a notifying
 * thread took but leaves to the service thread is {@link #heldOver} in {@link #slot}. The
 * service thread never holds the lock while it spins or parks. {@link #stop} waits for the thread
 * and then for the lock (every request taken is answered and pushed, one held over included)
 * before the caller unmaps anything. Counters are read anywhere (volatile, one writer at a time).
 */
final class BlkifServer implements EventListener, Runnable {

    /** What a connection allows, fixed at connect. */
    record Limits(long sectors, boolean readOnly, boolean flush, boolean discard, int maxIndirectSegments,
            boolean persistent, int maxPersistentGrants) {
    }

    /** How long the service thread looks for the frontend's next request before parking. */
    static final long SPIN_NANOS = 50_000;

    /**
     * Segments (4 KiB each) a notifying thread serves per kick before it leaves the rest of the
     * ring to the service thread: 4 MiB, four of the largest indirect requests, about a
     * millisecond of page-cache copying, so a guest cannot hold its pCPU in blkback for long.
     */
    static final int INLINE_SEGMENTS = 1024;

    private final String name;
    private final int domid;
    private final int devid;
    /** The hypervisor's trace buffers (a TRC_OXEN_BLKBACK_REQUEST per request answered), or null. */
    private final HypervisorTrace trace;
    private final GrantTables grants;
    private final BackRing ring;
    private final BlockImage image;
    private final Limits limits;
    private final VbdCounters counters;
    private final Consumer<String> onHalt;
    /** Whether a kick finding the ring idle is served on the notifying thread. */
    private final boolean inline;
    /** Held by whoever serves the ring: the service thread, or a notifying thread that got it. */
    private final ReentrantLock serving = new ReentrantLock();
    /** A request a notifying thread took into {@link #slot} and left to the service thread. */
    private boolean heldOver;
    private final PersistentGrants persistent;
    private final BlkifRequest req;
    private final byte[] slot = new byte[REQUEST_SIZE];
    private final byte[] rsp = new byte[RESPONSE_SIZE];
    private final byte[] indirect = new byte[4096];
    /** The request's bytes in storage order: direct, so the image's file I/O moves them with no bounce copy. */
    private final ByteBuffer data;
    private final Thread thread;
    private volatile EventPort port;
    private volatile boolean running = true;
    private volatile boolean kicked;
    /** When the frontend's event came while the thread was waiting (0: none since it last ran). */
    private volatile long kickedAt;
    private volatile String halted;
    private final AdaptiveSpin spin = new AdaptiveSpin();
    /** Responses put on the ring by this connection (the service thread writes, {@link #stop} publishes). */
    private volatile long answeredHere;

    /** @param inline whether kicks finding the ring idle are served on the notifying thread */
    BlkifServer(String name, int domid, int devid, GrantTables grants, HypervisorTrace trace, BackRing ring, BlockImage image,
            Limits limits, VbdCounters counters, Consumer<String> onHalt, boolean inline) {
        this.inline = inline;
        this.name = name;
        this.domid = domid;
        this.devid = devid;
        this.trace = trace;
        this.grants = grants;
        this.ring = ring;
        this.image = image;
        this.limits = limits;
        this.counters = counters;
        this.onHalt = onHalt;
        this.persistent = limits.persistent() ? new PersistentGrants(grants, domid, limits.maxPersistentGrants()) : null;
        int maxSegs = Math.max(MAX_SEGMENTS_PER_REQUEST, limits.maxIndirectSegments());
        this.req = new BlkifRequest(maxSegs);
        // page-aligned (and block-aligned), as an image opened with O_DIRECT requires of its buffer
        int align = Math.max(PageView.SIZE, image.requestAlignment());
        this.data = ByteBuffer.allocateDirect(maxSegs * PageView.SIZE + align - 1).alignedSlice(align);
        this.thread = new Thread(this, "blkback " + name);
        thread.setDaemon(true);
    }

    /** Starts serving; {@code port} is the bound event channel (its bind-time event scans the ring). */
    void start(EventPort port) {
        this.port = port;
        thread.start();
    }

    @Override
    public void onEvent(EventPort p) {
        if (inline && serveOnNotifier()) return;
        counters.handOffs++;
        if (kickedAt == 0) kickedAt = System.nanoTime();
        kicked = true;
        LockSupport.unpark(thread);
    }

    /**
     * Serves the ring on the notifying thread if nobody is serving it; true if it is left empty
     * with req_event armed (nothing for the service thread to do), false if the service thread
     * must take over (busy, a request left to it, the budget spent, or this thread interrupted).
     */
    private boolean serveOnNotifier() {
        Thread me = Thread.currentThread();
        if (me == thread || me.isInterrupted() || halted != null || port == null || !serving.tryLock()) return false;
        try {
            if (!running || heldOver) return false;
            return !serveRing(true);
        } catch (RingOverflowException e) {
            halt(e);
            return true;
        } catch (IllegalStateException e) {
            // the ring's pages were taken away under us: the service thread finds the same
            return false;
        } catch (RuntimeException e) {
            // never into the guest's hypercall: this ring is not served again, as for a hostile one
            halt("serving d" + domid + "'s ring failed: " + e + "; halting ring processing");
            return true;
        } finally {
            serving.unlock();
        }
    }

    /**
     * Stops after the request being served (answered and pushed); then releases the persistent
     * grants. Waits for the service thread even if the caller is interrupted (the interrupt is
     * kept): the caller unmaps the ring next, and a response pushed after the frontend took the
     * old ring's last answers would be a request it runs again on the next ring.
     */
    void stop() {
        running = false;
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
        // a notifying thread may be serving: wait for it (it stops after its request, seeing
        // running false); a request it took and left to the service thread is answered here
        serving.lock();
        try {
            if (heldOver && halted == null) {
                heldOver = false;
                try {
                    answer();
                } catch (IllegalStateException e) {
                    // the ring is gone: the frontend resubmits it on its next ring
                }
            }
            if (persistent != null) persistent.clear();
        } finally {
            serving.unlock();
        }
    }

    /** Responses this connection put on the ring (read after {@link #stop()}). */
    long answered() {
        return answeredHere;
    }

    /** Why ring processing halted (a hostile frontend), or null. */
    String halted() {
        return halted;
    }

    int persistentGrants() {
        return persistent == null ? 0 : persistent.size();
    }

    @Override
    public void run() {
        try {
            while (running && halted == null) {
                boolean more;
                serving.lock();
                try {
                    more = running && serveRing(false);
                } finally {
                    serving.unlock();
                }
                if (!more && running) waitForKick();
            }
        } catch (RingOverflowException e) {
            halt(e);
        } catch (IllegalStateException e) {
            // the ring's pages were taken away under us (the domain was destroyed): stop serving
            if (running) System.err.println("blkback " + name + ": ring gone: " + e.getMessage());
        }
    }

    /**
     * Serves requests in ring order until the ring is empty with req_event armed (ring.h's final
     * check: returns false) or, on a notifying thread ({@code notifier}), until a request it
     * leaves to the service thread is taken or its budget is spent (returns true: the service
     * thread carries on). On the service thread a held-over request is answered first. Holds
     * {@link #serving}.
     */
    private boolean serveRing(boolean notifier) throws RingOverflowException {
        long start = System.nanoTime();
        int served = 0, budget = INLINE_SEGMENTS;
        try {
            if (heldOver) {
                heldOver = false;
                answer();
                served++;
            }
            while (running) {
                int n = ring.unconsumedRequests();
                if (n == 0) {
                    if (!ring.finalCheckForRequests()) return false;
                    continue;
                }
                for (int i = 0; i < n && running; i++) {
                    if (notifier && budget <= 0) return true; // spent, and more is waiting
                    ring.takeRequest(slot);
                    if (notifier && leftToServiceThread(slot[REQ_OPERATION] & 0xFF)) {
                        heldOver = true;
                        return true;
                    }
                    answer();
                    served++;
                    if (notifier) {
                        counters.inlineRequests++;
                        budget -= Math.max(1, req.nrSegments());
                    }
                }
            }
            return false;
        } finally {
            if (served > 0) {
                counters.busyNanos += System.nanoTime() - start;
                counters.batches++;
                if (notifier) counters.inlineBatches++;
            }
        }
    }

    /** What a notifying thread does not serve: an fsync, or a discard, would hold its pCPU. */
    private static boolean leftToServiceThread(int op) {
        return op == OP_FLUSH_DISKCACHE || op == OP_WRITE_BARRIER || op == OP_DISCARD;
    }

    /** Serves the request in {@link #slot} and pushes its response (make_response). */
    private void answer() {
        serve();
        ring.putResponse(rsp);
        // each response published at once (make_response): the frontend may reuse its slot
        boolean notify = ring.pushResponses();
        // counted once published: a ring taken away under the push (IllegalStateException)
        // leaves a response the frontend never saw, which must not be counted as given
        counters.answered++;
        answeredHere++;
        if (notify) port.send();
    }

    /**
     * With the ring empty and req_event armed (the frontend's next push kicks us): a frontend
     * that keeps its ring busy usually does so within microseconds, so spin that long before
     * parking, which costs a thread wake-up per batch on a loaded host, unless the last spins
     * caught nothing (then each would only burn its time).
     */
    private void waitForKick() {
        if (spin.shouldSpin()) {
            long spinStart = System.nanoTime(), spinEnd = spinStart + SPIN_NANOS;
            while (running && !kicked && System.nanoTime() - spinEnd < 0) Thread.onSpinWait();
            spin.spun(kicked);
            counters.spinNanos += System.nanoTime() - spinStart;
        }
        if (running && !kicked) {
            long parkStart = System.nanoTime();
            while (running && !kicked) LockSupport.park(this);
            long woke = System.nanoTime(), at = kickedAt;
            counters.parkedNanos += woke - parkStart;
            counters.parks++;
            if (at != 0) counters.wakeNanos += woke - Math.max(at, parkStart);
        }
        kicked = false;
        kickedAt = 0;
    }

    private void halt(RingOverflowException e) {
        halt("frontend d" + domid + " provided bogus ring requests: " + e.getMessage() + "; halting ring processing");
    }

    private void halt(String why) {
        halted = why;
        onHalt.accept(why);
        kicked = true; // a parked service thread wakes and ends
        LockSupport.unpark(thread);
    }

    /** Answers the request in {@link #slot} into {@link #rsp}. */
    private void serve() {
        req.decode(slot);
        int op = req.operation();
        int status = switch (op) {
            case OP_READ, OP_WRITE -> readWrite(op, false, false);
            case OP_WRITE_BARRIER -> limits.flush() ? readWrite(OP_WRITE, true, true) : RSP_EOPNOTSUPP;
            case OP_FLUSH_DISKCACHE -> limits.flush() ? readWrite(OP_WRITE, true, false) : RSP_EOPNOTSUPP;
            case OP_DISCARD -> limits.discard() ? discard() : RSP_EOPNOTSUPP;
            case OP_INDIRECT -> indirect();
            default -> RSP_EOPNOTSUPP;
        };
        if (status == RSP_EOPNOTSUPP) counters.unsupported++;
        int answered = op == OP_INDIRECT ? req.indirectOp() : op;
        Blkif.encodeResponse(rsp, req.id(), answered, status);
        if (trace != null && trace.on(Trace.TRC_OXEN_BACKEND)) {
            trace.trace5(Trace.TRC_OXEN_BLKBACK_REQUEST, domid, devid, answered, req.nrSegments(), status);
        }
    }

    private int indirect() {
        if (limits.maxIndirectSegments() == 0) return RSP_EOPNOTSUPP;
        int op = req.indirectOp();
        if (op != OP_READ && op != OP_WRITE) return reject("indirect request with indirect_op " + op);
        int n = req.nrSegments();
        if (n == 0 || n > limits.maxIndirectSegments()) {
            return reject("indirect request with " + n + " segments (1.." + limits.maxIndirectSegments() + ")");
        }
        int pages = req.indirectPages();
        for (int p = 0; p < pages; p++) {
            int inPage = Math.min(SEGMENTS_PER_INDIRECT_FRAME, n - p * SEGMENTS_PER_INDIRECT_FRAME);
            try {
                grants.copyFrom(domid, req.indirectGref(p), 0, indirect, 0, inPage * SEGMENT_SIZE);
            } catch (GrantException e) {
                return reject("indirect page " + p + " (gref " + req.indirectGref(p) + "): " + e.getMessage());
            }
            for (int s = 0; s < inPage; s++) {
                req.setSegment(p * SEGMENTS_PER_INDIRECT_FRAME + s, indirect, s * SEGMENT_SIZE);
            }
        }
        return readWrite(op, false, false);
    }

    /**
     * A read or write of the request's segments; {@code preflush} flushes first (a flush or
     * barrier, which may carry no segments), {@code postflush} after the data (a barrier).
     */
    private int readWrite(int op, boolean preflush, boolean postflush) {
        int n = req.nrSegments();
        boolean direct = req.operation() != OP_INDIRECT;
        if ((n == 0 && !preflush) || (direct && n > MAX_SEGMENTS_PER_REQUEST)) {
            return reject(opName(req.operation()) + " with " + n + " segments");
        }
        if (op == OP_WRITE && limits.readOnly()) return reject(opName(req.operation()) + " to a read-only disk");
        long sectors = 0;
        for (int i = 0; i < n; i++) {
            int first = req.firstSect(i), last = req.lastSect(i);
            if (last >= SECTORS_PER_PAGE || last < first) {
                return reject("segment " + i + " has first_sect " + first + ", last_sect " + last);
            }
            sectors += last - first + 1;
        }
        long start = req.sector();
        long end = start + sectors;
        if (sectors > 0 && (Long.compareUnsigned(end, start) < 0 || Long.compareUnsigned(end, limits.sectors()) > 0)) {
            return reject("sectors " + Long.toUnsignedString(start) + "+" + sectors + " beyond the disk's "
                    + limits.sectors());
        }
        try {
            if (preflush) {
                long t = System.nanoTime();
                image.flush();
                counters.flushNanos += System.nanoTime() - t;
                counters.flushes++;
            }
            if (sectors > 0) {
                int bytes = (int) (sectors << SECTOR_SHIFT);
                long t0 = System.nanoTime(), t1, t2;
                if (op == OP_WRITE) {
                    int rc = gather(n);
                    if (rc != RSP_OKAY) return rc;
                    data.clear().limit(bytes);
                    t1 = System.nanoTime();
                    image.write(start << SECTOR_SHIFT, data);
                    t2 = System.nanoTime();
                    counters.copyNanos += t1 - t0;
                    counters.ioNanos += t2 - t1;
                    counters.writes++;
                    counters.sectorsWritten += sectors;
                } else {
                    data.clear().limit(bytes);
                    image.read(start << SECTOR_SHIFT, data);
                    t1 = System.nanoTime();
                    int rc = scatter(n);
                    if (rc != RSP_OKAY) return rc;
                    t2 = System.nanoTime();
                    counters.ioNanos += t1 - t0;
                    counters.copyNanos += t2 - t1;
                    counters.reads++;
                    counters.sectorsRead += sectors;
                }
            }
            if (postflush) {
                long t = System.nanoTime();
                image.flush();
                counters.flushNanos += System.nanoTime() - t;
            }
            return RSP_OKAY;
        } catch (IOException | RuntimeException e) {
            return reject(opName(req.operation()) + " at sector " + Long.toUnsignedString(start) + ": " + e);
        }
    }

    /** Copies each segment's bytes from the frontend's pages into {@link #data}, in order. */
    private int gather(int n) {
        data.clear();
        int at = 0;
        for (int i = 0; i < n; i++) {
            int off = req.firstSect(i) << SECTOR_SHIFT;
            int len = (req.lastSect(i) - req.firstSect(i) + 1) << SECTOR_SHIFT;
            int gref = req.gref(i);
            try {
                PageView page = persistent == null ? null : persistent.page(gref);
                data.limit(at + len).position(at);
                if (page != null) page.get(off, data);
                else grants.copyFrom(domid, gref, off, data);
            } catch (GrantException e) {
                return reject("segment " + i + " (gref " + Integer.toUnsignedString(gref) + "): " + e.getMessage());
            }
            at += len;
        }
        return RSP_OKAY;
    }

    /** Copies {@link #data} into each segment's bytes of the frontend's pages, in order. */
    private int scatter(int n) {
        data.clear();
        int at = 0;
        for (int i = 0; i < n; i++) {
            int off = req.firstSect(i) << SECTOR_SHIFT;
            int len = (req.lastSect(i) - req.firstSect(i) + 1) << SECTOR_SHIFT;
            int gref = req.gref(i);
            try {
                PageView page = persistent == null ? null : persistent.page(gref);
                data.limit(at + len).position(at);
                if (page != null) page.put(off, data);
                else grants.copyTo(domid, gref, off, data);
            } catch (GrantException e) {
                return reject("segment " + i + " (gref " + Integer.toUnsignedString(gref) + "): " + e.getMessage());
            }
            at += len;
        }
        return RSP_OKAY;
    }

    private int discard() {
        if (limits.readOnly()) return reject("discard on a read-only disk");
        if ((req.discardFlag() & DISCARD_SECURE) != 0) return reject("secure discard (discard-secure is 0)");
        long start = req.sector(), count = req.discardSectors();
        long end = start + count;
        if (Long.compareUnsigned(end, start) < 0 || Long.compareUnsigned(end, limits.sectors()) > 0) {
            return reject("discard of sectors " + Long.toUnsignedString(start) + "+" + Long.toUnsignedString(count)
                    + " beyond the disk's " + limits.sectors());
        }
        try {
            if (count > 0) image.discard(start << SECTOR_SHIFT, count << SECTOR_SHIFT);
            counters.discards++;
            return RSP_OKAY;
        } catch (IOException | RuntimeException e) {
            return reject("discard at sector " + start + ": " + e);
        }
    }

    /**
     * A request refused: BLKIF_RSP_ERROR, and the reason logged (rate-limited: the first few per
     * connection, then every 1000th, so a hostile frontend cannot flood the log).
     */
    private int reject(String why) {
        long n = counters.errors++;
        if (n < 8 || n % 1000 == 0) {
            System.err.println("blkback " + name + ": request " + Long.toUnsignedString(req.id()) + " refused: " + why
                    + (n == 7 ? " (further refusals are logged every 1000th)" : ""));
        }
        return RSP_ERROR;
    }
}
