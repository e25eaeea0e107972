package org.oxen.vmm.api;

/** A domain's state, as {@code xl list} shows it (r, b, p, s, c, d). */
public enum DomainState {
    RUNNING('r'), BLOCKED('b'), PAUSED('p'), SHUTDOWN('s'), CRASHED('c'), DYING('d');

    private final char letter;

    DomainState(char letter) {
        this.letter = letter;
    }

    /** The letter in xl list's state column. */
    public char letter() {
        return letter;
    }
}
