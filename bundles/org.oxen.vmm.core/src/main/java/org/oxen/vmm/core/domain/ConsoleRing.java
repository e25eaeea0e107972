package org.oxen.vmm.core.domain;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A domain's console output: a bounded character ring plus listeners for new output. */
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
