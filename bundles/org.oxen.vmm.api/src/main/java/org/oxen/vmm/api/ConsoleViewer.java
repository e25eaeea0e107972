package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Someone watching a {@link GuestConsole} (1.5), e.g. {@code xl console}. Called on the console
 * backend's thread: return quickly and never block on the guest.
 */
@ConsumerType
public interface ConsoleViewer {

    /** New output; the array belongs to the viewer. */
    void output(byte[] bytes);

    /** The domain has ended; no more output follows. */
    void ended();
}
