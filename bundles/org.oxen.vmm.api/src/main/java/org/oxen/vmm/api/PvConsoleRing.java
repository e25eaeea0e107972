package org.oxen.vmm.api;

/**
 * Where a PV domain's primary console ring is (1.6): what the domain builder put into start_info
 * ({@code console.domU.mfn}, {@code console.domU.evtchn}) and libxl writes into xenstore as
 * {@code console/ring-ref} (for a PV guest the machine frame number) and {@code console/port}.
 * A console backend maps the frame ({@link org.oxen.vmm.api.backend.ForeignMemory}) and binds
 * the port, which the builder allocated unbound for Domain-0
 * ({@link Dom0EventChannels#bindInterdomain}).
 *
 * @param mfn the console page's machine frame (an {@code xencons_interface})
 * @param port the guest's event-channel port, unbound for Domain-0 until a backend binds it
 */
public record PvConsoleRing(long mfn, int port) {
}
