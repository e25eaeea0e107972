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
 * before its divider (default 1000000000), and {@code min-timer-period-us} (200 by default as
 * KVM's, 0 for none): the shortest period of a periodic timer's interrupt, and {@code missed-ticks}:
 * {@code drop} (the default, QEMU's APIC: periods that end while the last interrupt is pending
 * merge into it) or {@code catch-up} (Xen's delay_for_missed_ticks: they are owed and raised one
 * per EOI of the timer's vector; HVM domains use it).
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=lapic")
public final class LapicFactory implements DeviceFactory {

    /** KVM's {@code min_timer_period_us} default (arch/x86/kvm/x86.c). */
    static final long DEFAULT_MIN_TIMER_PERIOD_US = 200;

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        long hz = config.longValue("timer-hz", 1_000_000_000L, 1_000, 4_000_000_000L);
        if (context.cpuCount() > 64) {
            throw new DeviceConfigException(config.describe() + ": at most 64 CPUs, the machine has " + context.cpuCount());
        }
        long minPeriodUs = config.longValue("min-timer-period-us", DEFAULT_MIN_TIMER_PERIOD_US, 0, 1_000_000);
        boolean catchUp = config.missedTicksCatchUp();
        return new LapicDevice(context, hz, minPeriodUs * 1000, catchUp);
    }
}
