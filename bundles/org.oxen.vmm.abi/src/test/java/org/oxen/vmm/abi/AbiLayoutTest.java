package org.oxen.vmm.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The numbers of the project's Xen PV ABI notes, which are Xen's public headers compiled with
 * gcc -m32 (re-checked against /usr/include/xen of libxen-dev: start_info 1112 bytes,
 * shared_info.arch 2316, vcpu_time_info.flags 29, mmuext_op 12, multicall_entry 32,
 * callback_register 12, xen_compile_info 144, xencons_interface.out_prod 3084).
 */
class AbiLayoutTest {

    @Test
    void startInfoLayout() {
        assertEquals(1112, StartInfo.SIZE);
        assertEquals(32, StartInfo.NR_PAGES);
        assertEquals(36, StartInfo.SHARED_INFO);
        assertEquals(40, StartInfo.FLAGS);
        assertEquals(44, StartInfo.STORE_MFN);
        assertEquals(48, StartInfo.STORE_EVTCHN);
        assertEquals(52, StartInfo.CONSOLE_MFN);
        assertEquals(56, StartInfo.CONSOLE_EVTCHN);
        assertEquals(60, StartInfo.PT_BASE);
        assertEquals(64, StartInfo.NR_PT_FRAMES);
        assertEquals(68, StartInfo.MFN_LIST);
        assertEquals(72, StartInfo.MOD_START);
        assertEquals(76, StartInfo.MOD_LEN);
        assertEquals(80, StartInfo.CMD_LINE);
        assertEquals(StartInfo.SIZE, StartInfo.CMD_LINE + StartInfo.MAX_GUEST_CMDLINE + 8);
        assertEquals("xen-3.0-x86_32p", StartInfo.MAGIC);
    }

    @Test
    void sharedInfoLayout() {
        assertEquals(64, SharedInfo.VCPU_INFO_SIZE);
        assertEquals(2048, SharedInfo.EVTCHN_PENDING);
        assertEquals(SharedInfo.VCPU_INFO + 32 * 64, SharedInfo.EVTCHN_PENDING);
        assertEquals(2176, SharedInfo.EVTCHN_MASK);
        assertEquals(2304, SharedInfo.WC_VERSION);
        assertEquals(2308, SharedInfo.WC_SEC);
        assertEquals(2312, SharedInfo.WC_NSEC);
        assertEquals(2316, SharedInfo.ARCH);
        assertEquals(1, SharedInfo.VI_UPCALL_MASK);
        assertEquals(4, SharedInfo.VI_PENDING_SEL);
        assertEquals(8, SharedInfo.VI_CR2);
        assertEquals(32, SharedInfo.VI_TIME);
        assertEquals(8, SharedInfo.TIME_TSC_TIMESTAMP);
        assertEquals(16, SharedInfo.TIME_SYSTEM_TIME);
        assertEquals(24, SharedInfo.TIME_TSC_TO_SYSTEM_MUL);
        assertEquals(28, SharedInfo.TIME_TSC_SHIFT);
        assertEquals(64 * 3 + 8, SharedInfo.vcpuInfo(3) + SharedInfo.VI_CR2);
    }

    @Test
    void hypercallNumbersAndConstants() {
        assertEquals(17, Hypercall.XEN_VERSION);
        assertEquals(23, Hypercall.IRET);
        assertEquals(26, Hypercall.MMUEXT_OP);
        assertEquals(30, Hypercall.CALLBACK_OP);
        assertEquals(0xF5800000, Xen.HYPERVISOR_VIRT_START);
        assertEquals(0xF6800000, Xen.MACH2PHYS_VIRT_END);
        assertEquals(7168, Xen.FIRST_RESERVED_GDT_ENTRY);
        assertEquals(7168 * 8 + 0x19, Xen.FLAT_RING1_CS);
        assertEquals(38, Errno.ENOSYS);
        assertEquals(16, Errno.EBUSY);
        assertEquals(0x12345 << 12 | 0, Xen.pfnToCr3(0x12345));
        assertEquals(0x123456, Xen.cr3ToPfn(Xen.pfnToCr3(0x123456)));
        assertEquals(16, Xen.MMU_UPDATE_SIZE);
        assertEquals(12, Xen.MMUEXT_OP_SIZE);
        assertEquals(32, Xen.MULTICALL_ENTRY_SIZE);
        assertEquals(8, Xen.TRAP_INFO_SIZE);
    }

    @Test
    void consoleRingLayout() {
        assertEquals(3072, Rings.CONS_IN_CONS);
        assertEquals(3084, Rings.CONS_OUT_PROD);
        assertEquals(2060, Rings.XS_RSP_PROD);
    }
}
