package org.oxen.x86.dev.debugcon;

import org.osgi.service.component.annotations.Component;
import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * Creates a POST-code logger. Options: region {@code io.post} (the PC's is 0x80) and
 * {@code console} (default {@code log}). Example: {@code machine boot ... -d "postcode io.post=0x80"}.
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=postcode")
public final class PostCodesFactory implements DeviceFactory {

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        String spec = config.string("console", "log");
        Console console = context.openConsole(config.id(), spec);
        if (console == null) {
            throw config.error("console", "'" + spec + "' is not available on this machine");
        }
        return new PostCodes(console);
    }
}
