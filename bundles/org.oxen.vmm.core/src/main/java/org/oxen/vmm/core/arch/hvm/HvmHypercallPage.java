package org.oxen.vmm.core.arch.hvm;

import org.oxen.vmm.abi.Hypercall;
import org.oxen.x86.api.Ram;

/**
 * The hypercall page Xen writes for an HVM guest when it writes the hypercall-page MSR
 * (hvm_init_hypercall_page with vmx_init_hypercall_page): the page is filled with INT3, then slot
 * {@code i} (32 bytes each) is {@code mov $i, %eax; vmcall; ret}, except slot 23 (iret, which an
 * HVM guest cannot make), which is {@code ud2}. oxen's vcpus are Intel ("GenuineIntel"), so the
 * page uses VMCALL; VMMCALL, AMD's form, works as well.
 */
final class HvmHypercallPage {

    private HvmHypercallPage() {
    }

    static void fill(Ram ram, long ma) {
        for (int i = 0; i < 4096; i += 8) ram.write64(ma + i, 0xCCCCCCCCCCCCCCCCL);
        for (int i = 0; i < 4096 / Hypercall.PAGE_SLOT_SIZE; i++) {
            long p = ma + (long) i * Hypercall.PAGE_SLOT_SIZE;
            if (i == Hypercall.IRET) {
                ram.write16(p, 0x0B0F); // ud2
                continue;
            }
            ram.write8(p, 0xB8); // mov $i, %eax
            ram.write32(p + 1, i);
            ram.write8(p + 5, 0x0F); // vmcall
            ram.write8(p + 6, 0x01);
            ram.write8(p + 7, 0xC1);
            ram.write8(p + 8, 0xC3); // ret
        }
    }
}
