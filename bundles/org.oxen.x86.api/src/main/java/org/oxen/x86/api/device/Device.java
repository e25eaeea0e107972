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

    /**
     * The device's state (Xen's HVM save handlers, hvm_save_one): registers, latches, FIFOs,
     * and armed timers as absolute clock times. Called between CPU instructions with the
     * machine stopped, so nothing changes meanwhile; the device is not changed. A device
     * without state returns {@link DeviceState#NONE}.
     */
    default DeviceState saveState() {
        return DeviceState.NONE;
    }

    /**
     * Loads a state {@link #saveState()} returned, on a device created with the same options on
     * a machine whose clock continues from the saver's (timers are re-armed at their saved
     * times): every field is read and checked first ({@link StateReader}); a refusal is a
     * {@link DeviceStateException} naming the device and field, and leaves the device as it
     * was. Once applied, the device drives its interrupt lines at their saved levels.
     *
     * @param id the device's id, for messages
     */
    default void loadState(String id, DeviceState state) {
        if (state.version() != 0 || state.size() != 0) {
            throw new DeviceStateException(id + " state: this device keeps no state, the record has " + state.size()
                    + " bytes (version " + state.version() + ")");
        }
    }

    /** The machine is gone: cancel timers, release sinks, sockets and files. Idempotent. */
    default void close() {
    }
}
