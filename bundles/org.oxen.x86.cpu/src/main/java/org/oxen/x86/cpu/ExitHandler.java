package org.oxen.x86.cpu;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The owner of a CPU (the VMM, a test) handling exits. Called on the thread running
 * {@link X86Cpu#run(long)}, with the CPU's state consistent at the instruction that exited. The
 * handler may read and change any state, inject an exception ({@link X86Cpu#injectException}),
 * and must not call {@code run} itself.
 */
@ConsumerType
public interface ExitHandler {

    ExitAction onExit(X86Cpu cpu, CpuExit exit);
}
