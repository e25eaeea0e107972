package org.oxen.io.netback;

/**
 * Frames the bridge delivered to a vif, waiting for the frontend's rx requests: a bounded ring of
 * preallocated frame buffers (no allocation per frame). Full means dropped (the bridge counts it),
 * as netback drops when its rx queue is over its limit.
 *
 * <p>Locking: the queue's monitor guards the indexes; a producer copies into a slot before
 * publishing it and the single consumer (the vif's thread) reads the head slot outside the lock,
 * which no producer touches until {@link #release}.
 */
final class RxQueue {

    private final byte[][] frames;
    private final int[] lengths;
    private final int mask;
    private int head;
    private int tail;

    RxQueue(int capacity, int frameSize) {
        int n = Integer.highestOneBit(capacity);
        frames = new byte[n][frameSize];
        lengths = new int[n];
        mask = n - 1;
    }

    /** Copies a frame in; false if the queue is full. */
    synchronized boolean offer(byte[] frame, int offset, int length) {
        if (tail - head == frames.length) return false;
        int i = tail & mask;
        System.arraycopy(frame, offset, frames[i], 0, length);
        lengths[i] = length;
        tail++;
        return true;
    }

    synchronized boolean isEmpty() {
        return head == tail;
    }

    synchronized int size() {
        return tail - head;
    }

    /** The oldest frame's buffer (valid until {@link #release}); call only when not empty. */
    synchronized byte[] headFrame() {
        return frames[head & mask];
    }

    synchronized int headLength() {
        return lengths[head & mask];
    }

    synchronized void release() {
        head++;
    }

    synchronized void clear() {
        head = tail;
    }
}
