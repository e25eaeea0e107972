package org.oxen.debug.gdbstub;

import org.osgi.annotation.versioning.ConsumerType;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.X86Cpu;

/**
 * What a debugger needs of an x86 target whose run loop cooperates through a {@link DebugGate}.
 *
 * <p>{@link #cpu}'s state and {@link #physicalMemory()} may only be touched while the gate holds
 * the run loop parked ({@link DebugGate#isStopped()}); the other methods may be called from any
 * thread.
 */
@ConsumerType
public interface DebugTarget {

    /** For messages ({@code "machine 3"}, {@code "domain 5"}). */
    String name();

    int cpuCount();

    X86Cpu cpu(int index);

    PhysicalMemory physicalMemory();

    /** Bytes of RAM from physical address 0 (physical accesses beyond are refused). */
    long physicalSize();

    /** Starts calling {@code gate} from the run loop; false if another debugger holds the target or it has ended. */
    boolean attach(DebugGate gate);

    /** Stops calling {@code gate} (after the gate released the run loop). */
    void detach(DebugGate gate);

    /** Makes every CPU leave its current batch soon so the run loop reaches {@link DebugGate#checkpoint()}; any thread. */
    void interruptCpus();
}
