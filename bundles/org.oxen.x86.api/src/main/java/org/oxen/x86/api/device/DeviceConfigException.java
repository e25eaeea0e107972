package org.oxen.x86.api.device;

/**
 * A machine description error that names the device and, where there is one, the option key:
 * {@code "device uart0 (uart): option 'irq': expected an integer, got 'four'"}.
 */
public class DeviceConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public DeviceConfigException(String message) {
        super(message);
    }

    public DeviceConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
