package org.oxen.x86.dev.pit;

import org.osgi.service.component.annotations.Component;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * Creates a machine's 8254. Options: {@code irq} (the line OUT0 drives; 0 on a PC) and the
 * region bases {@code io.pit} and optional {@code io.speaker}.
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=pit")
public final class PitFactory implements DeviceFactory {

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        int irq = config.irq("irq");
        return new Pit(context.clock(), context.timers(), context.interrupts().line(irq));
    }
}
