package org.oxen.x86.bus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import org.oxen.x86.api.Clock;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.device.Console;
import org.oxen.x86.api.device.DeviceContext;

/**
 * A {@link DeviceContext} assembled from parts: by default a {@link ManualClock}, a
 * {@link TimerQueue}, an {@link Interrupts} router, no RAM (reads all ones), one CPU,
 * deterministic mode, {@link Consoles} sinks. Tests use it as their fake machine; the board
 * may use it too, replacing parts through the setters.
 */
public final class BasicDeviceContext implements DeviceContext {

    private Clock clock = new ManualClock();
    private final TimerQueue timers = new TimerQueue();
    private final Interrupts interrupts = new Interrupts();
    private PhysicalMemory memory = NO_MEMORY;
    private long ramBytes = 64L << 20;
    private int cpus = 1;
    private int currentCpu;
    private boolean deterministic = true;
    private BiFunction<String, String, Console> consoles = Consoles::open;
    private final Map<String, Consoles.MemoryConsole> memoryConsoles = new HashMap<>();
    private final List<Integer> exits = new ArrayList<>();
    private final Map<Class<?>, Object> services = new HashMap<>();
    private int resets;
    private int powerOffs;

    /** Reads all ones, ignores writes. */
    public static final PhysicalMemory NO_MEMORY = new PhysicalMemory() {
        @Override public int read8(long a) { return 0xFF; }
        @Override public int read16(long a) { return 0xFFFF; }
        @Override public int read32(long a) { return -1; }
        @Override public long read64(long a) { return -1L; }
        @Override public void write8(long a, int v) { }
        @Override public void write16(long a, int v) { }
        @Override public void write32(long a, int v) { }
        @Override public void write64(long a, long v) { }
    };

    @Override
    public Clock clock() {
        return clock;
    }

    /** The clock, as a manual clock (fails if a real clock was set). */
    public ManualClock manualClock() {
        return (ManualClock) clock;
    }

    /** Advances the manual clock by {@code nanos} and fires the timers that became due. */
    public void advance(long nanos) {
        ManualClock c = manualClock();
        long end = c.nanos() + nanos;
        // step through deadlines so callbacks see their own time, as between CPU batches
        while (timers.nextDeadline() <= end) {
            c.set(Math.max(c.nanos(), timers.nextDeadline()));
            timers.runDue(c.nanos());
        }
        c.set(end);
    }

    public BasicDeviceContext clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    @Override
    public TimerQueue timers() {
        return timers;
    }

    @Override
    public Interrupts interrupts() {
        return interrupts;
    }

    @Override
    public PhysicalMemory memory() {
        return memory;
    }

    public BasicDeviceContext memory(PhysicalMemory memory) {
        this.memory = memory;
        return this;
    }

    @Override
    public long ramBytes() {
        return ramBytes;
    }

    public BasicDeviceContext ramBytes(long bytes) {
        this.ramBytes = bytes;
        return this;
    }

    @Override
    public int cpuCount() {
        return cpus;
    }

    public BasicDeviceContext cpuCount(int n) {
        this.cpus = n;
        return this;
    }

    @Override
    public int currentCpu() {
        return currentCpu;
    }

    public BasicDeviceContext currentCpu(int cpu) {
        this.currentCpu = cpu;
        return this;
    }

    @Override
    public boolean deterministic() {
        return deterministic;
    }

    public BasicDeviceContext deterministic(boolean d) {
        this.deterministic = d;
        return this;
    }

    /** Also accepts {@code memory:<name>}, see {@link #memoryConsole(String)}. */
    @Override
    public Console openConsole(String owner, String spec) {
        if (spec != null && spec.startsWith("memory:")) {
            return memoryConsole(spec.substring(7));
        }
        return consoles.apply(owner, spec);
    }

    /** Replaces the console opener ({@code (owner, spec) -> console}). */
    public BasicDeviceContext consoles(BiFunction<String, String, Console> opener) {
        this.consoles = opener;
        return this;
    }

    /** The memory console opened by spec {@code memory:<name>} (created on first use). */
    public Consoles.MemoryConsole memoryConsole(String name) {
        return memoryConsoles.computeIfAbsent(name, n -> Consoles.memory());
    }

    @Override
    public <T> void publish(Class<T> type, T instance) {
        if (services.containsKey(type)) {
            throw new org.oxen.x86.api.device.DeviceConfigException("a " + type.getSimpleName()
                    + " is already published on this machine (two devices provide it)");
        }
        services.put(type, instance);
    }

    @Override
    public <T> T lookup(Class<T> type) {
        return type.cast(services.get(type));
    }

    /** Withdraws a published service (device closed). */
    public void unpublish(Class<?> type) {
        services.remove(type);
    }

    @Override
    public void requestReset() {
        resets++;
    }

    /** Number of reset requests so far. */
    public int resetRequests() {
        return resets;
    }

    @Override
    public void requestExit(int status) {
        exits.add(status);
    }

    @Override
    public void requestPowerOff() {
        powerOffs++;
    }

    /** Number of power-off requests so far. */
    public int powerOffRequests() {
        return powerOffs;
    }

    /** Exit statuses requested so far. */
    public List<Integer> exitRequests() {
        return exits;
    }
}
