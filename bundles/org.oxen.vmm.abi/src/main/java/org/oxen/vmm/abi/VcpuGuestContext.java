package org.oxen.vmm.abi;

/**
 * {@code struct vcpu_guest_context} of an x86_32 guest (arch-x86/xen-x86_32.h; what 64-bit Xen
 * reads as {@code compat_vcpu_guest_context}): 2800 bytes, the argument of VCPUOP_initialise.
 */
public final class VcpuGuestContext {
    private VcpuGuestContext() {
    }

    public static final int SIZE = 2800;

    /** fpu_ctxt: the FXSAVE image, 512 bytes. */
    public static final int FPU_CTXT = 0;
    public static final int FPU_CTXT_SIZE = 512;
    public static final int FLAGS = 512;
    public static final int USER_REGS = 516;
    public static final int TRAP_CTXT = 584;
    public static final int LDT_BASE = 2632;
    public static final int LDT_ENTS = 2636;
    public static final int GDT_FRAMES = 2640;
    public static final int GDT_FRAMES_COUNT = 16;
    public static final int GDT_ENTS = 2704;
    public static final int KERNEL_SS = 2708;
    public static final int KERNEL_SP = 2712;
    public static final int CTRLREG = 2716;
    public static final int DEBUGREG = 2748;
    public static final int EVENT_CALLBACK_CS = 2780;
    public static final int EVENT_CALLBACK_EIP = 2784;
    public static final int FAILSAFE_CALLBACK_CS = 2788;
    public static final int FAILSAFE_CALLBACK_EIP = 2792;
    public static final int VM_ASSIST = 2796;

    // flags
    public static final int VGCF_I387_VALID = 1;
    public static final int VGCF_IN_KERNEL = 1 << 2;
    public static final int VGCF_FAILSAFE_DISABLES_EVENTS = 1 << 3;
    public static final int VGCF_SYSCALL_DISABLES_EVENTS = 1 << 4;
    public static final int VGCF_ONLINE = 1 << 5;

    // struct cpu_user_regs (68 bytes), offsets inside USER_REGS
    public static final int REG_EBX = 0, REG_ECX = 4, REG_EDX = 8, REG_ESI = 12, REG_EDI = 16, REG_EBP = 20,
            REG_EAX = 24, REG_ERROR_CODE = 28, REG_ENTRY_VECTOR = 30, REG_EIP = 32, REG_CS = 36,
            REG_SAVED_UPCALL_MASK = 38, REG_EFLAGS = 40, REG_ESP = 44, REG_SS = 48, REG_ES = 52, REG_DS = 56,
            REG_FS = 60, REG_GS = 64;
    public static final int USER_REGS_SIZE = 68;

    /** A PV guest's LDT may have at most 8192 entries (arch_set_info_guest). */
    public static final int MAX_LDT_ENTS = 8192;
}
