package org.oxen.x86.api.device;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A device type: a stateless service that creates one {@link Device} per machine.
 *
 * <p>Registered with the service property {@value #NAME} naming the type used in machine
 * descriptions ({@code pic}, {@code pit}, {@code rtc}, {@code uart}, {@code debugcon},
 * {@code pci}, {@code lapic}, {@code ioapic}, ...); {@code xl info} lists these names.
 */
@ConsumerType
public interface DeviceFactory {

    /** Service property naming the device type. */
    String NAME = "oxen.device.name";

    /**
     * Creates a device for one machine. Reads every option it supports from {@code config}
     * (so that the board can then reject unknown keys), registers its interrupt-controller
     * roles with {@link DeviceContext#interrupts()}, allocates its timers, and returns the
     * device in its power-on state.
     *
     * @throws DeviceConfigException when an option is missing or malformed; the message names
     *     the device and the key
     */
    Device create(DeviceContext context, DeviceConfig config);
}
