package org.oxen.x86.dev.pic;

import org.osgi.service.component.annotations.Component;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * Creates the 8259A pair of a machine. No options besides the region bases
 * ({@code io.master}, {@code io.slave}, optional {@code io.elcr}). The pair attaches to every
 * IRQ line and registers as the machine's legacy (ExtINT) controller.
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=pic")
public final class PicFactory implements DeviceFactory {

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        PicPair pic = new PicPair(context.interrupts());
        context.interrupts().attach(pic);
        context.interrupts().setLegacyController(pic);
        return pic;
    }
}
