package org.oxen.vmm.core.guest;

/**
 * A guest pointer that cannot be accessed (unmapped, read-only for a write, in the hypervisor
 * hole). Thrown by {@link GuestMemory}; the hypercall dispatcher turns it into -EFAULT. One
 * preallocated instance without a stack trace: it is a return path, not an error.
 */
public final class GuestFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final GuestFault INSTANCE = new GuestFault();

    private GuestFault() {
        super("bad guest address", null, false, false);
    }
}
