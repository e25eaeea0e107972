package org.oxen.x86.dev.pit;

import org.osgi.service.component.annotations.Component;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * Creates a machine's 8254. Options: {@code irq} (the line OUT0 drives; 0 on a PC) and the
 * region bases {@code io.pit} and optional {@code io.speaker}, and {@code min-timer-period-us}
 * (200 by default as KVM's, 0 for none): the shortest period of IRQ 0 in modes 2 and 3, and
 * {@code missed-ticks}: {@code drop} (the default, QEMU's: periods missed merge into one
 * interrupt) or {@code catch-up} (Xen's delay_for_missed_ticks: they are owed and raised one per
 * acknowledgement of IRQ 0), as the lapic's option.
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=pit")
public final class PitFactory implements DeviceFactory {

    /** KVM's {@code min_timer_period_us} default (arch/x86/kvm/x86.c). */
    static final long DEFAULT_MIN_TIMER_PERIOD_US = 200;

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        int irq = config.irq("irq");
        long minPeriodUs = config.longValue("min-timer-period-us", DEFAULT_MIN_TIMER_PERIOD_US, 0, 1_000_000);
        boolean catchUp = config.missedTicksCatchUp();
        return new Pit(context.clock(), context.timers(), context.interrupts(), irq, minPeriodUs * 1000, catchUp);
    }
}
