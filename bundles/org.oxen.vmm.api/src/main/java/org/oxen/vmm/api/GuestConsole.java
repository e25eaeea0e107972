package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A guest's own console (1.5): what {@code xl console} attaches to. In Xen this is the console
 * ring of start_info served by xenconsoled, not HYPERVISOR_console_io (that one is the
 * hypervisor's debug console, {@link HypervisorLog}). A console backend registers one
 * {@code GuestConsole} service per domain with the service property {@value #DOMID} (an
 * {@link Integer}); the service stays registered after the domain ends, so its log can still be
 * read, until the backend drops it.
 *
 * <p>Thread-safe. Output is bytes as the guest wrote them (a terminal's raw stream).
 */
@ProviderType
public interface GuestConsole {

    /** The service property holding the domain id, an {@link Integer}. */
    String DOMID = "oxen.domid";

    int domid();

    /** The domain's name when its console was connected. */
    String domainName();

    /** Whether the domain still runs (input is accepted); false once it has ended. */
    boolean isLive();

    /**
     * Why the backend stopped serving this console although the domain runs on (1.6): the guest
     * broke the ring protocol (a producer index beyond the ring); empty while it is served.
     */
    java.util.Optional<String> broken();

    /**
     * The domain's console output so far, oldest first (bounded: the oldest bytes may be gone).
     * Kept after the domain ends.
     */
    byte[] log();

    /**
     * Adds a viewer: it is called with each new piece of output from now on and with
     * {@link ConsoleViewer#ended} when the domain ends. Several viewers may watch one console.
     *
     * @return closing it removes the viewer (idempotent)
     */
    AutoCloseable attach(ConsoleViewer viewer);

    /**
     * Sends keystrokes to the guest. Bytes the guest's input ring has no room for are dropped,
     * as xenconsoled drops them when the ring is full.
     *
     * @return how many bytes were accepted (0 once the console is {@link #broken()})
     * @throws IllegalStateException if the domain has ended
     */
    int write(byte[] input, int offset, int length);
}
