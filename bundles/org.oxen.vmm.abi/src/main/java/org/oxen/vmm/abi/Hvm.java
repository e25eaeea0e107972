package org.oxen.vmm.abi;

/**
 * Xen's HVM platform interface for x86 guests: hvm_op's parameters (hvm/hvm_op.h,
 * hvm/params.h), the hypervisor CPUID leaves (arch-x86/cpuid.h), the hypercall-page MSR, and
 * libxc's special pages of an HVM domain.
 */
public final class Hvm {
    private Hvm() {
    }

    public static final int HVMOP_SET_PARAM = 0;
    public static final int HVMOP_GET_PARAM = 1;

    /** struct xen_hvm_param: domid u16, pad u16, index u32, value u64 (16 bytes). */
    public static final int PARAM_SIZE = 16;
    public static final int PARAM_DOMID = 0;
    public static final int PARAM_INDEX = 4;
    public static final int PARAM_VALUE = 8;

    public static final int HVM_PARAM_CALLBACK_IRQ = 0;
    public static final int HVM_PARAM_STORE_PFN = 1;
    public static final int HVM_PARAM_STORE_EVTCHN = 2;
    public static final int HVM_PARAM_PAE_ENABLED = 4;
    public static final int HVM_PARAM_IOREQ_PFN = 5;
    public static final int HVM_PARAM_BUFIOREQ_PFN = 6;
    public static final int HVM_PARAM_VIRIDIAN = 9;
    public static final int HVM_PARAM_TIMER_MODE = 10;
    public static final int HVM_PARAM_DM_DOMAIN = 13;
    public static final int HVM_PARAM_VM86_TSS = 15;
    public static final int HVM_PARAM_CONSOLE_PFN = 17;
    public static final int HVM_PARAM_CONSOLE_EVTCHN = 18;
    public static final int HVM_PARAM_ACPI_IOPORTS_LOCATION = 19;
    public static final int HVM_PARAM_MEMORY_EVENT_CR0 = 20;
    public static final int HVM_PARAM_MEMORY_EVENT_CR3 = 21;
    public static final int HVM_PARAM_MEMORY_EVENT_CR4 = 22;
    public static final int HVM_PARAM_MEMORY_EVENT_INT3 = 23;
    public static final int HVM_PARAM_NESTEDHVM = 24;
    public static final int HVM_PARAM_MEMORY_EVENT_SINGLE_STEP = 25;
    public static final int HVM_PARAM_BUFIOREQ_EVTCHN = 26;
    public static final int HVM_PARAM_MEMORY_EVENT_MSR = 30;
    public static final int HVM_PARAM_IOREQ_SERVER_PFN = 32;
    public static final int HVM_PARAM_NR_IOREQ_SERVER_PAGES = 33;
    public static final int HVM_PARAM_VM_GENERATION_ID_ADDR = 34;
    public static final int HVM_PARAM_ALTP2M = 35;
    public static final int HVM_PARAM_X87_FIP_WIDTH = 36;
    public static final int HVM_PARAM_VM86_TSS_SIZED = 37;
    public static final int HVM_PARAM_MCA_CAP = 38;
    public static final int HVM_NR_PARAMS = 39;

    /** HVM_PARAM_CALLBACK_IRQ: the via's type is bits 63:56 of the value. */
    public static final int CALLBACK_TYPE_SHIFT = 56;
    /** val[55:0] is a GSI (0: no callback). */
    public static final int HVM_PARAM_CALLBACK_TYPE_GSI = 0;
    /** val[15:11] is the PCI device, val[1:0] its INTx pin (0 = INTA#). */
    public static final int HVM_PARAM_CALLBACK_TYPE_PCI_INTX = 1;
    /** val[7:0] is a vector delivered to the vcpu directly. */
    public static final int HVM_PARAM_CALLBACK_TYPE_VECTOR = 2;

    /** add_to_physmap spaces and index flags (memory.h) an HVM guest uses. */
    public static final int XENMAPSPACE_SHARED_INFO = 0;
    public static final int XENMAPIDX_GRANT_TABLE_STATUS = 0x80000000;

    /** The hypervisor CPUID leaves (arch-x86/cpuid.h). */
    public static final int XEN_CPUID_FIRST_LEAF = 0x40000000;
    public static final int XEN_CPUID_SIGNATURE_EBX = 0x566e6558;
    public static final int XEN_CPUID_SIGNATURE_ECX = 0x65584d4d;
    public static final int XEN_CPUID_SIGNATURE_EDX = 0x4d4d566e;
    public static final int XEN_CPUID_MAX_NUM_LEAVES = 5;
    public static final int XEN_HVM_CPUID_VCPU_ID_PRESENT = 1 << 3;
    public static final int XEN_HVM_CPUID_DOMID_PRESENT = 1 << 4;

    /** The hypercall-page MSR: its number is leaf 0x40000002's EBX (Xen's, without Viridian). */
    public static final int HYPERCALL_PAGE_MSR = 0x40000000;

    /** libxc's HVM special pages: special_pfn(x) = END_SPECIAL_REGION - NR_SPECIAL_PAGES + x. */
    public static final int X86_HVM_END_SPECIAL_REGION = 0xff000;
    public static final int X86_HVM_NR_SPECIAL_PAGES = 8;
    public static final int SPECIALPAGE_XENSTORE = 4;
    public static final int SPECIALPAGE_CONSOLE = 7;

    /** libxc's special_pfn(x). */
    public static int specialPfn(int x) {
        return X86_HVM_END_SPECIAL_REGION - X86_HVM_NR_SPECIAL_PAGES + x;
    }
}
