package org.oxen.io.blkback.internal;

import static org.oxen.io.blkback.blkif.Blkif.*;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.oxen.io.ring.BackRing;
import org.oxen.io.ring.RingOverflowException;
import org.oxen.storage.api.BlockImage;
import org.oxen.vmm.api.EventListener;
import org.oxen.vmm.api.EventPort;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.api.trace.HypervisorTrace;

/**
 * One connected blkif ring served (Linux xen-blkback's xen_blkif_schedule and
 * __do_block_io_op): a service thread takes each request, in ring order, as a private copy into
 * a free {@link RequestSlot}, checks it, and sends a read or write to the disk through the blkback
 * instance's shared {@link BlkIoPool}, so that up to the connection's queue depth of requests are
 * at the disk at once (as blkback submits bios and QEMU's block layer keeps its queue), on threads
 * all the instance's rings share, taken round robin between rings; each is answered as it completes
 * (make_response: blkif responses come in any order, matched by id), its response pushed and the
 * frontend notified if it asked. After ring.h's final check the service thread spins for
 * {@link #SPIN_NANOS} (the frontend's next batch usually comes that soon), unless
 * {@link AdaptiveSpin} says recent spins caught nothing, and then sleeps until the frontend's
 * event. Checks, data movement and errors: {@link RequestSlot}.
 *
 * <p><b>Ordering.</b> The service thread serves FLUSH_DISKCACHE, WRITE_BARRIER and DISCARD itself
 * after every request in flight is answered (xen_blk_drain_io, which Linux does for a barrier;
 * here for a flush as well, so a flush is durable for every write taken before it, answered or
 * not), then takes the next; a read or write that overlaps one in flight, either of them a write,
 * waits for it (the disk sees them in ring order, as with one request at a time). With a queue
 * depth of 1 ({@code -Doxen.blkback.depth=1}) every request is served on the service thread, one
 * at a time, and the pool is not used. A frontend can have at most the queue depth of its
 * requests at the disk, and the pool serves the rings with transfers waiting in turn, one
 * transfer each: a busy ring cannot starve another domain's.
 *
 * <p><b>Served on the notifying thread.</b> A kick that finds nobody serving the ring and nothing
 * in flight ({@link #onEvent}, on the frontend's own vcpu thread) serves it there and then, one
 * request at a time, up to {@link #INLINE_SEGMENTS} segments of reads and writes, before the event
 * hypercall returns: the guest finds its responses when it looks, and neither side waits for the
 * host to schedule the other's thread (two hand-offs per batch, 1-10 ms each on a loaded host).
 * Xen's blkback runs in Domain 0 on another CPU; here the frontend's vcpu pays the backend's work,
 * which the scheduler charges to it, as QEMU's vcpu thread pays a virtqueue kick it handles
 * itself. What would hold the vcpu's pCPU for long is left to the service thread: flushes,
 * barriers and discards (a flush is an fsync), the rest of a batch beyond the budget, and any
 * kick from a thread with its interrupt set (an interrupted thread's FileChannel I/O would close
 * the image's channel). The service thread takes every kick that finds the ring busy, and the
 * ring after a hand-off.
 *
 * <p>A frontend whose req_prod runs ahead of the ring (RING_REQUEST_PROD_OVERFLOW) is hostile:
 * this ring's processing halts, as Linux's does, and {@code onHalt} is told why. Each answered
 * request is a trace record (TRC_OXEN_BLKBACK_REQUEST) when the hypervisor traces the backend
 * class.
 *
 * <p>Design/Locking: the ring (both ends), the free slots and which are in flight, the
 * persistent grants and the counters are guarded by {@link #serving}: the service thread holds it
 * while it serves (and lets it go while it waits for a slot to complete), a pool thread while it
 * finishes its slot's request and pushes the response (not during the image's transfer), a
 * notifying thread only if {@code tryLock} succeeds, the service thread is not serving and nothing
 * is in flight (it never waits for it); a request a notifying thread took but leaves to the
 * service thread is {@link #heldOver} in slot 0. A slot belongs to whoever took it from the free
 * list until it is put back; it goes to the pool's queue (the pool's lock hands it to a thread),
 * and the pool thread that completes it wakes the one waiting thread ({@link #waiter}). Nobody
 * holds the lock while spinning or parked; the service thread holds it while it submits to the
 * pool, whose lock is taken inside it and never held while a pool thread takes this one (one
 * order: this lock, then the pool's). {@link #stop} waits
 * for the service thread, then for every request in flight to be answered and pushed (and one
 * held over), then detaches from the pool, before the caller unmaps anything. Counters are read
 * anywhere (volatile, written under the lock).
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
    private final BackRing ring;
    private final VbdCounters counters;
    private final Consumer<String> onHalt;
    /** Whether a kick finding the ring idle is served on the notifying thread. */
    private final boolean inline;
    /** Held by whoever serves the ring, and by a pool thread answering its request. */
    private final ReentrantLock serving = new ReentrantLock();
    /** A request a notifying thread took into slot 0 and left to the service thread. */
    private boolean heldOver;
    /** Whether the service thread is serving the ring (perhaps waiting for a slot, the lock let go). */
    private boolean serviceActive;
    private final PersistentGrants persistent;
    /** One per request the connection may have at the disk at once (the queue depth). */
    private final IoSlot[] slots;
    /** The shared I/O threads, and this ring's queue for them (null at depth 1: no pool). */
    private final BlkIoPool pool;
    private final BlkIoPool.Queue queue;
    /** Indices of the slots nobody holds: {@code free[0..freeCount)}. */
    private final int[] free;
    private int freeCount;
    /** Slots whose transfer is at the disk or whose response is still to be pushed. */
    private int inFlight;
    /** Completions so far (written under the lock): what a waiting thread waits to see change. */
    private volatile int completions;
    /** The thread waiting for a completion (the service thread, or {@link #stop}), or null. */
    private volatile Thread waiter;
    private final Thread thread;
    private volatile EventPort port;
    private volatile boolean running = true;
    private volatile boolean kicked;
    /** When the frontend's event came while the thread was waiting (0: none since it last ran). */
    private volatile long kickedAt;
    private volatile String halted;
    private final AdaptiveSpin spin = new AdaptiveSpin();
    /** Responses put on the ring by this connection (written under the lock, read after {@link #stop}). */
    private volatile long answeredHere;

    /**
     * @param depth the requests this connection may have at the disk at once (1: one at a time,
     *     on the service thread)
     * @param inline whether kicks finding the ring idle are served on the notifying thread
     * @param pool the blkback instance's I/O threads (unused at depth 1)
     */
    BlkifServer(String name, int domid, int devid, GrantTables grants, HypervisorTrace trace, BackRing ring, BlockImage image,
            Limits limits, VbdCounters counters, Consumer<String> onHalt, int depth, boolean inline, BlkIoPool pool) {
        if (depth < 1) throw new IllegalArgumentException("blkback " + name + ": queue depth " + depth + " (at least 1)");
        this.inline = inline;
        this.name = name;
        this.domid = domid;
        this.ring = ring;
        this.counters = counters;
        this.onHalt = onHalt;
        this.persistent = limits.persistent() ? new PersistentGrants(grants, domid, limits.maxPersistentGrants()) : null;
        RequestSlot.Disk disk = new RequestSlot.Disk(name, domid, devid, grants, trace, image, limits, counters, persistent);
        this.slots = new IoSlot[depth];
        this.free = new int[depth];
        for (int i = 0; i < depth; i++) {
            slots[i] = new IoSlot(i, new RequestSlot(disk));
            free[depth - 1 - i] = i; // slot 0 taken first
        }
        this.freeCount = depth;
        this.pool = depth > 1 ? pool : null;
        this.queue = depth > 1 ? pool.attach(name, depth) : null;
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
     * Serves the ring on the notifying thread if nobody is serving it and nothing is in flight;
     * true if it is left empty with req_event armed (nothing for the service thread to do), false
     * if the service thread must take over (busy, a request left to it, the budget spent, or this
     * thread interrupted).
     */
    private boolean serveOnNotifier() {
        Thread me = Thread.currentThread();
        if (me == thread || me.isInterrupted() || halted != null || port == null || !serving.tryLock()) return false;
        try {
            if (!running || heldOver || serviceActive || inFlight > 0) return false;
            return !serveInline();
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
     * Stops after the requests taken (answered and pushed, those in flight included); then
     * releases the persistent grants and detaches from the I/O pool. Waits even if the caller is
     * interrupted (the interrupt is kept): the caller unmaps the ring next, and a response pushed
     * after the frontend took the old ring's last answers would be a request it runs again on the
     * next ring.
     */
    void stop() {
        running = false;
        LockSupport.unpark(thread);
        boolean interrupted = false;
        if (Thread.currentThread() != thread) interrupted = joinUninterruptibly(thread);
        // a notifying thread may be serving: wait for it (it stops after its request, seeing
        // running false); every request in flight is answered; one a notifying thread took and
        // left to the service thread is answered here
        serving.lock();
        try {
            interrupted |= awaitIdle();
            if (heldOver && halted == null) {
                heldOver = false;
                RequestSlot s = slots[0].request;
                s.serve();
                try {
                    push(s);
                } catch (IllegalStateException e) {
                    // the ring is gone: the frontend resubmits it on its next ring
                }
            }
            if (persistent != null) persistent.clear();
        } finally {
            serving.unlock();
        }
        if (queue != null) pool.detach(queue);
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** Joins {@code t} whatever interrupts come; true if one came (cleared). */
    private static boolean joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
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
                    serviceActive = true;
                    more = running && serveRing();
                } finally {
                    serviceActive = false;
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
     * The service thread: serves requests in ring order until the ring is empty with req_event
     * armed (ring.h's final check: returns false), a held-over request first. Reads and writes go
     * to the I/O pool in free slots; a flush, barrier or discard waits for every request in flight
     * and is served here. Holds {@link #serving}, except while it waits for a completion.
     */
    private boolean serveRing() throws RingOverflowException {
        long start = System.nanoTime();
        int served = 0;
        boolean concurrent = slots.length > 1;
        try {
            if (heldOver) {
                heldOver = false;
                awaitIdle();
                RequestSlot s = slots[0].request;
                s.serve();
                push(s);
                served++;
            }
            while (running) {
                int n = waiting();
                if (n == 0) return false;
                for (int i = 0; i < n && running; i++) {
                    if (freeCount == 0) {
                        counters.outOfSlots++;
                        while (freeCount == 0 && running) awaitCompletion();
                    }
                    if (!running) break; // not taken: the frontend resubmits it on its next ring
                    IoSlot io = slots[free[--freeCount]];
                    RequestSlot s = io.request;
                    ring.takeRequest(s.slot);
                    served++;
                    if (!concurrent || !RequestSlot.concurrent(s.slot[REQ_OPERATION] & 0xFF)) {
                        awaitIdle(); // xen_blk_drain_io: what was taken before is answered first
                        s.serve();
                        release(io);
                        push(s);
                    } else if (!s.prepare()) {
                        release(io); // refused, answered at once
                        push(s);
                    } else {
                        while (conflictsInFlight(s)) awaitCompletion();
                        io.inFlight = true;
                        if (++inFlight > counters.maxInFlight) counters.maxInFlight = inFlight;
                        pool.submit(queue, io);
                    }
                }
            }
            return false;
        } finally {
            if (served > 0) {
                counters.busyNanos += System.nanoTime() - start;
                counters.batches++;
            }
        }
    }

    /**
     * A notifying thread, nothing in flight: serves requests one at a time in slot 0 until the
     * ring is empty with req_event armed (returns false), or until a request it leaves to the
     * service thread is taken or its budget is spent (returns true: the service thread carries
     * on). Holds {@link #serving}.
     */
    private boolean serveInline() throws RingOverflowException {
        long start = System.nanoTime();
        int served = 0, budget = INLINE_SEGMENTS;
        RequestSlot s = slots[0].request;
        try {
            while (running) {
                int n = waiting();
                if (n == 0) return false;
                for (int i = 0; i < n && running; i++) {
                    if (budget <= 0) return true; // spent, and more is waiting
                    ring.takeRequest(s.slot);
                    if (leftToServiceThread(s.slot[REQ_OPERATION] & 0xFF)) {
                        heldOver = true;
                        return true;
                    }
                    s.serve();
                    push(s);
                    served++;
                    counters.inlineRequests++;
                    budget -= Math.max(1, s.req.nrSegments());
                }
            }
            return false;
        } finally {
            if (served > 0) {
                counters.busyNanos += System.nanoTime() - start;
                counters.batches++;
                counters.inlineBatches++;
            }
        }
    }

    /** Requests waiting on the ring; 0 once it is empty with req_event armed (ring.h's final check). */
    private int waiting() throws RingOverflowException {
        int n = ring.unconsumedRequests();
        while (n == 0) {
            if (!ring.finalCheckForRequests()) return 0;
            n = ring.unconsumedRequests();
        }
        return n;
    }

    /** What a notifying thread does not serve: an fsync, or a discard, would hold its pCPU. */
    private static boolean leftToServiceThread(int op) {
        return op == OP_FLUSH_DISKCACHE || op == OP_WRITE_BARRIER || op == OP_DISCARD;
    }

    /** Whether {@code s}'s transfer overlaps one in flight (either a write). Holds the lock. */
    private boolean conflictsInFlight(RequestSlot s) {
        for (IoSlot io : slots) {
            if (io.inFlight && s.conflictsWith(io.request)) return true;
        }
        return false;
    }

    /** A pool thread's transfer is done: answers its request and frees its slot. */
    private void complete(IoSlot io) {
        serving.lock();
        try {
            io.request.finish();
            push(io.request);
        } catch (IllegalStateException e) {
            // the ring's pages were taken away (the domain was destroyed): nobody to answer
        } catch (RuntimeException e) {
            halt("serving d" + domid + "'s ring failed: " + e + "; halting ring processing");
        } finally {
            io.inFlight = false;
            inFlight--;
            release(io);
            completions++;
            serving.unlock();
        }
        Thread w = waiter;
        if (w != null) LockSupport.unpark(w);
    }

    private void release(IoSlot io) {
        free[freeCount++] = io.index;
    }

    /**
     * Lets the lock go until at least one request in flight completes. Holds the lock (again on
     * return). True if the thread was interrupted meanwhile (cleared: the caller keeps it).
     */
    private boolean awaitCompletion() {
        int seen = completions;
        boolean interrupted = false;
        waiter = Thread.currentThread();
        serving.unlock();
        try {
            while (completions == seen) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
        } finally {
            waiter = null;
            serving.lock();
        }
        return interrupted;
    }

    /** Waits until nothing is in flight (see {@link #awaitCompletion}). */
    private boolean awaitIdle() {
        boolean interrupted = false;
        while (inFlight > 0) interrupted |= awaitCompletion();
        return interrupted;
    }

    /** Pushes {@code s}'s response (make_response) and notifies the frontend if it asked. Holds the lock. */
    private void push(RequestSlot s) {
        ring.putResponse(s.rsp);
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

    /** A request slot; submitted to the pool, it is its transfer and its answer (run on a pool thread). */
    private final class IoSlot implements Runnable {
        final int index;
        final RequestSlot request;
        /** Whether its request is at the disk or still to be answered (guarded by the lock). */
        boolean inFlight;

        IoSlot(int index, RequestSlot request) {
            this.index = index;
            this.request = request;
        }

        @Override
        public void run() {
            request.transfer();
            complete(this);
        }
    }
}
