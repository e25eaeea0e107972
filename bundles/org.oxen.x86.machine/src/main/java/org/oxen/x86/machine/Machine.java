package org.oxen.x86.machine;

import java.time.Duration;

import org.oxen.debug.gdbstub.DebugTarget;

import org.osgi.annotation.versioning.ProviderType;

/** One running (or ended) machine, as its owner and the {@code machine} command see it. */
@ProviderType
public interface Machine {

    /** Small positive number, unique in this framework. */
    int id();

    /** The image's file name. */
    String name();

    MachineDescription description();

    MachineState state();

    /** Why the machine ended ({@code "exit status 33"}, {@code "triple fault at ..."}), or {@code ""} while running. */
    String reason();

    /** The status written to the exit port, {@code (v << 1) | 1}, or {@code null} if the machine did not end that way. */
    Integer exitStatus();

    /** Instructions retired by all CPUs so far. */
    long instructions();

    /** Code regions the CPUs' translators have compiled to JVM bytecode so far. */
    long translatedRegions();

    /** The clock's time, in nanoseconds since power-on. */
    long nanos();

    /** Output of the primary console (the first {@code uart} device, else the first console device). */
    String console();

    /** Output of device {@code deviceId}'s console, or {@code null} if it has none. */
    String console(String deviceId);

    /** Waits until the machine ends; true if it did within {@code timeout}. */
    boolean awaitEnd(Duration timeout) throws InterruptedException;

    /**
     * The machine as a debugger sees it: a gdb stub ({@code org.oxen.debug.gdbstub.GdbServer})
     * attaches through it and stops, steps and inspects the CPUs (one debugger at a time).
     */
    DebugTarget debugTarget();

    /** Ends the machine (state {@link MachineState#STOPPED}); harmless when it has ended. */
    void stop();
}
