package org.oxen.x86.api.device;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One device instance of one machine, as the board sees it: the register windows it wants
 * mapped, and its life cycle. Its behaviour is reached through the handlers of its regions,
 * through the interrupt roles it registered with {@link DeviceContext#interrupts()} and
 * through the timers it allocated from {@link DeviceContext#timers()}.
 */
@ConsumerType
public interface Device {

    /** I/O-port windows; each is mapped at the base the option {@code io.<name>} gives. */
    List<PortRegion> portRegions();

    /** Physical-address windows; each is mapped at the base the option {@code mmio.<name>} gives. */
    default List<MmioRegion> mmioRegions() {
        return List.of();
    }

    /** Machine reset (RESET# / INIT of the whole board): back to the power-on state. */
    default void reset() {
    }

    /** The machine is gone: cancel timers, release sinks, sockets and files. Idempotent. */
    default void close() {
    }
}
