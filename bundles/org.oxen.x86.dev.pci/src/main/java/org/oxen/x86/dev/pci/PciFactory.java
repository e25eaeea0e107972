package org.oxen.x86.dev.pci;

import org.osgi.service.component.annotations.Component;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;
import org.oxen.x86.api.pci.PciBus;

/**
 * Creates PCI bus 0 and publishes it as {@link PciBus} for devices created later. Options:
 * region {@code io.config} (0xcf8 on a PC) and {@code pirq}, the PIRQ A-D routing after reset,
 * as four ISA IRQs ({@code 10,10,11,11}, what SeaBIOS programs) or {@code off} (the hardware's
 * reset value, default: a BIOS-less guest programs PIIX3 registers 0x60-0x63 itself). Region
 * {@code io.pm} (optional; 0xb000 on oxen's PC, as Xen's HVM platform) maps the ACPI PM registers
 * and timer ({@link AcpiPm}), whose SCI is ISA IRQ {@code sci} (default 9, as the FADT says).
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=pci")
public final class PciFactory implements DeviceFactory {

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        String spec = config.string("pirq", "off");
        int[] pirq = {0x80, 0x80, 0x80, 0x80};
        if (!spec.equals("off")) {
            String[] parts = spec.split(",");
            if (parts.length != 4) {
                throw config.error("pirq", "expected four IRQs like 10,10,11,11 or off, got '" + spec + "'");
            }
            for (int i = 0; i < 4; i++) {
                try {
                    pirq[i] = Integer.parseInt(parts[i].strip());
                } catch (NumberFormatException e) {
                    pirq[i] = -1;
                }
                if (pirq[i] < 0 || pirq[i] > 15 || pirq[i] == 0 || pirq[i] == 2 || pirq[i] == 8 || pirq[i] == 13) {
                    throw config.error("pirq", "'" + parts[i].strip() + "' is not a routable ISA IRQ");
                }
            }
        }
        AcpiPm pm = null;
        if (config.has("io.pm")) {
            int sci = config.intValue("sci", 9, 1, 15);
            pm = new AcpiPm(context.clock(), context.timers(), context.interrupts().line(sci), context::requestPowerOff);
        } else if (config.has("sci")) {
            throw config.error("sci", "an SCI needs the ACPI PM registers: give io.pm too");
        }
        PciHost host = new PciHost(context, pirq, pm);
        context.publish(PciBus.class, host);
        return host;
    }
}
