package org.oxen.x86.api.device;

/**
 * A saved device state a device refuses to load, naming the device and the field:
 * {@code "pit state: field ch0.mode: 9 is not in 0..5"}. Nothing of the state is applied
 * when a device throws it: a device reads and checks every field before it changes anything.
 */
public class DeviceStateException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public DeviceStateException(String message) {
        super(message);
    }
}
