package org.oxen.x86.machine.internal;

/**
 * The last {@code keep} characters a console printed (bytes as ISO-8859-1 characters).
 * Written by the machine thread, read by any thread.
 */
final class OutputBuffer {

    private final int keep;
    private final StringBuilder text = new StringBuilder();
    private long dropped;

    OutputBuffer(int keep) {
        this.keep = keep;
    }

    synchronized void write(int b) {
        text.append((char) (b & 0xFF));
        if (text.length() > keep + keep / 4) {
            int cut = text.length() - keep;
            text.delete(0, cut);
            dropped += cut;
        }
    }

    synchronized String text() {
        return text.toString();
    }

    /** Characters dropped from the front. */
    synchronized long dropped() {
        return dropped;
    }
}
