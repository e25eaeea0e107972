package org.oxen.vmm.core.domain;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A domain's console output: a bounded character ring plus listeners for new output.
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

    private final char[] ring;
    private long written;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    public ConsoleRing(int capacity) {
        ring = new char[capacity];
    }

    public void append(byte[] b, int off, int len) {
        String s = new String(b, off, len, StandardCharsets.ISO_8859_1);
        synchronized (this) {
            for (int i = 0; i < s.length(); i++) {
                ring[(int) (written++ % ring.length)] = s.charAt(i);
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
        StringBuilder sb = new StringBuilder(n);
        for (long i = written - n; i < written; i++) {
            sb.append(ring[(int) (i % ring.length)]);
        }
        return sb.toString();
    }

    public void addListener(Consumer<String> l) {
        listeners.add(l);
    }

    public void removeListener(Consumer<String> l) {
        listeners.remove(l);
    }
}
