package org.oxen.io.blkback.internal;

/**
 * The figures xentop shows of a virtual block device (Linux blkback's st_* statistics): requests
 * and sectors read and written, flushes, discards, refused requests. Written by one connection's
 * service thread at a time (volatile, single writer), read from anywhere; they survive
 * reconnections of the device.
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
}
