package org.oxen.x86.dev.rtc;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

import org.osgi.service.component.annotations.Component;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.DeviceFactory;

/**
 * Creates a machine's MC146818. Options: {@code irq} (8 on a PC), region {@code io.rtc}, and
 * {@code epoch}: the RTC's time at machine start, as ISO local date-time UTC
 * ({@code 2026-11-21T10:00:00}) or UTC seconds. Without it, a deterministic machine starts at
 * {@value #DETERMINISTIC_EPOCH} and a real-time machine at the host's current time (UTC).
 */
@Component(service = DeviceFactory.class, property = DeviceFactory.NAME + "=rtc")
public final class RtcFactory implements DeviceFactory {

    static final String DETERMINISTIC_EPOCH = "2000-01-01T00:00:00";

    @Override
    public Device create(DeviceContext context, DeviceConfig config) {
        int irq = config.irq("irq");
        String epoch = config.string("epoch", context.deterministic() ? DETERMINISTIC_EPOCH : null);
        long start;
        if (epoch == null) {
            start = System.currentTimeMillis() / 1000;
        } else if (epoch.matches("-?\\d+")) {
            start = Long.parseLong(epoch);
        } else {
            try {
                start = LocalDateTime.parse(epoch).toEpochSecond(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw config.error("epoch", "expected yyyy-mm-ddThh:mm:ss or seconds, got '" + epoch + "'");
            }
        }
        return new Rtc(context.clock(), context.timers(), context.interrupts().line(irq), context.interrupts(),
                start, context.ramBytes());
    }
}
