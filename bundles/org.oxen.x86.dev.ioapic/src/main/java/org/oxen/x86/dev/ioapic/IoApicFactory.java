package org.oxen.x86.dev.ioapic;

import org.osgi.service.component.annotations.Component;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * Creates an I/O APIC attached to every interrupt line. Options: region {@code mmio.ioapic}
 * (0xfec00000 on a PC) and {@code id}, its APIC ID (default: the CPU count, the first ID after
 * the local APICs, as MP tables usually assign it).
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=ioapic")
public final class IoApicFactory implements DeviceFactory {

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        int id = config.intValue("id", Math.min(context.cpuCount(), 15), 0, 15);
        IoApic ioapic = new IoApic(context.interrupts(), id);
        context.interrupts().attach(ioapic);
        return ioapic;
    }
}
