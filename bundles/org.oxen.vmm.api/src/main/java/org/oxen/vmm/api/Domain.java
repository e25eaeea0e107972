package org.oxen.vmm.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/** A domain: a guest kernel with its memory, vcpus and console. Thread-safe. */
@ProviderType
public interface Domain {

    int id();

    String name();

    /** The domain's handle (its config's uuid), as xl list -l and /vm/&lt;uuid&gt; name it. @since 1.6 */
    java.util.UUID uuid();

    DomainState state();

    /** Pages currently allocated to the domain (its reservation). */
    long memoryPages();

    default long memoryKiB() {
        return memoryPages() * 4;
    }

    /**
     * The memory its config gave it (KiB): libxl's target_memkb at creation, the first balloon
     * target the toolstack writes. Equal to {@link #memoryKiB()} at a PV domain's start; an HVM
     * domain holds its special pages beyond it. Defaults to {@link #memoryKiB()}. @since 1.15
     */
    default long configuredMemoryKiB() {
        return memoryKiB();
    }

    /**
     * The most memory the domain may hold (Xen's max_pages, in KiB): its config's maxmem at
     * creation, then what {@link Domains#setMaxMemory} set (1.8). An increase of its reservation
     * beyond it is refused; it may lie below {@link #memoryKiB()} while the guest ratchets down.
     */
    long maxMemoryKiB();

    List<Vcpu> vcpus();

    /** Sum of the vcpus' CPU time. */
    long cpuTimeNanos();

    /**
     * Events that became pending in this domain (1.10): a port's pending bit set that was clear,
     * by a peer's send, a virq, an IPI or a Domain-0 component.
     */
    default long eventsDelivered() {
        return 0;
    }

    /**
     * Pages mapped through grants (1.12): this domain's granted pages another domain (or a
     * Domain-0 backend) maps now, Xen's active grant entries with a pin.
     */
    default long grantedPagesMapped() {
        return 0;
    }

    /** Other domains' granted pages this domain maps now (1.12): its maptrack entries in use. */
    default long grantMapsHeld() {
        return 0;
    }

    /** This domain's frames Domain-0 maps now by machine frame number (1.12): privcmd's foreign maps. */
    default long foreignPagesMapped() {
        return 0;
    }

    /** The reason the guest gave to SCHEDOP_shutdown, or CRASH when the hypervisor crashed it. */
    Optional<ShutdownReason> shutdownReason();

    /** Why the hypervisor crashed the domain (empty unless crashed by the hypervisor). */
    Optional<String> crashMessage();

    /** The command line the kernel was given. */
    String cmdline();

    /**
     * Where the domain's console ring is (1.6), for a console backend; empty for a domain that
     * has none. The guest's own console ({@code xl console}) is that ring, served by a backend as a
     * {@link GuestConsole}; {@link #consoleOutput()} is console_io.
     */
    default java.util.Optional<PvConsoleRing> consoleRing() {
        return java.util.Optional.empty();
    }

    /**
     * What the guest wrote with HYPERVISOR_console_io so far (a bounded ring: the oldest output
     * may be gone): the hypervisor's debug console, whose lines also go to {@code xl dmesg}. A
     * guest's own console is its console ring ({@link GuestConsole}).
     */
    String consoleOutput();

    /**
     * Calls {@code listener} with each new piece of console_io output (on the pCPU thread: return
     * quickly). Output already written is not replayed.
     */
    void addConsoleListener(Consumer<String> listener);

    void removeConsoleListener(Consumer<String> listener);

    /**
     * Keys for the domain's emulated serial console (1.9: an HVM domain's COM1, whose output is
     * {@link #consoleOutput()}): bytes from {@code b[off, off + len)} join the port's receive
     * queue, which the UART's receiver drains as a terminal would send them. Returns how many were
     * taken (fewer when the queue is full; 0 for a domain without a serial console, a PV domain,
     * whose keys go to its console ring).
     */
    default int consoleInput(byte[] b, int off, int len) {
        return 0;
    }

    /** Waits until the domain is shut down or crashed; true if it is. */
    boolean awaitShutdown(long timeout, TimeUnit unit) throws InterruptedException;
}
