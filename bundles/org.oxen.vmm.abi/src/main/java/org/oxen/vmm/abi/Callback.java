package org.oxen.vmm.abi;

/** callback_op (callback.h). */
public final class Callback {
    private Callback() {
    }

    public static final int CALLBACKTYPE_EVENT = 0;
    public static final int CALLBACKTYPE_FAILSAFE = 1;
    public static final int CALLBACKTYPE_SYSCALL = 2;
    public static final int CALLBACKTYPE_SYSENTER_DEPRECATED = 3;
    public static final int CALLBACKTYPE_NMI = 4;
    public static final int CALLBACKTYPE_SYSENTER = 5;
    public static final int CALLBACKTYPE_SYSCALL32 = 7;
    public static final int CALLBACKF_MASK_EVENTS = 1;
    public static final int CALLBACKOP_REGISTER = 0;
    public static final int CALLBACKOP_UNREGISTER = 1;

    /** callback_register: type u16, flags u16, address {cs u32, eip u32} (12 bytes on x86_32). */
    public static final int REGISTER_SIZE = 12;
    public static final int REGISTER_TYPE = 0;
    public static final int REGISTER_FLAGS = 2;
    public static final int REGISTER_CS = 4;
    public static final int REGISTER_EIP = 8;
    /** callback_unregister: type u16, pad u16. */
    public static final int UNREGISTER_SIZE = 4;
}
