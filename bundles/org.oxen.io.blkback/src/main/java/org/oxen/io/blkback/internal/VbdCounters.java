package org.oxen.io.blkback.internal;

/**
 * The figures xentop shows of a virtual block device (Linux blkback's st_* statistics): requests
 * and sectors read and written, flushes, discards, refused requests. Written by one connection
 * at a time, holding its serving lock (its service thread, an I/O thread answering a request, or
 * a notifying thread; volatile), read from anywhere; they survive reconnections of the device.
 */
final class VbdCounters {
    volatile long reads;
    volatile long writes;
    volatile long sectorsRead;
    volatile long sectorsWritten;
    volatile long flushes;
    volatile long discards;
    /** Requests refused with BLKIF_RSP_ERROR. */
    volatile long errors;
    /** Responses put on the ring (one per request taken). */
    volatile long answered;
    /** Requests answered BLKIF_RSP_EOPNOTSUPP. */
    volatile long unsupported;
    /** Rings halted for a hostile frontend (a req_prod overrun), and the last reason. */
    volatile long halts;
    volatile String lastHalt;

    // Where the service thread's time goes (System.nanoTime deltas; a few per request, none
    // allocated): the benchmark's breakdown of a request's life on the backend side.
    /** Serving requests: from taking the first of a batch to pushing the last response. */
    volatile long busyNanos;
    /**
     * Moving segments between the guest's frames and the I/O buffer (of busyNanos when served on
     * the ring's thread; with requests on I/O threads, the sum of theirs, outside busyNanos).
     */
    volatile long copyNanos;
    /**
     * The image's reads and writes (of busyNanos when served on the ring's thread; with requests
     * on I/O threads, the sum of their transfers, which overlap).
     */
    volatile long ioNanos;
    /** Of busyNanos: the image's flushes. */
    volatile long flushNanos;
    /** Spinning for the frontend's next request with the ring empty. */
    volatile long spinNanos;
    /** Parked waiting for the frontend's event, and how many times. */
    volatile long parkedNanos;
    volatile long parks;
    /** Of parkedNanos: from the frontend's event (onEvent) to the thread running again. */
    volatile long wakeNanos;
    /** Batches served (the ring found non-empty after a wait or a batch), on either thread. */
    volatile long batches;
    /** Of batches: served on the frontend's notifying thread (its vcpu), and their requests. */
    volatile long inlineBatches;
    volatile long inlineRequests;
    /**
     * Kicks passed to the service thread (the ring busy, a flush or discard, the budget spent);
     * counted by the notifying threads outside the lock, so approximate when several vcpus kick at once.
     */
    volatile long handOffs;
    /**
     * Times the ring's next request had to wait for one in flight to complete, every slot taken
     * (xentop's OO: Linux's st_oo_req, a request waiting for a free pending_req).
     */
    volatile long outOfSlots;
    /** The most requests of one connection at the disk at once (reads and writes on I/O threads). */
    volatile long maxInFlight;
}
