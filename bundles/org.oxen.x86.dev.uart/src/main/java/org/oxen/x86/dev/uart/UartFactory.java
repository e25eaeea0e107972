package org.oxen.x86.dev.uart;

import org.osgi.service.component.annotations.Component;
import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * Creates a 16550A. Options: {@code irq} (4 for COM1, 3 for COM2), region {@code io.uart},
 * {@code console} (where output goes and input comes from: {@code none}, {@code log},
 * {@code file:<path>}, {@code gogo}, {@code tcp:<port>}; default {@code log}), and
 * {@code out2gate} (default false: the interrupt is not gated by MCR.OUT2, as in QEMU).
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=uart")
public final class UartFactory implements DeviceFactory {

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        int irq = config.irq("irq");
        boolean out2Gate = config.bool("out2gate", false);
        String spec = config.string("console", "log");
        Console console = context.openConsole(config.id(), spec);
        if (console == null) {
            throw config.error("console", "'" + spec + "' is not available on this machine");
        }
        return new Uart16550(context.clock(), context.timers(), context.interrupts().line(irq), console, out2Gate);
    }
}
