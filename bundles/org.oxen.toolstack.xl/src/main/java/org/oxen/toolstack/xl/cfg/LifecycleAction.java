package org.oxen.toolstack.xl.cfg;

/** What the toolstack does when a domain powers off, reboots or crashes ({@code on_*} keys). */
public enum LifecycleAction {
    /** Destroy the domain. */
    DESTROY("destroy"),
    /** Destroy it and create it again from the same config. */
    RESTART("restart"),
    /** Keep it in its final state for inspection until it is destroyed by hand. */
    PRESERVE("preserve");

    private final String word;

    LifecycleAction(String word) {
        this.word = word;
    }

    /** The xl.cfg spelling. */
    public String word() {
        return word;
    }
}
