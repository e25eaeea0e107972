package org.oxen.io.netback;

/**
 * Frames the bridge delivered to a vif, waiting for the frontend's rx requests: up to
 * {@code frames} frames in one preallocated byte ring of {@code bytes} bytes (no allocation per
 * frame), each kept whole at one offset (a frame that would wrap starts again at offset 0), with
 * its checksum state. Full, in frames or bytes, means dropped (the bridge counts it), as netback
 * drops when its rx queue is over its limit (xenvif_start_xmit, rx_queue_max in bytes).
 *
 * <p>Locking: the queue's monitor guards the indexes; a producer copies into the ring before
 * publishing the frame and the single consumer (the vif's thread) reads the head frame outside
 * the lock, which no producer touches until {@link #release}.
 */
final class RxQueue {

    private final byte[] ring;
    private final int[] starts;
    private final int[] lengths;
    private final int[] checksums;
    private final long[] ends;
    private final int mask;
    private int head;
    private int tail;
    /** Ring positions (monotonic): bytes are free from {@code byteTail} up to {@code byteHead + ring.length}. */
    private long byteHead;
    private long byteTail;

    RxQueue(int frames, int bytes) {
        int n = Integer.highestOneBit(frames);
        ring = new byte[bytes];
        starts = new int[n];
        lengths = new int[n];
        checksums = new int[n];
        ends = new long[n];
        mask = n - 1;
    }

    /** Copies a frame in; false if the queue is full (or the frame longer than the ring). */
    synchronized boolean offer(byte[] frame, int offset, int length, int checksum) {
        if (tail - head == starts.length) return false;
        int at = (int) (byteTail % ring.length);
        long start = at + length <= ring.length ? byteTail : byteTail + (ring.length - at); // never wrap a frame
        if (start + length - byteHead > ring.length) return false;
        int i = tail & mask;
        starts[i] = (int) (start % ring.length);
        System.arraycopy(frame, offset, ring, starts[i], length);
        lengths[i] = length;
        checksums[i] = checksum;
        ends[i] = start + length;
        byteTail = start + length;
        tail++;
        return true;
    }

    synchronized boolean isEmpty() {
        return head == tail;
    }

    synchronized int size() {
        return tail - head;
    }

    /** The ring holding the head frame at {@link #headStart()} (valid until {@link #release}). */
    byte[] ring() {
        return ring;
    }

    synchronized int headStart() {
        return starts[head & mask];
    }

    synchronized int headLength() {
        return lengths[head & mask];
    }

    synchronized int headChecksum() {
        return checksums[head & mask];
    }

    synchronized void release() {
        byteHead = ends[head & mask];
        head++;
    }

    synchronized void clear() {
        head = tail;
        byteHead = byteTail;
    }
}
