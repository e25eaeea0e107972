package org.oxen.vmm.core.domain;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A domain's console output: a bounded byte ring (ISO-8859-1, one byte a character) plus
 * listeners for new output. The ring grows with the output, doubling up to its capacity, so
 * a domain that prints little holds little (1,000 idle domains would otherwise hold 64 KiB
 * each); it wraps only once it has reached its capacity.
 *
 * <p>Locking: the ring and {@code written} are guarded by the ring's own monitor
 * ({@code synchronized (this)}), held only to copy characters in ({@link #append}) or out
 * ({@link #contents}); it is a leaf lock: nothing is called and no other lock is taken while
 * it is held. Writers are the domain's vcpus (console_io from any pCPU thread); readers are
 * toolstack threads. Listeners live in a copy-on-write list and are called after the monitor
 * is released, on the writing vcpu's thread, in the order each writer appended; two vcpus
 * appending at once may interleave their calls. A listener must not block, and its exception
 * is swallowed (a listener's failure is not the guest's).
 */
public final class ConsoleRing {

    private static final int FIRST_SIZE = 256;
    private final int capacity;
    private byte[] ring = new byte[0];
    private long written;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    public ConsoleRing(int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("console ring capacity " + capacity);
        this.capacity = capacity;
    }

    public void append(byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        String s = new String(b, off, len, StandardCharsets.ISO_8859_1);
        synchronized (this) {
            long need = written + len;
            if (need > ring.length && ring.length < capacity) {
                // not wrapped yet (written <= ring.length): the bytes keep their places
                long size = Math.max(need, Math.max(FIRST_SIZE, 2L * ring.length));
                ring = java.util.Arrays.copyOf(ring, (int) Math.min(capacity, size));
            }
            for (int i = 0; i < len; i++) {
                ring[(int) (written++ % ring.length)] = b[off + i];
            }
        }
        for (Consumer<String> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                // a listener's failure is not the guest's
            }
        }
    }

    public synchronized String contents() {
        int n = (int) Math.min(written, ring.length);
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = ring[(int) ((written - n + i) % ring.length)];
        }
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    public void addListener(Consumer<String> l) {
        listeners.add(l);
    }

    public void removeListener(Consumer<String> l) {
        listeners.remove(l);
    }
}
