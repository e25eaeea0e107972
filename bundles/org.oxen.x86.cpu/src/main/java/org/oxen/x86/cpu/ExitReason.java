package org.oxen.x86.cpu;

/** Events that can be made to leave the emulator (see the {@code X86Cpu.set...Exit} methods). */
public enum ExitReason {
    /** INT n with a chosen vector (e.g. 0x82). {@link CpuExit#vector()}; EIP at the INT, nextEip after it. */
    SOFTWARE_INTERRUPT,
    /**
     * An exception with an exit enabled: by vector (e.g. #UD), #GP of a privileged instruction at
     * CPL &gt; 0, or #PF in a chosen linear range or on a chosen frame. EIP at the faulting
     * instruction; {@link CpuExit#address()} is the #PF linear address (CR2 is not written).
     */
    EXCEPTION,
    /** HLT at CPL 0 (nextEip after it). */
    HLT,
    /** IN/OUT (not INS/OUTS) to a chosen port: port, size, write, value (for OUT). */
    IO,
    /** MOV to/from CR0/2/3/4, LMSW: index = CR number, write, value (for writes), register. */
    CR_ACCESS,
    /** RDMSR/WRMSR: index = ECX, write, value (for WRMSR). */
    MSR_ACCESS,
    /**
     * VMCALL (0F 01 C1) or VMMCALL (0F 01 D9) at any CPL, with the exit enabled (a hypervisor's
     * hypercall instruction): {@link CpuExit#index()} is the third opcode byte (0xC1 or 0xD9); EIP
     * at the instruction, nextEip after it. Without the exit both are #UD (no VMX/SVM operation).
     */
    VMCALL
}
