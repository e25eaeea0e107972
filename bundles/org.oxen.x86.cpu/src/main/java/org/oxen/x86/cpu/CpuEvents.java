package org.oxen.x86.cpu;

/**
 * A CPU's event state between two instructions, beyond its registers (Xen's hvm_hw_cpu
 * pending_event and interruptibility, VMX's guest interruptibility state): for save and restore.
 *
 * @param interruptShadow  the instruction before was MOV SS, POP SS or STI: no interrupt before the next one
 * @param nmiBlocked       an NMI is being handled: NMIs are blocked until the next IRET
 * @param nmiPending       an NMI was raised and not delivered yet
 * @param injectVector     an event the owner injected that was not delivered yet, or -1
 * @param injectError      its error code, or -1
 * @param injectException  whether it is an exception (else an external interrupt)
 */
public record CpuEvents(boolean interruptShadow, boolean nmiBlocked, boolean nmiPending, int injectVector,
        int injectError, boolean injectException) {

    /** Nothing pending, nothing blocked. */
    public static final CpuEvents NONE = new CpuEvents(false, false, false, -1, -1, false);

    public CpuEvents {
        if (injectVector < -1 || injectVector > 255) {
            throw new IllegalArgumentException("injected vector " + injectVector + " (want -1..255)");
        }
    }
}
