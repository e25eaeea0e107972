package org.oxen.x86.dev.debugcon;

import org.osgi.service.component.annotations.Component;
import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * Creates the debug console / debug exit pair. Options: regions {@code io.console} and
 * {@code io.exit} (at least one), {@code console} (default {@code log}), {@code readback}
 * (default 0xe9) and {@code exitsize} (1, 2 or 4 ports; default 4, the usual
 * {@code -device isa-debug-exit,iobase=0xf4,iosize=4}).
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=debugcon")
public final class DebugConFactory implements DeviceFactory {

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        if (!config.has("io.console") && !config.has("io.exit")) {
            throw config.error("io.console", "missing: a debugcon needs io.console, io.exit or both");
        }
        int readback = config.intValue("readback", 0xE9, 0, 0xFF);
        int exitSize = config.intValue("exitsize", 4, 1, 4);
        if (exitSize == 3) {
            throw config.error("exitsize", "expected 1, 2 or 4, got 3");
        }
        String spec = config.string("console", "log");
        Console console = context.openConsole(config.id(), spec);
        if (console == null) {
            throw config.error("console", "'" + spec + "' is not available on this machine");
        }
        return new DebugCon(context, console, readback, exitSize);
    }
}
