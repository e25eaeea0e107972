package org.oxen.x86.api.device;

import java.util.function.LongConsumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Allocates device timers. A timer's callback receives the clock time at which it runs
 * (never earlier than its deadline; later by up to one CPU batch). Callbacks run on the
 * machine's thread, serialized with all other device calls; a callback may re-arm its own
 * timer or any other.
 */
@ProviderType
public interface TimerService {

    /** A new, unarmed timer; {@code name} is for diagnostics ({@code "pit.ch0"}). */
    Timer newTimer(String name, LongConsumer callback);
}
