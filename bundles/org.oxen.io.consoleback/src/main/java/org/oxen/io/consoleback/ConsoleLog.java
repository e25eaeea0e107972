package org.oxen.io.consoleback;

/**
 * A domain's console output as {@code xl console} replays it: the last {@link #capacity()} bytes,
 * oldest first (xenconsoled's buffer with its {@code limit}, discarding the oldest instead of the
 * middle). Locking: its own monitor, a leaf.
 */
final class ConsoleLog {

    private final byte[] ring;
    private long written;

    ConsoleLog(int capacity) {
        ring = new byte[capacity];
    }

    int capacity() {
        return ring.length;
    }

    synchronized void append(byte[] b, int off, int len) {
        if (len >= ring.length) {
            off += len - ring.length;
            written += len - ring.length;
            len = ring.length;
        }
        int at = (int) (written % ring.length);
        int first = Math.min(len, ring.length - at);
        System.arraycopy(b, off, ring, at, first);
        System.arraycopy(b, off + first, ring, 0, len - first);
        written += len;
    }

    /** Every byte ever appended (including those the bound dropped). */
    synchronized long written() {
        return written;
    }

    synchronized byte[] contents() {
        int n = (int) Math.min(written, ring.length);
        byte[] out = new byte[n];
        int start = (int) ((written - n) % ring.length);
        int first = Math.min(n, ring.length - start);
        System.arraycopy(ring, start, out, 0, first);
        System.arraycopy(ring, 0, out, first, n - first);
        return out;
    }
}
