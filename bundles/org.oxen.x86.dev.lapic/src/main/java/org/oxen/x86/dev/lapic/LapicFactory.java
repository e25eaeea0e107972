package org.oxen.x86.dev.lapic;

import org.osgi.service.component.annotations.Component;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * Creates one local APIC per CPU (IDs 0..n-1, CPU 0 the bootstrap processor), registers each
 * with {@code interrupts().setLocalApic} and the APIC bus with {@code setApicBus}. Options:
 * region {@code mmio.apic} (0xfee00000) and {@code timer-hz}, the bus clock the timer counts
 * before its divider (default 1000000000).
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=lapic")
public final class LapicFactory implements DeviceFactory {

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        long hz = config.longValue("timer-hz", 1_000_000_000L, 1_000, 4_000_000_000L);
        if (context.cpuCount() > 64) {
            throw new DeviceConfigException(config.describe() + ": at most 64 CPUs, the machine has " + context.cpuCount());
        }
        return new LapicDevice(context, hz);
    }
}
