package org.oxen.vmm.core.domain;

import org.oxen.x86.cpu.CpuExit;
import org.oxen.x86.cpu.X86Cpu;

/**
 * A debugger attached to a domain, as the domain's vcpus and lifecycle see it (the gdb stub side
 * lives in {@code org.oxen.vmm.core.debug}; this seam keeps its types out of the domain code).
 */
public interface DomainDebugger {

    /**
     * From a vcpu's exit handler on its pCPU, for a #DB or #BP exit: true if the debugger takes
     * it (an inserted breakpoint, the step it asked for); the domain is then being stopped and
     * the vcpu must leave guest code. False: the exception goes to the guest as without a debugger.
     */
    boolean onDebugException(VcpuImpl v, X86Cpu cpu, CpuExit exit);

    /** The domain shut down or crashed ({@code why} says how); a waiting debugger learns it. */
    void domainStopped(String why);

    /** The domain is being destroyed; called while its frames are still its own. */
    void domainDestroyed();
}
